"""Fetch-stage faults of issue 14 (items 1, 8, 9, 11), each through the real fetch path: the
fake TradeTapp server on 127.0.0.1, ``reporter fetch`` in-process, or ``httpx.MockTransport``."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import logging
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import httpx
import pytest

from reporter import cli
from reporter.api.fetch import fetch_records
from reporter.api.settings import ApiSettings
from reporter.api.sync_state import STATE_FILE
from reporter.api.tokens import StaticToken
from tests.fakes.records import company_id, make_records
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults, encode_json

# A token shaped like the real ones (base64 pieces): '+', '/' and '=' change when URL-encoded.
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6WyJkYXRhOnJlYWQiXX0+/Zm9vYmFy=="
BASE = "https://api.example.test/construction/tradetapp/v2"


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` with APS_ACCESS_TOKEN set and only the commands that exist yet."""
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("TRADETAPP_BASE_URL", raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    present = tuple(c for c in cli.COMMANDS if importlib.util.find_spec(f"reporter.commands.{c}"))
    monkeypatch.setattr(cli, "COMMANDS", present)
    return cli.main


def windows(text: str, size: int = 12) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def leaked(text: str, *secrets: str) -> list[str]:
    """Every 12-character run of a secret found in ``text``."""
    return sorted(w for s in secrets for w in windows(s) if w in text)


# -- item 8: a 429's pause stops every request not yet on the wire -----------------------------------


def test_a_429_pause_also_holds_requests_that_wait_for_an_in_flight_slot():
    # The first request gets a 429 with a 1 s pause; every other answer takes 0.3 s, so requests
    # that hold a rate-limit token and wait for one of the two slots get one inside the pause.
    ids = [company_id(n) for n in range(1, 9)]
    faults = Faults(script=["429"], retry_after="1", rate_slow=1.0, slow_seconds=0.3)
    with FakeTradeTapp(make_records(8), faults=faults) as fake:
        settings = ApiSettings(fake.base_url, max_in_flight=2, requests_per_minute=1_000_000, backoff_base=0.005)

        async def go():
            return [r async for r in fetch_records(settings, StaticToken(DEFAULT_TOKEN), ids)]

        results = asyncio.run(go())
        requests = list(fake.requests)
    assert [r.company_id for r in results if not r.ok] == []
    (limited,) = [r for r in requests if r.status == 429]
    inside = [r.path for r in requests if limited.at + 0.1 < r.at < limited.at + 0.9]
    assert inside == []  # the client learnt of the pause within 0.1 s: nothing may arrive after that
    assert max(r.at for r in requests) >= limited.at + 0.95  # the retry came after the pause


# -- item 9: every form of the token is redacted; never through a proxy over plain http ---------------


def _b64_middle(prefix: str) -> tuple[str, str]:
    """A base64 echo of ``prefix + TOKEN``, and its part that only the token's bytes decide."""
    text = base64.b64encode(f"{prefix}{TOKEN}".encode()).decode()
    return text, text[(len(prefix) * 4) // 3 + 4 : -4]


ECHOES = {  # form -> (what the API echoes, the part of it that must not be seen)
    "url-encoded": (f"Authorization: Bearer%20{quote(TOKEN, safe='')}", quote(TOKEN, safe="")),
    "minus one character": (f"token {TOKEN[:-1]} rejected", TOKEN[:-1]),
    "minus the first characters": (f"token ...{TOKEN[5:]} rejected", TOKEN[5:]),
    "base64": _b64_middle("Authorization: Bearer "),
    "base64 at another offset": _b64_middle("x"),
    "url-encoded inside JSON": (json.dumps({"echo": quote(TOKEN)}), quote(TOKEN)),
}


@pytest.mark.parametrize("form", sorted(ECHOES))
def test_no_form_of_the_token_in_error_messages(form, caplog):
    caplog.set_level(logging.DEBUG)
    echo, secret = ECHOES[form]
    body = {"title": "Bad Request", "detail": f"your request said {echo}"}
    transport = httpx.MockTransport(lambda request: httpx.Response(400, content=encode_json(body)))

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_retries=0), StaticToken(TOKEN), [company_id(1)], transport=transport,
        )]

    (result,) = asyncio.run(go())
    assert result.error is not None and "rejected the request" in str(result.error)
    seen = str(result.error) + repr(result.error.__dict__) + caplog.text
    assert leaked(seen, TOKEN, secret) == []


def test_no_form_of_the_token_in_log_lines(caplog):
    caplog.set_level(logging.DEBUG)
    foreign = f"https://evil.test/{TOKEN[:-2]}/qualifications?cursorState=Yw=="
    pages = [
        {"pagination": {"cursorState": "Yw==", "nextUrl": foreign}, "results": []},
        {"pagination": {"cursorState": None, "nextUrl": None}, "results": []},
    ]
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=encode_json(pages.pop(0))))

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE), StaticToken(TOKEN), all_=True, transport=transport,
        )]

    assert asyncio.run(go()) == []
    assert "paging link points to" in caplog.text
    assert leaked(caplog.text, TOKEN) == []


