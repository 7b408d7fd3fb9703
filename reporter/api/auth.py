"""Fetch stage (sign-in): APS three-legged OAuth for a command-line tool, and the token providers.

Input: the APS app settings (``APS_CLIENT_ID``, ``APS_CALLBACK_URL``, ``APS_AUTH_BASE_URL``) and a
browser. Output: tokens in the token store (``reporter.api.token_store``) and, for every run, a
``TokenProvider`` that hands the API client a valid access token.

The app is a *public* client (APS "Desktop, Mobile, Single-Page App"): Authorization Code with
PKCE S256, no client secret. The OAuth protocol work (authorize URL, PKCE challenge, code exchange,
refresh, revocation) is Authlib's ``AsyncOAuth2Client``; this module adds the loopback listener that
receives the browser's redirect, the messages a user needs, and the refresh policy:

- the access token is refreshed ``REFRESH_LEEWAY`` seconds before it expires;
- APS rotates refresh tokens: the new one is stored before the new access token is handed out;
- a 401 in the middle of a run refreshes once (``refreshed()``), the API client then retries;
- ``--token-file`` and ``APS_ACCESS_TOKEN`` win over the stored sign-in and are never refreshed
  nor stored.

No token, authorization code or PKCE verifier is ever logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import errno
import html
import http.server
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
import warnings
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning  # noqa: E402 (installs Authlib's filter)

from reporter.api.client import StaticToken, token_from_env
from reporter.api.token_store import StoredTokens, TokenStore, choose_store
from reporter.errors import SignInError

with warnings.catch_warnings():
    # Authlib 1.9 warns on import that it prefers "httpx2"; the project is on httpx 0.28, which
    # Authlib still supports. The warning would otherwise reach every user on every run.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

log = logging.getLogger("reporter.auth")

DEFAULT_AUTH_BASE_URL = "https://developer.api.autodesk.com/authentication/v2"
DEFAULT_CALLBACK_URL = "http://localhost:8080/oauth/callback/"
DEFAULT_SCOPE = "data:read"
REFRESH_LIFETIME = 15 * 24 * 3600  # APS refresh tokens last 15 days
REFRESH_LEEWAY = 300  # refresh this many seconds before the access token expires
DEFAULT_LOGIN_TIMEOUT = 300.0
_HTTP_TIMEOUT = httpx.Timeout(30.0)

NOT_SIGNED_IN = "not signed in: run 'reporter login' (or set APS_ACCESS_TOKEN)"
SIGN_IN_EXPIRED = (
    "the stored sign-in has expired or was revoked (a sign-in lasts 15 days without use): "
    "run 'reporter login' again"
)


class TokenProvider(Protocol):
    async def token(self) -> str: ...  # a valid access token (refreshed before expiry)
    async def refreshed(self) -> str | None: ...  # after a 401: force a refresh; None if impossible


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class AuthSettings:
    client_id: str
    callback_url: str = DEFAULT_CALLBACK_URL
    auth_base_url: str = DEFAULT_AUTH_BASE_URL
    scope: str = DEFAULT_SCOPE

    @classmethod
    def from_env(cls, scope: str | None = None) -> AuthSettings:
        client_id = (os.environ.get("APS_CLIENT_ID") or "").strip()
        if not client_id:
            raise SignInError(
                "APS_CLIENT_ID is not set: set it to the client id of your APS app "
                "(type 'Desktop, Mobile, Single-Page App')"
            )
        settings = cls(
            client_id=client_id,
            callback_url=(os.environ.get("APS_CALLBACK_URL") or DEFAULT_CALLBACK_URL).strip(),
            auth_base_url=(os.environ.get("APS_AUTH_BASE_URL") or DEFAULT_AUTH_BASE_URL).strip().rstrip("/"),
            scope=" ".join((scope or DEFAULT_SCOPE).replace(",", " ").split()),
        )
        require_secure_url(settings.auth_base_url, "APS_AUTH_BASE_URL")
        _loopback_address(settings.callback_url)  # fail early on a bad callback
        return settings


def require_secure_url(url: str, what: str) -> None:
    """Tokens travel only over HTTPS, or plain HTTP to this machine (test fakes)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return
    raise SignInError(f"{what} must be an https:// address (or http:// on this machine), not {url!r}")


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _loopback_address(callback_url: str) -> tuple[str, int, str]:
    """(bind host, port, path) of the loopback callback."""
    parts = urlsplit(callback_url)
    if parts.scheme != "http" or not _is_loopback(parts.hostname):
        raise SignInError(
            f"APS_CALLBACK_URL must be a loopback address such as {DEFAULT_CALLBACK_URL}, not {callback_url!r}"
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise SignInError(f"APS_CALLBACK_URL has a bad port: {callback_url!r}") from None
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    return host, port, parts.path or "/"


def _oauth_client(client_id: str, **kwargs) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client_id,
        token_endpoint_auth_method="none",  # public client: client_id in the body, no secret
        revocation_endpoint_auth_method="none",
        code_challenge_method="S256",
        timeout=_HTTP_TIMEOUT,
        **kwargs,
    )


