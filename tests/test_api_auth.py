"""Sign-in end to end against a fake APS on 127.0.0.1: login (the test plays the browser), refresh,
rotation, 401 mid-run, logout, and the messages a user sees. Every test also checks, on teardown,
that no token or authorization code the fake issued appears in any output or log record."""

from __future__ import annotations

import asyncio
import http.client
import logging
import os
import re
import socket
import stat
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from reporter import cli
from reporter.api.auth import refresh_tokens
from reporter.api.loopback import _CallbackListener
from reporter.api.token_store import FileTokenStore, StoredTokens
from reporter.api.tokens import SignedInTokens, StaticToken, resolve_token_provider, stored_token_provider
from reporter.errors import SignInError

try:
    from tests.fakes.aps_auth import FakeAps
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from fakes.aps_auth import FakeAps

CLIENT_ID = "test-client-id"
DAY = 24 * 3600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Env(SimpleNamespace):
    def out(self) -> tuple[str, str]:
        """Read (and keep for the leak check) what was printed since the last call."""
        captured = self.capsys.readouterr()
        self.transcript.append(captured.out + captured.err)
        return captured.out, captured.err

    def store_tokens(self, *, access_expires_in: float = 3599, refresh_expires_in: float | None = None, stored_access: str | None = None, refresh_valid_for: float = 15 * DAY) -> StoredTokens:
        issued = self.aps.issue_tokens(access_expires_in=access_expires_in, refresh_expires_in=refresh_expires_in)
        tokens = StoredTokens(
            access_token=stored_access or issued["access_token"],
            refresh_token=issued["refresh_token"],
            expires_at=time.time() + access_expires_in,
            refresh_expires_at=time.time() + refresh_valid_for,
            client_id=CLIENT_ID,
            auth_base_url=self.aps.auth_base_url,
            scope="data:read",
        )
        self.store.save(tokens)
        return tokens


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("reporter", "httpx", "httpcore"):  # an earlier cli.main() may have raised their levels
        caplog.set_level(logging.DEBUG, logger=name)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "APS_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    port = _free_port()
    callback = f"http://127.0.0.1:{port}/oauth/callback/"
    aps = FakeAps(client_id=CLIENT_ID, redirect_uris={callback})
    config = tmp_path / "config" / "reporter"
    monkeypatch.setenv("APS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("APS_CALLBACK_URL", callback)
    monkeypatch.setenv("APS_AUTH_BASE_URL", aps.auth_base_url)
    monkeypatch.setenv("TRADETAPP_BASE_URL", aps.api_base_url)
    monkeypatch.setenv("REPORTER_CONFIG_DIR", str(config))
    monkeypatch.setenv("REPORTER_TOKEN_STORE", "file")
    # Only this issue's commands (others may not exist yet), and keep pytest's log capture in place.
    monkeypatch.setattr(cli, "COMMANDS", ("login", "logout", "whoami"))
    monkeypatch.setattr(cli, "_setup_logging", lambda debug, quiet: None)
    e = Env(aps=aps, port=port, callback=callback, config=config, store=FileTokenStore(config / "tokens.json"), capsys=capsys, transcript=[])
    yield e
    aps.close()
    assert not _leaks(e, caplog), "an issued token or code appears in the output or the logs"


def _leaks(env: Env, caplog, planted: str = "") -> list[str]:
    """Issued tokens and codes found in anything printed or logged so far."""
    env.out()
    seen = {id(r): r for when in ("setup", "call") for r in caplog.get_records(when)}
    seen.update((id(r), r) for r in caplog.records)  # caplog.records is the current phase only
    records = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in seen.values())
    everything = "\n".join(env.transcript) + records + planted
    return [value for value in env.aps.state.issued if value in everything]


