"""Fetch stage, online: the async client of the TradeTapp API v2 (``/qualifications``).

Input: ``ApiSettings``, a ``TokenProvider`` and company ids or list filters (``QueryFilters``).
Output: complete raw qualification records -- dicts decoded with ``loads_exact`` (every non-integer
number a ``Decimal``), their ``companyOfficeAddresses``/``customQuestions`` pages all fetched and
merged, one per company -- or, through ``fetch_records``, one ``FetchResult`` per company with the
error of a company that failed (the others go on).

Safety: every request goes through ``TradeTappClient._send``, which refuses any URL that is not
under the base URL (same scheme, host, port, path prefix) *before* the token is attached. A paging
``nextUrl`` pointing elsewhere is never requested: the next page is asked for under the base URL
with the page's ``cursorState`` instead (any other URL fails with ``UnsafeUrl``). Tokens never
appear in logs or error messages; redirects are not followed.

Resilience: 429 waits for ``Retry-After`` (seconds or an HTTP date, capped) and pauses every request
of the client, since the limit is per user; 5xx, timeouts and dropped connections are retried with
capped exponential backoff and jitter; other 4xx are never retried. At most ``max_in_flight``
requests are open at once and a token bucket keeps under ``requests_per_minute`` (the API allows
1000 a minute; the default 900 with a burst of 30 keeps any 60 s window under 1000). The token
provider is asked for the token on every request (so a sign-in refreshes before it expires); after a
401 it is asked for a refreshed one -- once for all requests that saw the same token refused, and
once per request (a refreshed token refused again ends the run), so a run outlives many expiries.
"""

from __future__ import annotations

import asyncio
import collections
import email.utils
import json
import logging
import os
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote, unquote

import httpx

from reporter.errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReporterError,
    ServerError,
    UnsafeUrl,
    UsageError,
)
from reporter.jsonio import loads_exact

log = logging.getLogger("reporter.api")

DEFAULT_BASE_URL = "https://developer.api.autodesk.com/construction/tradetapp/v2"
BASE_URL_ENV = "TRADETAPP_BASE_URL"
TOKEN_ENV = "APS_ACCESS_TOKEN"
GC_HEADER = "general-contractor-company-id"
MAX_LIST_LIMIT = 40
NESTED = (("companyOfficeAddresses", "company-office-addresses"), ("customQuestions", "custom-questions"))
_MAX_PAGES = 100_000
_MAX_AUTH_RETRIES = 4  # per request: 401s answered with a refreshed token
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_GC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")

Sleep = Callable[[float], Awaitable[None]]


# --------------------------------------------------------------------------------------------
# Settings, tokens, filters


@dataclass
class ApiSettings:
    """How to reach the API and how hard to push it."""

    base_url: str = DEFAULT_BASE_URL
    gc_company_id: str | None = None
    max_in_flight: int = 4
    requests_per_minute: int = 900
    max_retries: int = 6
    retry_cap_seconds: float = 60
    timeout: float = 30
    backoff_base: float = 0.5  # first 5xx/network retry waits 0.25-0.5 s, then doubles (capped)
    burst: int | None = None  # token-bucket size; None: requests_per_minute / 30, at most 60

    def __post_init__(self) -> None:
        base = (self.base_url or "").strip().rstrip("/")
        url = httpx.URL(base) if base else None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise UsageError(f"--base-url must be an http(s) URL, got {self.base_url!r}")
        if url.userinfo or url.query or url.fragment:
            raise UsageError("--base-url must not hold a user name, password, query or fragment")
        if url.scheme == "http" and url.host not in _LOOPBACK:
            raise UsageError(
                f"refusing to send a token over plain http to {url.host}: use https"
            )
        self.base_url = base
        gc = (self.gc_company_id or "").strip()
        if gc and not _GC_ID.match(gc):  # a header value: no spaces, line breaks or other text
            raise UsageError(
                f"--gc-company-id must be a company id such as 5d1a9c0e8f4a2b0012345678"
                f" ('reporter whoami' lists them), got {self.gc_company_id!r}"
            )
        self.gc_company_id = gc or None
        if self.max_in_flight < 1 or self.requests_per_minute < 1 or self.max_retries < 0:
            raise UsageError("max_in_flight and requests_per_minute must be >= 1, max_retries >= 0")

    @classmethod
    def from_env(cls, base_url: str | None = None, **kwargs: Any) -> ApiSettings:
        """Settings with ``base_url`` from the argument, else ``TRADETAPP_BASE_URL``, else the default."""
        base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        return cls(base_url=base, **kwargs)