def _stored(response: dict, *, client_id: str, auth_base_url: str, scope: str, previous: StoredTokens | None = None) -> StoredTokens:
    now = time.time()
    access = response.get("access_token")
    refresh = response.get("refresh_token") or (previous.refresh_token if previous else None)
    if not access or not refresh:
        raise SignInError("the sign-in server's answer has no access or refresh token")
    try:
        expires_in = float(response.get("expires_in") or 3600)
    except (TypeError, ValueError):
        expires_in = 3600.0
    rotated = bool(response.get("refresh_token")) or previous is None
    return StoredTokens(
        access_token=access,
        refresh_token=refresh,
        expires_at=now + expires_in,
        refresh_expires_at=now + REFRESH_LIFETIME if rotated else previous.refresh_expires_at,
        client_id=client_id,
        auth_base_url=auth_base_url,
        scope=response.get("scope") or scope,
    )


def _server_error(exc: Exception, url: str, doing: str) -> SignInError:
    if isinstance(exc, OAuthError):  # the error code only: a description could echo a value
        hint = " - check APS_CLIENT_ID and that the app is a public (desktop) one" if exc.error == "invalid_client" else ""
        return SignInError(f"the sign-in server refused to {doing} ({exc.error}){hint}")
    if isinstance(exc, httpx.HTTPStatusError):
        return SignInError(f"the sign-in server failed to {doing} (HTTP {exc.response.status_code} from {url})")
    return SignInError(f"cannot reach the sign-in server at {url} to {doing} ({type(exc).__name__})")


_TOKEN_CALL_ERRORS = (OAuthError, httpx.HTTPError, httpx.InvalidURL, ValueError)


# --------------------------------------------------------------------------- login


class _LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _LoopbackServer6(_LoopbackServer):
    address_family = socket.AF_INET6


