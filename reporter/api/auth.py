"""Fetch stage (sign-in): APS three-legged OAuth for a command-line tool.

Input: the APS app settings (``APS_CLIENT_ID``, ``APS_CALLBACK_URL``, ``APS_AUTH_BASE_URL``), a
browser, and optionally an httpx transport (tests pass one, as for the API client). Output: tokens
in the token store (``reporter.api.token_store``): ``sign_in`` stores a new sign-in,
``refresh_tokens`` trades a refresh token for new tokens, ``revoke_tokens`` revokes both.
``reporter.api.tokens.SignedInTokens`` uses ``refresh_tokens`` to keep a run's token valid.

The app is a *public* client (APS "Desktop, Mobile, Single-Page App"): Authorization Code with
PKCE S256, no client secret. The OAuth protocol work (authorize URL, PKCE challenge, code exchange,
refresh, revocation) is Authlib's ``AsyncOAuth2Client``; the browser's redirect is received by
``reporter.api.loopback``; this module adds the messages a user needs and the refresh policy:

- the access token is refreshed ``REFRESH_LEEWAY`` seconds before it expires;
- APS rotates refresh tokens: the new one is stored before the new access token is handed out;
- ``--token-file`` and ``APS_ACCESS_TOKEN`` win over the stored sign-in and are never refreshed
  nor stored (``reporter.api.tokens``).

No token, authorization code or PKCE verifier is ever logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import warnings
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning  # noqa: E402 (installs Authlib's filter)

from reporter.api.connect import async_client
from reporter.api.loopback import DEFAULT_CALLBACK_URL, _CallbackListener, loopback_address
from reporter.api.settings import DEFAULT_LOGIN_TIMEOUT, DEFAULT_SCOPE, is_loopback
from reporter.api.token_store import StoredTokens, TokenStore
from reporter.errors import SignInError

with warnings.catch_warnings():
    # Authlib 1.9 warns on import that it prefers "httpx2"; the project is on httpx 0.28, which
    # Authlib still supports. The warning would otherwise reach every user on every run.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

log = logging.getLogger("reporter.auth")

DEFAULT_AUTH_BASE_URL = "https://developer.api.autodesk.com/authentication/v2"
REFRESH_LIFETIME = 15 * 24 * 3600  # APS refresh tokens last 15 days
REFRESH_LEEWAY = 300  # refresh this many seconds before the access token expires
_HTTP_TIMEOUT = httpx.Timeout(30.0)

SIGN_IN_EXPIRED = (
    "the stored sign-in has expired or was revoked (a sign-in lasts 15 days without use): "
    "run 'reporter login' again"
)


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
        loopback_address(settings.callback_url)  # fail early on a bad callback
        return settings


def require_secure_url(url: str, what: str) -> None:
    """Tokens travel only over HTTPS, or plain HTTP to this machine (test fakes)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return
    raise SignInError(f"{what} must be an https:// address (or http:// on this machine), not {url!r}")


def _oauth_client(
    client_id: str, address: str, *, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
) -> AsyncOAuth2Client:
    """Authlib's client for the sign-in server at ``address``; ``transport`` as for ``ApiClient``
    (a loopback server is never reached through a proxy, see ``reporter.api.connect``)."""
    client: AsyncOAuth2Client = async_client(
        address,
        transport=transport,
        error=SignInError,
        factory=AsyncOAuth2Client,
        client_id=client_id,
        token_endpoint_auth_method="none",  # public client: client_id in the body, no secret
        revocation_endpoint_auth_method="none",
        code_challenge_method="S256",
        timeout=_HTTP_TIMEOUT,
        **kwargs,
    )
    return client


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
    kept = previous.refresh_expires_at if previous is not None else now + REFRESH_LIFETIME
    return StoredTokens(
        access_token=access,
        refresh_token=refresh,
        expires_at=now + expires_in,
        refresh_expires_at=now + REFRESH_LIFETIME if rotated else kept,
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


async def sign_in(
    settings: AuthSettings,
    store: TokenStore,
    *,
    say: Callable[[str], None],
    open_browser: bool = True,
    timeout: float = DEFAULT_LOGIN_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> StoredTokens:
    """Run the whole browser sign-in and store the tokens; ``say`` shows lines to the user."""
    verifier = generate_token(48)
    async with _oauth_client(
        settings.client_id, settings.auth_base_url, transport=transport,
        redirect_uri=settings.callback_url, scope=settings.scope,
    ) as client:
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


async def refresh_tokens(
    tokens: StoredTokens, *, transport: httpx.AsyncBaseTransport | None = None
) -> StoredTokens:
    """Trade the refresh token for new tokens (APS rotates the refresh token)."""
    if time.time() >= tokens.refresh_expires_at:
        raise SignInError(SIGN_IN_EXPIRED)
    token_url = f"{tokens.auth_base_url}/token"
    require_secure_url(tokens.auth_base_url, "the stored sign-in's server address")
    async with _oauth_client(
        tokens.client_id, tokens.auth_base_url, transport=transport, scope=tokens.scope or None
    ) as client:
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


async def revoke_tokens(
    tokens: StoredTokens, *, transport: httpx.AsyncBaseTransport | None = None
) -> list[str]:
    """Revoke the refresh and the access token; returns what went wrong (empty when all went well)."""
    revoke_url = f"{tokens.auth_base_url}/revoke"
    problems: list[str] = []
    async with _oauth_client(tokens.client_id, tokens.auth_base_url, transport=transport) as client:
        for value, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
            try:
                response = await client.revoke_token(revoke_url, token=value, token_type_hint=hint)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                problems.append(f"{hint}: {type(exc).__name__}")
                continue
            if response.status_code != 200:
                problems.append(f"{hint}: HTTP {response.status_code}")
    return problems
