"""Fetch stage, tokens: where an API client gets its bearer token on every request.

Input: ``--token-file``, ``APS_ACCESS_TOKEN`` or the sign-in kept by ``reporter login`` (the token
store). Output: a ``TokenProvider`` -- ``StaticToken`` (a given token, never refreshed nor stored)
or ``SignedInTokens`` (the stored sign-in: refreshed ``REFRESH_LEEWAY`` seconds before it expires
and once after a 401, each rotation persisted before use). ``resolve_token_provider`` applies the
order ``--token-file`` > ``APS_ACCESS_TOKEN`` > stored sign-in > ``SignInError``.

No token value ever appears in a ``repr``, a log line or an error message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx

from reporter.api.auth import REFRESH_LEEWAY, refresh_tokens
from reporter.api.token_store import StoredTokens, TokenStore, choose_store
from reporter.errors import SignInError

log = logging.getLogger("reporter.auth")

TOKEN_ENV = "APS_ACCESS_TOKEN"
NOT_SIGNED_IN = "not signed in: run 'reporter login' (or set APS_ACCESS_TOKEN)"


class TokenProvider(Protocol):
    """Where a client gets its bearer token; implementations may carry a ``source`` text."""

    async def token(self) -> str:
        """A valid access token (a sign-in refreshes it before it expires)."""
        ...

    async def refreshed(self) -> str | None:
        """A new token after a 401, or None when the provider cannot refresh."""
        ...


class StaticToken:
    """A token given once (environment, token file); it cannot be refreshed."""

    def __init__(self, token: str, source: str = "a given token") -> None:
        token = token.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        self._token = token
        self.source = source

    async def token(self) -> str:
        return self._token

    async def refreshed(self) -> str | None:
        return None

    def __repr__(self) -> str:  # never show the token
        return "StaticToken(***)"


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot go in an ``Authorization`` header (None when it can)."""
    if not token.isascii():
        return "holds a character that is not ASCII"
    if any(c.isspace() or not c.isprintable() for c in token):
        return "holds a space or a control character"
    return None


def token_from_env() -> StaticToken | None:
    """A ``StaticToken`` from ``APS_ACCESS_TOKEN``, or None when it is unset or blank."""
    value = os.environ.get(TOKEN_ENV, "").strip()
    return StaticToken(value, TOKEN_ENV) if value else None


class SignedInTokens:
    """The stored sign-in: refreshes before expiry and once after a 401, persisting each rotation."""

    def __init__(
        self,
        store: TokenStore,
        tokens: StoredTokens,
        *,
        leeway: float = REFRESH_LEEWAY,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._store = store
        self._transport = transport
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
        new = await refresh_tokens(self._tokens, transport=self._transport)
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
        return _usable(StaticToken(read_token_file(Path(token_file)), f"the token file {token_file}"))
    env = token_from_env()
    if env is not None:
        return _usable(env)
    stored = stored_token_provider()
    if stored is None:
        raise SignInError(NOT_SIGNED_IN)
    return stored


def _usable(given: StaticToken) -> StaticToken:
    """``given``, or ``SignInError`` when its token cannot travel in an HTTP header."""
    problem = token_problem(given._token)
    if problem:
        raise SignInError(f"the access token from {given.source} {problem}: copy the whole token again")
    return given


def stored_token_provider() -> SignedInTokens | None:
    """The sign-in kept by ``reporter login``, or None when nobody is signed in."""
    store = choose_store()
    tokens = store.load()
    return SignedInTokens(store, tokens) if tokens is not None else None


def read_token_file(path: Path) -> str:
    """A bare access token, or a JSON object with an ``access_token`` field."""
    try:
        text = path.read_text(encoding="utf-8-sig").strip()
    except OSError as exc:
        raise SignInError(f"cannot read the token file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SignInError(f"the token file {path} is not UTF-8 text") from None
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("access_token") or "").strip()
        except (ValueError, AttributeError):
            raise SignInError(f"the token file {path} is not valid JSON") from None
    if not text or len(text.split()) > 2 or (len(text.split()) == 2 and text.split()[0].lower() != "bearer"):
        raise SignInError(f"the token file {path} does not hold one access token")
    return text