@pytest.mark.parametrize("form", ["url", "cut", "base64", "exact"])
def test_no_form_of_the_token_on_stderr_of_reporter_fetch(main, monkeypatch, tmp_path, capsys, form):
    with FakeTradeTapp(make_records(2), tokens={TOKEN}, faults=Faults(echo_token=form)) as fake:
        monkeypatch.setenv("APS_ACCESS_TOKEN", TOKEN)
        fake.faults.failing_companies = {company_id(1)}
        rc = main(["fetch", "--company", company_id(1), "--company", company_id(3),
                   "--base-url", fake.base_url, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 1 and "server error 500" in err and "no such company" in err and "you sent" in err
    middle = base64.b64encode(f"Bearer {TOKEN}".encode()).decode()[12:-4]
    assert leaked(err, TOKEN, quote(f"Bearer {TOKEN}", safe=""), middle) == []


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that records what it is asked for and answers 502."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen.append((self.path, self.headers.get("Authorization")))
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_CONNECT = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_loopback_api_is_never_reached_through_a_proxy(main, monkeypatch, tmp_path, variable):
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv(variable, proxy.url)
        with FakeTradeTapp(make_records(2)) as fake:
            rc = main(["fetch", "--company", company_id(1), "--base-url", fake.base_url, "--out", str(tmp_path)])
            direct = len(fake.requests)
    finally:
        proxy.close()
    assert proxy.seen == []  # neither the request nor its bearer token went to the proxy
    assert rc == 0 and direct == 1


# -- item 11: a non-ASCII token, a SOCKS proxy without socksio: clear one-line errors --------------------


@pytest.mark.parametrize("token", ["tökén-0123456789", "abc\u200bdef", "two words"])
def test_a_token_that_cannot_be_sent_is_a_clear_error(main, monkeypatch, tmp_path, capsys, token):
    monkeypatch.setenv("APS_ACCESS_TOKEN", token)
    with FakeTradeTapp(make_records(1)) as fake:
        rc = main(["fetch", "--company", company_id(1), "--base-url", fake.base_url, "--out", str(tmp_path)])
        assert fake.requests == []
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and "internal error" not in err
    assert err.startswith("reporter: error: the access token from APS_ACCESS_TOKEN holds")
    assert token not in err


def test_a_non_ascii_token_from_a_provider_is_a_clear_error():
    class Odd:
        source = "a test provider"

        async def token(self) -> str:
            return "tökén-0123456789"

        async def refreshed(self) -> None:
            return None

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"{}"))

    async def go():
        return [r async for r in fetch_records(ApiSettings(BASE), Odd(), [company_id(1)], transport=transport)]

    (result,) = asyncio.run(go())
    assert "a test provider holds a character that is not ASCII" in str(result.error)


@pytest.mark.skipif(importlib.util.find_spec("socksio") is not None, reason="socksio installed: SOCKS works")
@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy", "HTTPS_PROXY"])
def test_a_socks_proxy_without_socksio_is_a_clear_error(main, monkeypatch, tmp_path, capsys, variable):
    monkeypatch.setenv(variable, "socks5://user:secret@127.0.0.1:1080")
    rc = main(["fetch", "--company", company_id(1), "--base-url", BASE, "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "internal error" not in err
    assert f"{variable} names a socks5:// proxy" in err and "socksio" in err
    assert "secret" not in err


@pytest.mark.skipif(importlib.util.find_spec("socksio") is not None, reason="socksio installed: SOCKS works")
def test_a_socks_proxy_at_sign_in_is_a_clear_error(main, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("APS_CLIENT_ID", "cid")
    monkeypatch.delenv("APS_AUTH_BASE_URL", raising=False)
    monkeypatch.setenv("REPORTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("REPORTER_TOKEN_STORE", "file")
    rc = main(["login", "--no-browser", "--timeout", "1"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and "internal error" not in err
    assert "ALL_PROXY names a socks5:// proxy" in err


# -- item 1 (sync state): a tax id filter is never kept in clear ---------------------------------------


def test_the_sync_state_keeps_no_tax_id_in_clear_and_is_0600(main, tmp_path):
    out = tmp_path / "out"
    records = make_records(3)
    records[0]["federalTaxId"] = "123-45-6789"
    with FakeTradeTapp(records) as fake:
        argv = ["fetch", "--all", "--federal-tax-id", "123-45-6789", "--base-url", fake.base_url, "--out", str(out)]
        assert main(argv) == 0
        text = (out / STATE_FILE).read_text()
        assert "6789" not in text and "123456789" not in text.replace("-", "")
        assert stat.S_IMODE(os.stat(out / STATE_FILE).st_mode) == 0o600
        # the hashed scope still tells runs apart: the same id uses the clock, another does not
        assert main([*argv, "--updated-since", "last"]) == 0
        assert "filter[updatedAt]" in fake.requests[-1].query
        other = ["fetch", "--all", "--federal-tax-id", "98-7654321", "--updated-since", "last",
                 "--base-url", fake.base_url, "--out", str(out)]
        assert main(other) == 0
        assert "filter[updatedAt]" not in fake.requests[-1].query
        assert "7654321" not in (out / STATE_FILE).read_text()