def _login(env: Env, *extra: str, tamper=None, answer: bool = True) -> tuple[int, str, str]:
    """Run `reporter login --no-browser` in a thread and act as the browser."""
    result: dict[str, int] = {}
    thread = threading.Thread(target=lambda: result.setdefault("rc", cli.main(["login", "--no-browser", "--timeout", "10", *extra])))
    thread.start()
    printed, errors = "", ""
    deadline = time.monotonic() + 10
    url = None
    while answer and url is None and thread.is_alive() and time.monotonic() < deadline:
        out, err = env.out()
        printed, errors = printed + out, errors + err
        match = re.search(r"(http://127\.0\.0\.1:\d+/authentication/v2/authorize\?\S+)", printed)
        url = match and match.group(1)
        time.sleep(0.01)
    if url:
        status, headers, _ = _browser_get(url)
        assert status == 302
        location = headers["location"]
        if tamper:
            location = tamper(location)
        env.browser_page = _browser_get(location)
    thread.join(15)
    assert not thread.is_alive(), "login did not finish"
    out, err = env.out()
    return result.get("rc", -1), printed + out, errors + err


def _browser_get(url: str) -> tuple[int, dict[str, str], str]:
    """One GET without following redirects, as a browser would send it (and without httpx, whose
    log lines would show the code in the redirect: the browser is not the code under test)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


# --------------------------------------------------------------------------- login


def test_whole_login_stores_tokens_with_pkce(env):
    rc, out, err = _login(env)
    assert rc == 0, err
    assert "Signed in" in out and str(env.store.path) in out
    assert "you can close this window" in env.browser_page[2].lower()

    authorize = next(r for r in env.aps.requests if r.path.endswith("/authorize"))
    assert authorize.params["code_challenge_method"] == "S256"
    assert authorize.params["scope"] == "data:read"
    assert authorize.params["redirect_uri"] == env.callback
    exchange = env.aps.token_requests("authorization_code")
    assert len(exchange) == 1
    assert 43 <= len(exchange[0].params["code_verifier"]) <= 128
    assert exchange[0].params["client_id"] == CLIENT_ID and "client_secret" not in exchange[0].params

    stored = env.store.load()
    issued = env.aps.state.issued
    assert stored.access_token == issued[-2] and stored.refresh_token == issued[-1]
    assert stored.expires_at == pytest.approx(time.time() + 3599, abs=30)
    assert stored.refresh_expires_at == pytest.approx(time.time() + 15 * DAY, abs=30)
    assert stored.client_id == CLIENT_ID and stored.auth_base_url == env.aps.auth_base_url


def test_token_file_is_0600_in_a_0700_folder_and_written_atomically(env):
    assert _login(env)[0] == 0
    assert stat.S_IMODE(os.stat(env.store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(env.config).st_mode) == 0o700
    env.store_tokens()  # a second write replaces the file, leaves no temp file behind
    assert sorted(p.name for p in env.config.iterdir()) == ["tokens.json"]
    assert stat.S_IMODE(os.stat(env.store.path).st_mode) == 0o600


def test_tampered_state_is_refused_and_nothing_is_stored(env):
    rc, out, err = _login(env, tamper=lambda loc: _with_query(loc, state="forged-state"))
    assert rc == 1
    assert "state mismatch" in err and "nothing was stored" in err
    assert env.browser_page[0] == 400
    assert not env.store.path.exists()
    assert env.aps.token_requests() == []  # the code was never exchanged


def test_cancelled_in_the_browser(env):
    env.aps.state.deny = True
    rc, out, err = _login(env)
    assert rc == 1
    assert "sign-in was cancelled in the browser" in err
    assert not env.store.path.exists()


def test_no_answer_from_the_browser(env):
    started = time.monotonic()
    rc, out, err = _login(env, "--timeout", "0.3", answer=False)
    assert rc == 1
    assert "no answer from the browser within 0.3 s (was the window closed?)" in err
    assert time.monotonic() - started < 5


def test_port_in_use(env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", env.port))
        busy.listen()
        rc, out, err = _login(env, answer=False)
    assert rc == 1
    assert f"port {env.port} is in use: free it or set APS_CALLBACK_URL to another registered callback" in err


def test_missing_client_id(env, monkeypatch):
    monkeypatch.delenv("APS_CLIENT_ID")
    assert cli.main(["login", "--no-browser"]) == 1
    assert "APS_CLIENT_ID is not set" in env.out()[1]


def test_listener_ignores_stray_requests_and_takes_the_first_answer(env):
    listener = _CallbackListener(env.callback, "expected-state")
    try:
        base = env.callback.rstrip("/")
        assert _browser_get(f"http://127.0.0.1:{env.port}/favicon.ico")[0] == 404
        assert _browser_get(f"{base}/?state=expected-state")[0] == 400  # no code: keep waiting
        assert listener.wait(0.05) is None
        assert _browser_get(f"{base}/?code=the-code&state=expected-state")[0] == 200
        assert _browser_get(f"{base}/?code=other&state=expected-state")[0] == 404
        assert listener.wait(1) == {"code": "the-code"}
    finally:
        listener.close()


def test_an_error_without_the_right_state_is_a_state_mismatch(env):
    listener = _CallbackListener(env.callback, "expected-state")
    try:
        assert _browser_get(f"{env.callback}?error=access_denied")[0] == 400
        assert listener.wait(1) == {"error": "state_mismatch"}
    finally:
        listener.close()


# --------------------------------------------------------------------------- refresh


def test_refresh_before_expiry_rotates_and_persists(env):
    old = env.store_tokens(access_expires_in=60)
    provider = resolve_token_provider(None)
    assert isinstance(provider, SignedInTokens)

    token = asyncio.run(provider.token())

    assert token != old.access_token
    assert len(env.aps.token_requests("refresh_token")) == 1
    stored = env.store.load()
    assert stored.access_token == token
    assert stored.refresh_token != old.refresh_token  # rotated, and already on disk
    assert stored.expires_at == pytest.approx(time.time() + 3599, abs=30)
    # The old refresh token is dead at the server now.
    with pytest.raises(SignInError, match="run 'reporter login' again"):
        asyncio.run(refresh_tokens(old))


def test_fresh_token_is_not_refreshed(env):
    old = env.store_tokens(access_expires_in=3599)
    assert asyncio.run(resolve_token_provider(None).token()) == old.access_token
    assert env.aps.token_requests() == []


def test_concurrent_callers_refresh_once(env):
    env.store_tokens(access_expires_in=10)
    provider = resolve_token_provider(None)

    async def many():
        return await asyncio.gather(*(provider.token() for _ in range(5)))

    tokens = asyncio.run(many())
    assert len(set(tokens)) == 1
    assert len(env.aps.token_requests("refresh_token")) == 1


def test_a_rotation_by_another_process_is_adopted_not_repeated(env):
    env.store_tokens(access_expires_in=10)
    ours, theirs = resolve_token_provider(None), resolve_token_provider(None)
    their_token = asyncio.run(theirs.token())  # the other run refreshes first: our refresh token is dead
    assert asyncio.run(ours.token()) == their_token
    assert len(env.aps.token_requests("refresh_token")) == 1


def test_401_mid_run_refreshes_once_and_retries(env):
    old = env.store_tokens(stored_access="stale-access-token-not-known-to-the-api")
    assert cli.main(["whoami"]) == 0
    out, err = env.out()
    assert "Pat Manager <pat.manager@example.com>" in out
    api_calls = [r for r in env.aps.requests if r.server == "api"]
    assert len(api_calls) == 2
    assert api_calls[0].headers["Authorization"] == "Bearer stale-access-token-not-known-to-the-api"
    assert len(env.aps.token_requests("refresh_token")) == 1
    assert env.store.load().refresh_token != old.refresh_token


def test_expired_refresh_token_says_to_log_in_again(env):
    env.store_tokens(access_expires_in=-10, refresh_valid_for=-1)  # issued 15+ days ago
    assert cli.main(["whoami"]) == 1
    err = env.out()[1]
    assert "15 days" in err and "run 'reporter login' again" in err
    assert env.aps.token_requests() == []  # known locally, no need to ask


def test_refresh_token_refused_by_server_says_to_log_in_again(env):
    env.store_tokens(access_expires_in=-10, refresh_expires_in=-1)
    assert cli.main(["whoami"]) == 1
    err = env.out()[1]
    assert "expired or was revoked" in err and "run 'reporter login' again" in err


# --------------------------------------------------------------------------- whoami, precedence


def test_whoami_lists_company_and_children(env):
    env.store_tokens()
    assert cli.main(["whoami"]) == 0
    out = env.out()[0]
    assert "Role:        APPROVER" in out
    assert "GC company:  Acme Builders West (id 5d1a9c0e8f4a2b0012345678)" in out
    assert "Enterprise:  Acme Holdings" in out
    assert "--gc-company-id" in out
    assert "5d1a9c0e8f4a2b0087654321  Acme Builders East" in out


def test_not_signed_in(env):
    assert cli.main(["whoami"]) == 1
    assert "not signed in: run 'reporter login' (or set APS_ACCESS_TOKEN)" in env.out()[1]


def test_token_file_beats_env_beats_store(env, monkeypatch, tmp_path):
    env.store_tokens()
    monkeypatch.setenv("APS_ACCESS_TOKEN", "from-env")
    token_file = tmp_path / "token.txt"
    token_file.write_text("from-file\n")
    from_file = resolve_token_provider(str(token_file))
    from_env = resolve_token_provider(None)
    assert isinstance(from_file, StaticToken) and asyncio.run(from_file.token()) == "from-file"
    assert isinstance(from_env, StaticToken) and asyncio.run(from_env.token()) == "from-env"
    assert asyncio.run(from_env.refreshed()) is None


def test_token_file_may_say_bearer_and_must_hold_one_token(env, tmp_path):
    token_file = tmp_path / "token.txt"
    token_file.write_text("Bearer abc.def\n")
    assert asyncio.run(resolve_token_provider(str(token_file)).token()) == "abc.def"
    token_file.write_text("one two three")
    with pytest.raises(SignInError, match="does not hold one access token"):
        resolve_token_provider(str(token_file))


def test_the_fetch_commands_find_the_stored_sign_in(env):
    from argparse import Namespace

    from reporter.commands.api_options import resolve_token_provider as fetch_provider

    assert stored_token_provider() is None
    env.store_tokens()
    assert isinstance(fetch_provider(Namespace(token_file=None)), SignedInTokens)


def test_static_token_is_never_refreshed_nor_stored(env, monkeypatch):
    stored = env.store_tokens()
    monkeypatch.setenv("APS_ACCESS_TOKEN", "unknown-to-the-api")
    assert cli.main(["whoami"]) == 1
    assert "HTTP 401" in env.out()[1]
    assert env.aps.token_requests() == []
    assert env.store.load() == stored


def test_whoami_with_a_valid_env_token(env, monkeypatch):
    issued = env.aps.issue_tokens()
    monkeypatch.setenv("APS_ACCESS_TOKEN", issued["access_token"])
    assert cli.main(["whoami"]) == 0
    out = env.out()[0]
    assert "Acme Builders West" in out and "APS_ACCESS_TOKEN" in out
    assert not env.store.path.exists()


# --------------------------------------------------------------------------- logout


def test_logout_revokes_and_forgets(env):
    tokens = env.store_tokens()
    assert cli.main(["logout"]) == 0
    assert "revoked" in env.out()[0]
    assert env.aps.state.revoked == [("refresh_token", tokens.refresh_token), ("access_token", tokens.access_token)]
    revoke = [r for r in env.aps.requests if r.path.endswith("/revoke")]
    assert all(r.params["client_id"] == CLIENT_ID for r in revoke)
    assert not env.store.path.exists()
    assert cli.main(["whoami"]) == 1
    assert "not signed in" in env.out()[1]


def test_logout_forgets_even_when_revoke_fails(env, caplog):
    tokens = env.store_tokens()
    dead = f"http://127.0.0.1:{_free_port()}/authentication/v2"
    env.store.save(StoredTokens(**{**tokens.__dict__, "auth_base_url": dead}))
    assert cli.main(["logout"]) == 0
    assert "Signed out on this computer" in env.out()[0]
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("could not revoke" in w and "removed from this computer anyway" in w for w in warning)
    assert not env.store.path.exists()


def test_logout_when_not_signed_in(env):
    assert cli.main(["logout"]) == 0
    assert "Not signed in" in env.out()[0]


# --------------------------------------------------------------------------- secrets stay secret


def test_no_token_in_any_log_line_or_message(env, caplog):
    """A whole session at DEBUG: login, refresh on 401, expiry, a tampered state, logout; then grep
    everything printed and logged for every value the fake issued (the fixture repeats the check
    after each test)."""
    assert _login(env)[0] == 0
    first = env.store.load()
    assert first.access_token not in repr(first) and first.refresh_token not in repr(first)
    assert first.refresh_token not in repr(resolve_token_provider(None))
    env.store.save(StoredTokens(**{**first.__dict__, "access_token": "x-stale", "expires_at": time.time() + 3000}))
    assert cli.main(["whoami", "--debug"]) == 0
    assert cli.main(["logout"]) == 0
    env.store_tokens(access_expires_in=-1, refresh_expires_in=-1)
    assert cli.main(["whoami"]) == 1
    assert _login(env, tamper=lambda loc: _with_query(loc, state="nope"))[0] == 1

    assert len(env.aps.state.issued) >= 7  # codes, access and refresh tokens
    assert any(r.name.startswith("reporter") for r in caplog.records)
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # DEBUG really was on
    assert _leaks(env, caplog) == []
    assert _leaks(env, caplog, planted=f"oops {first.refresh_token}") == [first.refresh_token]  # the grep works


# -- the sign-in flows take an httpx transport, like the API client ----------------------------------


def test_refresh_and_revoke_go_through_a_given_transport(tmp_path):
    import httpx

    from reporter.api.auth import revoke_tokens

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "mock-access-2", "refresh_token": "mock-refresh-2",
                                             "expires_in": 3600, "token_type": "Bearer"})
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    old = StoredTokens(access_token="mock-access-1", refresh_token="mock-refresh-1", expires_at=time.time() - 1,
                       refresh_expires_at=time.time() + DAY, client_id=CLIENT_ID,
                       auth_base_url="https://auth.example.test/authentication/v2", scope="data:read")
    store = FileTokenStore(tmp_path / "t.json")
    provider = SignedInTokens(store, old, transport=transport)
    assert asyncio.run(provider.token()) == "mock-access-2"  # expired: refreshed through the mock
    assert store.load().refresh_token == "mock-refresh-2"
    body = parse_qs(seen[0].content.decode())
    assert str(seen[0].url) == "https://auth.example.test/authentication/v2/token"
    assert body["grant_type"] == ["refresh_token"] and body["refresh_token"] == ["mock-refresh-1"]
    assert body["client_id"] == [CLIENT_ID]
    assert asyncio.run(revoke_tokens(store.load(), transport=transport)) == []
    assert [r.url.path for r in seen[1:]] == ["/authentication/v2/revoke"] * 2


def test_login_acc_upload_asks_for_the_write_scopes_and_says_so(env):
    rc, out, err = _login(env, "--acc-upload")
    assert rc == 0, err
    authorize = next(r for r in env.aps.requests if r.path.endswith("/authorize"))
    assert authorize.params["scope"].split() == ["data:read", "data:write", "data:create"]
    assert "may file packets into ACC Docs" in out


def test_login_without_acc_upload_says_how_to_get_the_write_scopes(env):
    rc, out, err = _login(env)
    assert rc == 0, err
    assert "sign in with --acc-upload (data:write data:create)" in out