class _CallbackListener:
    """A one-shot HTTP server on the loopback callback that waits for the browser's redirect."""

    def __init__(self, callback_url: str, expected_state: str) -> None:
        host, port, self.path = _loopback_address(callback_url)
        self.expected_state = expected_state
        self.result: dict[str, str] | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10  # a browser's idle pre-connection must not hold a thread forever

            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                listener._handle(self)

            def log_message(self, format: str, *args) -> None:  # the query holds the code
                pass

        server_cls = _LoopbackServer6 if ":" in host else _LoopbackServer
        try:
            self._server = server_cls((host, port), Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", None) in (10048, 10013):
                raise SignInError(
                    f"port {port} is in use: free it or set APS_CALLBACK_URL to another registered callback"
                ) from None
            raise SignInError(f"cannot listen on {host}:{port} for the sign-in callback: {exc.strerror}") from None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def _handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:  # the first complete answer wins; the browser may send more requests
            if parts.path.rstrip("/") != self.path.rstrip("/") or self._done.is_set():
                _answer(request, 404, "Not the sign-in callback", "This address only receives the reporter sign-in.")
                return
            if not secrets.compare_digest(query.get("state", "").encode(), self.expected_state.encode()):
                outcome = {"error": "state_mismatch"}
                _answer(request, 400, "Sign-in refused", "This answer does not belong to the sign-in that reporter "
                        "started. Nothing was stored. Close this window and run 'reporter login' again.")
            elif "error" in query:
                outcome = {"error": query["error"]}
                _answer(request, 200, "Sign-in not completed", "Sign-in was not completed. You can close this window.")
            elif not query.get("code"):
                _answer(request, 400, "Sign-in incomplete", "The answer carries no authorization code. Still waiting.")
                return
            else:
                outcome = {"code": query["code"]}
                _answer(request, 200, "Signed in",
                        "reporter is signed in. You can close this window and return to the terminal.")
            self.result = outcome
            self._done.set()

    def wait(self, timeout: float) -> dict[str, str] | None:
        self._done.wait(timeout)
        return self.result

    def close(self) -> None:
        self._done.set()
        self._server.shutdown()
        self._server.server_close()


def _answer(request: http.server.BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>reporter: {html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;margin:3em'><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></body></html>"
    ).encode()
    request.send_response(status)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.send_header("Content-Length", str(len(body)))
    request.send_header("Cache-Control", "no-store")
    request.end_headers()
    request.wfile.write(body)
    request.wfile.flush()


async def sign_in(
    settings: AuthSettings,
    store: TokenStore,
    *,
    say: Callable[[str], None],
    open_browser: bool = True,
    timeout: float = DEFAULT_LOGIN_TIMEOUT,
) -> StoredTokens:
    """Run the whole browser sign-in and store the tokens; ``say`` shows lines to the user."""
    verifier = generate_token(48)
    async with _oauth_client(settings.client_id, redirect_uri=settings.callback_url, scope=settings.scope) as client:
        url, state = client.create_authorization_url(
            f"{settings.auth_base_url}/authorize", code_verifier=verifier, state=generate_token(32)
        )
        listener = _CallbackListener(settings.callback_url, state)  # bind before the browser goes there
        try:
            if open_browser and _open(url):
                say("Opened the browser to sign in to Autodesk. If nothing opened, visit this address:")
            else:
                say("Open this address in a browser to sign in to Autodesk:")
            say(f"  {url}")
            say(f"Waiting for the browser (up to {timeout:g} s)...")
            outcome = await asyncio.to_thread(listener.wait, timeout)
        finally:
            listener.close()
        code = _code_from(outcome, timeout)
        token_url = f"{settings.auth_base_url}/token"
        try:
            response = await client.fetch_token(
                token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
                redirect_uri=settings.callback_url,
            )
        except _TOKEN_CALL_ERRORS as exc:
            raise _server_error(exc, token_url, "complete the sign-in") from None
    tokens = _stored(dict(response), client_id=settings.client_id, auth_base_url=settings.auth_base_url, scope=settings.scope)
    store.save(tokens)
    log.debug("signed in; access token valid for %.0f s", tokens.expires_at - time.time())
    return tokens


def _open(url: str) -> bool:
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False


def _code_from(outcome: dict[str, str] | None, timeout: float) -> str:
    if outcome is None:
        raise SignInError(f"no answer from the browser within {timeout:g} s (was the window closed?)")
    error = outcome.get("error")
    if error == "access_denied":
        raise SignInError("sign-in was cancelled in the browser")
    if error == "state_mismatch":
        raise SignInError(
            "the browser's answer does not match this sign-in (state mismatch): nothing was stored; "
            "run 'reporter login' again"
        )
    if error:
        raise SignInError(f"the sign-in failed in the browser ({error})")
    return outcome["code"]


# --------------------------------------------------------------------------- refresh and revoke


async def refresh_tokens(tokens: StoredTokens) -> StoredTokens:
    """Trade the refresh token for new tokens (APS rotates the refresh token)."""
    if time.time() >= tokens.refresh_expires_at:
        raise SignInError(SIGN_IN_EXPIRED)
    token_url = f"{tokens.auth_base_url}/token"
    require_secure_url(tokens.auth_base_url, "the stored sign-in's server address")
    async with _oauth_client(tokens.client_id, scope=tokens.scope or None) as client:
        try:
            response = await client.refresh_token(token_url, refresh_token=tokens.refresh_token)
        except OAuthError as exc:
            if exc.error in ("invalid_grant", "invalid_token"):
                raise SignInError(SIGN_IN_EXPIRED) from None
            raise _server_error(exc, token_url, "refresh the sign-in") from None
        except _TOKEN_CALL_ERRORS as exc:
            raise _server_error(exc, token_url, "refresh the sign-in") from None
    return _stored(
        dict(response), client_id=tokens.client_id, auth_base_url=tokens.auth_base_url, scope=tokens.scope, previous=tokens
    )


async def revoke_tokens(tokens: StoredTokens) -> list[str]:
    """Revoke the refresh and the access token; returns what went wrong (empty when all went well)."""
    revoke_url = f"{tokens.auth_base_url}/revoke"
    problems: list[str] = []
    async with _oauth_client(tokens.client_id) as client:
        for value, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
            try:
                response = await client.revoke_token(revoke_url, token=value, token_type_hint=hint)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                problems.append(f"{hint}: {type(exc).__name__}")
                continue
            if response.status_code != 200:
                problems.append(f"{hint}: HTTP {response.status_code}")
    return problems


# --------------------------------------------------------------------------- token providers


class SignedInTokens:
    """The stored sign-in: refreshes before expiry and once after a 401, persisting each rotation."""

    def __init__(self, store: TokenStore, tokens: StoredTokens, *, leeway: float = REFRESH_LEEWAY) -> None:
        self._store = store
        self._tokens = tokens
        self._leeway = leeway
        self._lock = asyncio.Lock()
        self._generation = 0
        self._refreshed_at = float("-inf")
        self.source = f"the stored sign-in ({store.location})"

    def __repr__(self) -> str:
        return f"<SignedInTokens from {self._store.location}>"

    async def token(self) -> str:
        async with self._lock:
            if self._tokens.expires_at - self._leeway <= time.time():
                log.debug("the access token expires in %.0f s: refreshing", self._tokens.expires_at - time.time())
                await self._refresh_locked(force=False)
            return self._tokens.access_token

    async def refreshed(self) -> str | None:
        """After a 401: refresh now (unless another coroutine just did) and return the new token.
        Raises ``SignInError`` (telling to run 'reporter login') when the sign-in cannot be renewed."""
        seen = self._generation
        async with self._lock:
            if self._generation != seen or time.monotonic() - self._refreshed_at < 5.0:
                return self._tokens.access_token  # another coroutine just refreshed
            log.debug("the API refused the access token: refreshing once")
            await self._refresh_locked(force=True)
            return self._tokens.access_token

    async def _refresh_locked(self, *, force: bool) -> None:
        latest = self._store.load()
        if latest is not None and latest.refresh_token != self._tokens.refresh_token:
            # Another reporter process refreshed meanwhile: its refresh token replaced ours.
            fresh = latest.expires_at - self._leeway > time.time()
            new_access = latest.access_token != self._tokens.access_token
            self._tokens = latest
            if fresh and (new_access or not force):
                self._bump()
                return
        new = await refresh_tokens(self._tokens)
        try:
            self._store.save(new)  # the old refresh token is dead now: persist before use
        except SignInError as exc:
            log.warning("%s; this run goes on, the next one will need 'reporter login'", exc)
        self._tokens = new
        self._bump()
        log.debug("refreshed the sign-in; access token valid until %s", _when(new.expires_at))

    def _bump(self) -> None:
        self._generation += 1
        self._refreshed_at = time.monotonic()


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def resolve_token_provider(token_file: str | None) -> TokenProvider:
    """``--token-file`` > ``APS_ACCESS_TOKEN`` > the stored sign-in > ``SignInError``."""
    if token_file:
        return StaticToken(_read_token_file(Path(token_file)), f"the token file {token_file}")
    env = token_from_env()
    if env is not None:
        return env
    stored = stored_token_provider()
    if stored is None:
        raise SignInError(NOT_SIGNED_IN)
    return stored


def stored_token_provider() -> SignedInTokens | None:
    """The sign-in kept by ``reporter login``, or None when nobody is signed in."""
    store = choose_store()
    tokens = store.load()
    return SignedInTokens(store, tokens) if tokens is not None else None


def _read_token_file(path: Path) -> str:
    """A bare access token, or a JSON object with an ``access_token`` field."""
    try:
        text = path.read_text(encoding="utf-8-sig").strip()
    except OSError as exc:
        raise SignInError(f"cannot read the token file {path}: {exc.strerror}") from None
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("access_token") or "").strip()
        except (ValueError, AttributeError):
            raise SignInError(f"the token file {path} is not valid JSON") from None
    if not text or len(text.split()) > 2 or (len(text.split()) == 2 and text.split()[0].lower() != "bearer"):
        raise SignInError(f"the token file {path} does not hold one access token")
    return text