class TokenProvider(Protocol):
    """Where the client gets its bearer token (``reporter.api.auth`` implements it for sign-in)."""

    async def token(self) -> str: ...

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


def token_from_env() -> StaticToken | None:
    """A ``StaticToken`` from ``APS_ACCESS_TOKEN``, or None when it is unset or blank."""
    value = os.environ.get(TOKEN_ENV, "").strip()
    return StaticToken(value, TOKEN_ENV) if value else None


def format_instant(moment: datetime, *, round_up: bool = False) -> str:
    """``YYYY-MM-DDThh:mm:ss.SSSZ`` in UTC; ``round_up`` for an exclusive upper bound."""
    if moment.tzinfo is None:
        raise UsageError(f"timestamp {moment.isoformat()} has no time zone")
    moment = moment.astimezone(UTC)
    if round_up and moment.microsecond % 1000:
        moment += timedelta(microseconds=1000 - moment.microsecond % 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class QueryFilters:
    """Filters of ``GET /qualifications``; ``updated_since`` inclusive, ``updated_before`` exclusive."""

    updated_since: datetime | None = None
    updated_before: datetime | None = None
    unique_id: str | None = None
    federal_tax_ids: tuple[str, ...] = ()
    search_text: str | None = None
    limit: int = MAX_LIST_LIMIT

    def __post_init__(self) -> None:
        if not 1 <= int(self.limit) <= MAX_LIST_LIMIT:
            raise UsageError(f"--limit must be between 1 and {MAX_LIST_LIMIT}, got {self.limit}")
        for moment in (self.updated_since, self.updated_before):
            if moment is not None and moment.tzinfo is None:
                raise UsageError(f"timestamp {moment.isoformat()} has no time zone")
        if self.updated_since and self.updated_before and self.updated_since >= self.updated_before:
            raise UsageError("--updated-since must be earlier than --updated-before")
        self.federal_tax_ids = tuple(t.strip() for t in self.federal_tax_ids if t and t.strip())

    def updated_at_param(self) -> str | None:
        """``A..``, ``..B`` or ``A..B`` (None without bounds)."""
        if self.updated_since is None and self.updated_before is None:
            return None
        low = format_instant(self.updated_since) if self.updated_since else ""
        high = format_instant(self.updated_before, round_up=True) if self.updated_before else ""
        return f"{low}..{high}"

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {"limit": str(int(self.limit))}
        updated = self.updated_at_param()
        if updated:
            params["filter[updatedAt]"] = updated
        if self.unique_id:
            params["filter[uniqueId]"] = self.unique_id
        if self.federal_tax_ids:
            params["filter[federalTaxId]"] = ",".join(self.federal_tax_ids)
        if self.search_text:
            params["searchText"] = self.search_text
        return params


# --------------------------------------------------------------------------------------------
# Retry policy and rate limit


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Capped exponential backoff with equal jitter: attempt 1 waits base/2..base, then doubles."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class RateLimiter:
    """A token bucket (``per_minute`` refill, ``burst`` size) that a 429 can pause for everyone."""

    def __init__(
        self,
        per_minute: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst else max(1, min(int(per_minute // 30), 60)))
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (a 429), and restart without a burst."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 1.0  # the first request when the pause ends; then the rate, not a burst
        self._updated = max(self._updated, self._paused_until)  # no refill during the pause

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1 - 1e-9:  # float rounding must not leave a sleep too short to count
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._sleep((1 - self._tokens) / self.rate)


# --------------------------------------------------------------------------------------------
# Errors


def _body_fields(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    title = body.get("title") or body.get("error") or None
    detail = body.get("detail") or body.get("developerMessage") or body.get("message") or None
    return _one_line(title), _one_line(detail)


def _one_line(value: Any, limit: int = 300) -> str | None:
    """An API-given text for a one-line message: whitespace runs (newlines too) made one space."""
    if not value:
        return None
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _api_says(title: str | None, detail: str | None) -> str:
    parts = [p for p in (title, detail) if p]
    if title and detail and detail.startswith(title):
        parts = [detail]
    return ": ".join(parts)


def error_for_status(
    status: int, body: Any, *, what: str, company_id: str | None = None, url: str | None = None
) -> ApiError:
    """The one ``ApiError`` (with its one-line message) for an error answer."""
    title, detail = _body_fields(body)
    says = _api_says(title, detail)
    extra = f" (the API says: {says})" if says else ""
    kwargs = dict(status=status, title=title, detail=detail, url=url)
    if status == 401:
        return AuthError(
            "TradeTapp sign-in expired or invalid (401): run 'reporter login' again"
            " or set a fresh APS_ACCESS_TOKEN",
            **kwargs,
        )
    if status == 403:
        return PermissionDenied(
            f"no permission to read {what} (403): the signed-in user needs TradeTapp access"
            f" and the data:read scope{extra}",
            **kwargs,
        )
    if status == 404:
        if company_id is not None:
            return NotFound(f"no such company in TradeTapp: {company_id} (404)", **kwargs)
        return NotFound(f"{what} not found (404){extra}", **kwargs)
    if status == 409:
        target = f"company id {company_id}" if company_id else what
        return Conflict(f"several records match {target} (409){extra}", **kwargs)
    if status == 400:
        return ApiError(
            f"TradeTapp rejected the request for {what} (400): {says or 'invalid parameters'}",
            **kwargs,
        )
    if status == 429:
        return RateLimited(f"TradeTapp rate limit still exceeded for {what} (429){extra}", **kwargs)
    if status >= 500:
        return ServerError(f"TradeTapp server error {status} for {what}{extra}", **kwargs)
    return ApiError(f"unexpected answer {status} for {what}{extra}", **kwargs)


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and secret in text else text


def _redact_all(value: Any, secret: str) -> Any:
    """``value`` with ``secret`` replaced in every string, however deeply nested."""
    if isinstance(value, str):
        return _redact(value, secret)
    if isinstance(value, dict):
        return {_redact_all(k, secret): _redact_all(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_all(v, secret) for v in value]
    return value


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return url.scheme, url.host, port


def _show(url: httpx.URL) -> str:
    """A URL for messages: no user info, no query."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def has_next(pagination: Any) -> bool:
    """Missing, null or empty ``cursorState`` or ``nextUrl`` all mean: this is the last page."""
    return isinstance(pagination, dict) and bool(pagination.get("cursorState")) and bool(
        pagination.get("nextUrl")
    )


# --------------------------------------------------------------------------------------------
# The client


@dataclass(frozen=True)
class FetchResult:
    """One company's outcome: its complete raw record, or the error that stopped it.

    ``company_id`` is None only when the list itself failed (no more companies can be known).
    """

    company_id: str | None
    raw: dict[str, Any] | None
    error: ReporterError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Listed:
    company_id: str | None
    raw: dict[str, Any] | None = None
    error: ReporterError | None = None


class TradeTappClient:
    """Async TradeTapp API client; use as ``async with TradeTappClient(settings, tokens) as c``."""

    def __init__(
        self,
        settings: ApiSettings,
        token_provider: TokenProvider,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._tokens = token_provider
        self._base = httpx.URL(settings.base_url)
        self._base_path = self._base.path.rstrip("/")
        self._base_raw_path = self._base.raw_path.split(b"?", 1)[0].decode("ascii").rstrip("/")
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._limiter = RateLimiter(
            settings.requests_per_minute, settings.burst, clock=clock, sleep=sleep
        )
        self._in_flight = asyncio.Semaphore(settings.max_in_flight)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.max_in_flight * 2),
            headers={"Accept": "application/json", "User-Agent": "reporter (TradeTapp packets)"},
        )
        self._token_lock = asyncio.Lock()
        self._replaced: dict[str, str] = {}  # token the API refused -> the refreshed one
        self._fatal: ReporterError | None = None  # a sign-in failure ends every later request
        self.requests_sent = 0
        self._warned_foreign = False

    async def __aenter__(self) -> TradeTappClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- URLs ----------------------------------------------------------------------------------

    def url(self, path: str) -> httpx.URL:
        """An absolute URL under the base URL for an API path like ``/qualifications``."""
        return self._base.copy_with(path=self._base_path + "/" + path.lstrip("/"))

    def is_safe(self, url: httpx.URL) -> bool:
        """Same scheme, host and port as the base URL, no user info, path under the base path."""
        raw_path = url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        return (
            _origin(url) == _origin(self._base)
            and not url.userinfo
            and (raw_path + "/").startswith(self._base_raw_path + "/")
            and not any(unquote(part) in (".", "..") for part in raw_path.split("/"))
        )

    def _company_url(self, company_id: str, sub: str = "") -> httpx.URL:
        if not isinstance(company_id, str) or company_id.strip() in ("", ".", ".."):
            raise UsageError(f"not a company id: {company_id!r}")
        tail = f"/{sub}" if sub else ""
        return self.url(f"/qualifications/{quote(company_id.strip(), safe='')}{tail}")

    # -- tokens ----------------------------------------------------------------------------------

    async def _current_token(self) -> str:
        """The provider's token, asked on every request (it refreshes before expiry by itself)."""
        token = (await self._tokens.token() or "").strip()
        if not token:
            raise AuthError("no TradeTapp access token: run 'reporter login' or set APS_ACCESS_TOKEN")
        for _ in range(len(self._replaced)):  # a provider still handing out a token the API refused
            if token not in self._replaced:
                break
            token = self._replaced[token]
        return token

    async def _refreshed_token(self, used: str) -> tuple[str | None, bool]:
        """After a 401 for ``used``: a refreshed token (one refresh however many requests saw it
        refused) and whether this call refreshed it; None when the provider cannot refresh."""
        async with self._token_lock:
            if used in self._replaced:
                return self._replaced[used], False  # another request refreshed it meanwhile
            if self._fatal is not None:  # another request's refresh failed: do not ask again
                raise self._fatal
            log.debug("TradeTapp said the token is no longer valid; asking for a refreshed one")
            new = (await self._tokens.refreshed() or "").strip()
            if not new or new == used:
                return None, True
            self._replaced[used] = new
            return new, True

    def _headers(self, token: str, gc_header: bool = True) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"}
        if gc_header and self.settings.gc_company_id:
            headers[GC_HEADER] = self.settings.gc_company_id
        return headers

    # -- one request, with retries -------------------------------------------------------------

    async def get_json(
        self,
        path: str | httpx.URL,
        params: dict[str, str] | None = None,
        *,
        what: str | None = None,
        company_id: str | None = None,
        gc_header: bool = True,
    ) -> Any:
        """GET an API path (or an absolute URL under the base URL) and decode it exactly.
        ``gc_header=False`` leaves out ``general-contractor-company-id`` (``users/me`` takes none)."""
        try:
            url = path if isinstance(path, httpx.URL) else (
                httpx.URL(path) if "://" in str(path) else self.url(str(path))
            )
        except httpx.InvalidURL:
            raise UsageError(f"not a usable API address: {str(path)[:200]!r}") from None
        return await self._send(url, params, what=what or url.path, company_id=company_id, gc_header=gc_header)

    async def _send(
        self,
        url: httpx.URL,
        params: dict[str, str] | None,
        *,
        what: str,
        company_id: str | None,
        gc_header: bool = True,
    ) -> Any:
        if not self.is_safe(url):
            raise UnsafeUrl(
                f"refusing to send the TradeTapp token to {_show(url)}: it is not under {_show(self._base)}",
                url=_show(url),
            )
        if self._fatal is not None:
            raise self._fatal
        attempt = 0
        token = ""
        refreshed: str | None = None  # this request's token after a 401
        own_refresh = False  # ``refreshed`` came from a refresh this request asked for
        auth_retries = 0
        while True:
            try:
                token = refreshed or await self._current_token()
            except ReporterError as exc:
                self._fatal = exc
                raise
            await self._limiter.acquire()
            try:
                async with self._in_flight:
                    self.requests_sent += 1
                    response = await self._http.get(url, params=params, headers=self._headers(token, gc_header))
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                attempt += 1
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection dropped"
                if attempt > self.settings.max_retries:
                    raise ServerError(
                        f"TradeTapp could not be reached for {what}: {kind}"
                        f" ({type(exc).__name__}), {attempt} tries",
                        url=_show(url),
                    ) from None
                delay = self._backoff(attempt)
                log.debug("%s: %s; retry %d in %.2f s", what, kind, attempt, delay)
                await self._sleep(delay)
                continue
            except httpx.HTTPError as exc:
                raise ServerError(
                    f"request for {what} failed: {type(exc).__name__}", url=_show(url)
                ) from None

            status = response.status_code
            if 200 <= status < 300:
                try:
                    return loads_exact(response.content)
                except (ValueError, UnicodeDecodeError):
                    raise ServerError(
                        f"TradeTapp sent an answer for {what} that is not JSON (status {status})",
                        status=status,
                        url=_show(url),
                    ) from None
            body = self._error_body(response, token)
            if status == 401:
                new = None
                # A token refused right after this request refreshed it is final (no loop); one
                # another request refreshed may have expired since, and is refreshed again.
                if not own_refresh and auth_retries < _MAX_AUTH_RETRIES:
                    try:
                        new, own_refresh = await self._refreshed_token(token)
                    except ReporterError as exc:  # e.g. SignInError: the refresh token is dead too
                        self._fatal = exc
                        raise
                if new:
                    refreshed = new
                    auth_retries += 1
                    continue
                if self._fatal is None:  # concurrent 401s share one error: said once
                    self._fatal = error_for_status(401, body, what=what, url=_show(url))
                raise self._fatal
            if status == 429 or status >= 500:
                attempt += 1
                if attempt > self.settings.max_retries:
                    error = error_for_status(status, body, what=what, company_id=company_id, url=_show(url))
                    raise _with_tries(error, attempt)
                if status == 429:
                    wait = parse_retry_after(response.headers.get("Retry-After"))
                    delay = min(wait, self.settings.retry_cap_seconds) if wait is not None else self._backoff(attempt)
                    log.debug("%s: rate limited (429); every request waits %.2f s", what, delay)
                    self._limiter.pause(delay)
                else:
                    delay = self._backoff(attempt)
                    log.debug("%s: server error %d; retry %d in %.2f s", what, status, attempt, delay)
                    await self._sleep(delay)
                continue
            if 300 <= status < 400:
                raise ApiError(
                    f"TradeTapp answered {what} with a redirect ({status}); not followed",
                    status=status,
                    url=_show(url),
                )
            raise error_for_status(status, body, what=what, company_id=company_id, url=_show(url))

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.settings.backoff_base, self.settings.retry_cap_seconds, self._rng)

    @staticmethod
    def _error_body(response: httpx.Response, token: str) -> Any:
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            return None
        return _redact_all(body, token)  # an API echoing the token must not put it in our messages

    # -- paging ---------------------------------------------------------------------------------

    def _next_page(
        self, pagination: Any, endpoint: httpx.URL, params: dict[str, str]
    ) -> tuple[httpx.URL, dict[str, str] | None] | None:
        """Where the next page is: ``nextUrl`` if it is under the base URL, else rebuilt from the cursor."""
        if not has_next(pagination):
            return None
        raw_next = str(pagination["nextUrl"])
        try:
            next_url = self._base.join(raw_next)
        except httpx.InvalidURL:
            next_url = None
        if next_url is not None and self.is_safe(next_url):
            return next_url, None
        cursor = pagination["cursorState"]  # has_next: never empty here
        shown = _show(next_url) if next_url is not None else "an invalid URL"
        log.log(
            logging.DEBUG if self._warned_foreign else logging.WARNING,
            "paging link points to %s, away from the API; asking %s for the next page instead",
            shown,
            _show(self._base),
        )
        self._warned_foreign = True
        return endpoint, {**params, "cursorState": str(cursor)}

    async def _pages(
        self, endpoint: httpx.URL, params: dict[str, str], *, what: str, company_id: str | None = None,
        first: dict[str, Any] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every page of a list endpoint, starting from ``first`` (already fetched) if given."""
        page = first
        seen: set[tuple[str, str]] = set()
        step: tuple[httpx.URL, dict[str, str] | None] | None = (endpoint, params)
        for _ in range(_MAX_PAGES):
            if page is None:
                assert step is not None
                page = await self._send(step[0], step[1], what=what, company_id=company_id)
                if not isinstance(page, dict) or not isinstance(page.get("results", []), list):
                    raise ServerError(f"TradeTapp sent a page of {what} without a results list")
            yield page
            step = self._next_page(page.get("pagination"), endpoint, params)
            if step is None:
                return
            key = (str(step[0]), json.dumps(step[1], sort_keys=True))
            if key in seen:
                raise ServerError(f"TradeTapp paging of {what} repeated a page; stopped")
            seen.add(key)
            page = None
        raise ServerError(f"TradeTapp paging of {what} did not end after {_MAX_PAGES} pages")

    async def _complete(self, record: dict[str, Any]) -> dict[str, Any]:
        """Fetch the rest of each nested list and merge it, so the record is complete."""
        company_id = record.get("id")
        await asyncio.gather(*(self._complete_nested(record, key, sub, company_id) for key, sub in NESTED))
        return record

    async def _complete_nested(self, record: dict[str, Any], key: str, sub: str, company_id: Any) -> None:
        nested = record.get(key)
        if not isinstance(nested, dict) or not isinstance(nested.get("results", []), list):
            return
        pagination = nested.get("pagination") if isinstance(nested.get("pagination"), dict) else {}
        items = list(nested.get("results") or [])
        if has_next(pagination):
            if not isinstance(company_id, str) or not company_id:
                raise ServerError(f"a record without an id has more {key} to fetch")
            what = f"{key} of company {company_id}"
            endpoint = self._company_url(company_id, sub)
            pages = self._pages(endpoint, {}, what=what, company_id=company_id, first=nested)
            first = True
            async for page in pages:
                if first:
                    first = False
                    continue
                items.extend(page.get("results") or [])
        expected = pagination.get("totalResults")
        if isinstance(expected, int) and expected != len(items) and has_next(pagination):
            log.warning("%s of company %s: the API announced %d, got %d", key, company_id, expected, len(items))
        record[key] = {
            "pagination": {
                "limit": pagination.get("limit"),
                "cursorState": None,
                "totalResults": len(items),
                "nextUrl": None,
                "previousUrl": None,
            },
            "results": items,
        }

    # -- public calls -----------------------------------------------------------------------------

    async def get_qualification(self, company_id: str) -> dict[str, Any]:
        """One company's complete record (``GET /qualifications/{companyId}`` plus nested pages)."""
        what = f"company {company_id}"
        raw = await self._send(self._company_url(company_id), None, what=what, company_id=company_id)
        if not isinstance(raw, dict):
            raise ServerError(f"TradeTapp sent something other than a record for {what}")
        got = raw.get("id")
        if not isinstance(got, str) or got.strip().lower() != company_id.strip().lower():
            # never save (and build a packet from) another company's record under this id
            raise ServerError(f"TradeTapp answered the request for {what} with the record of company {got!r}; not used")
        return await self._complete(raw)

    async def iter_qualifications(self, filters: QueryFilters | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every matching record, complete, each company once; raises on the first failure."""
        async for item in self._iter_listed(filters or QueryFilters()):
            if item.error is not None:
                raise item.error
            assert item.raw is not None
            yield item.raw

    async def _iter_listed(
        self, filters: QueryFilters, skip: Iterable[str] = ()
    ) -> AsyncIterator[_Listed]:
        """Each listed company once (in list order), completed; a company's failure is an item."""
        seen = set(skip)
        endpoint = self.url("/qualifications")
        async for page in self._pages(endpoint, filters.to_params(), what="the qualification list"):
            fresh: list[dict[str, Any]] = []
            for raw in page.get("results") or []:
                cid = raw.get("id") if isinstance(raw, dict) else None
                if not isinstance(cid, str) or not cid:
                    yield _Listed(None, error=ServerError("TradeTapp listed a record without an id; skipped"))
                    continue
                if cid in seen:
                    log.debug("company %s listed again (pages shifted); skipped", cid)
                    continue
                seen.add(cid)
                fresh.append(raw)
            outcomes = await asyncio.gather(*(self._complete(r) for r in fresh), return_exceptions=True)
            for raw, outcome in zip(fresh, outcomes, strict=False):
                if isinstance(outcome, ReporterError):
                    yield _Listed(raw["id"], error=outcome)
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    yield _Listed(raw["id"], raw=outcome)


def _with_tries(error: ApiError, attempts: int) -> ApiError:
    error.message = f"{error.message}, after {attempts} tries"
    error.args = (error.message,)
    return error


# --------------------------------------------------------------------------------------------
# Many companies, failures as results


async def fetch_records(
    settings: ApiSettings,
    token_provider: TokenProvider,
    company_ids: Iterable[str] = (),
    all_: bool = False,
    filters: QueryFilters | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    client_factory: Callable[..., TradeTappClient] = TradeTappClient,
) -> AsyncIterator[FetchResult]:
    """One ``FetchResult`` per company: the given ids first (in order), then, with ``all_``, every
    listed company not already fetched. A failing company never stops the others; a failing list
    gives one result with ``company_id=None`` and ends the listing."""
    ids = list(dict.fromkeys(c.strip() for c in company_ids if c and c.strip()))
    async with client_factory(settings, token_provider, transport=transport) as client:
        async for result in _fetch_ids(client, ids, window=settings.max_in_flight * 2):
            yield result
        if all_:
            try:
                async for item in client._iter_listed(filters or QueryFilters(), skip=ids):
                    yield FetchResult(item.company_id, item.raw, item.error)
            except ReporterError as exc:
                yield FetchResult(None, None, exc)


async def _fetch_ids(client: TradeTappClient, ids: list[str], *, window: int) -> AsyncIterator[FetchResult]:
    async def one(cid: str) -> FetchResult:
        try:
            return FetchResult(cid, await client.get_qualification(cid), None)
        except ReporterError as exc:
            return FetchResult(cid, None, exc)

    pending: collections.deque[asyncio.Task[FetchResult]] = collections.deque()
    todo = iter(ids)
    try:
        for cid in todo:
            pending.append(asyncio.ensure_future(one(cid)))
            if len(pending) >= window:
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        for task in pending:
            task.cancel()
