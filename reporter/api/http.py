"""Fetch stage, the generic API client: every Autodesk API call goes through ``ApiClient``.

Input: a base URL, a ``TokenProvider``, ``Limits`` and an optional httpx transport. Output: decoded
JSON answers (``loads_exact``: every non-integer number a ``Decimal``) from ``get_json`` /
``post_json``, every page of a list from ``iter_pages``, every item from ``iter_items``; failures
are ``reporter.errors.ApiError`` subclasses with one-line messages.

    async with ApiClient(base_url, provider, service="BuildingConnected") as api:
        me = await api.get_json("/users/me")
        async for item in api.iter_items("/projects", {"limit": "100"}):
            ...

Subclasses (``TradeTappClient``; next BuildingConnected and Data Management) add the endpoints and
may set ``extra_headers`` (sent on every request unless ``headers=`` drops one by mapping it to
None) and ``cursor_param``. The send is layered the way httpx layers its own:

1. ``_send``: the host check -- a URL not under the base URL (same scheme, host, port, path
   prefix, no user info, no ``.``/``..`` segment) is refused with ``UnsafeUrl`` *before* a token
   is asked for -- then the answer mapped to JSON or to one ``ApiError`` (redirects are never
   followed);
2. ``_send_authorized``: the provider's token on every request (a sign-in refreshes before expiry);
   after a 401 one refresh shared by every request that saw the same token refused, and one per
   request (a refreshed token refused again is final); a sign-in failure ends every later request;
3. ``_send_retrying``: 429 pauses *every* request of the client for ``Retry-After`` (seconds or an
   HTTP date, capped at ``retry_cap_seconds``); 5xx, timeouts and dropped connections back off
   exponentially with jitter, up to ``max_retries``; a POST is retried only when it cannot have
   been received (429, connection refused);
4. ``_send_once``: an in-flight slot (at most ``max_in_flight`` open), *then* a rate-limit token
   (``RateLimiter``), then the wire -- so a 429's pause also stops requests that were waiting for a
   slot.

Every form of every token the client used (exact, URL-encoded, base64, any 12-character run) is
redacted from error bodies, messages and log lines (``reporter.api.redaction``). A loopback base
URL never goes through a proxy (``reporter.api.connect``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import unquote

import httpx

from reporter.api.connect import async_client
from reporter.api.http_errors import error_body, error_for_status, show_url
from reporter.api.paging import next_step
from reporter.api.redaction import REDACTOR, install_log_filter
from reporter.api.retry import RateLimiter, Sleep, backoff_delay, parse_retry_after
from reporter.api.settings import check_base_url
from reporter.api.tokens import TokenProvider, token_problem
from reporter.errors import ApiError, AuthError, ReporterError, ServerError, UnsafeUrl, UsageError
from reporter.jsonio import dumps_exact, loads_exact

log = logging.getLogger("reporter.api")

MAX_PAGES = 100_000
MAX_AUTH_RETRIES = 4  # per request: 401s answered with a refreshed token
_NETWORK = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_NOT_RECEIVED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Limits:
    """How hard a client pushes the API, and how long it keeps trying."""

    max_in_flight: int = 4
    requests_per_minute: int = 900
    burst: int | None = None  # token-bucket size; None: requests_per_minute / 30, at most 60
    max_retries: int = 6
    retry_cap_seconds: float = 60
    backoff_base: float = 0.5
    timeout: float = 30


@dataclass
class _Call:
    """One logical request, whatever number of tries it takes."""

    method: str
    url: httpx.URL
    params: dict[str, str] | None
    body: Any
    what: str
    company_id: str | None
    headers: dict[str, str]


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return url.scheme, url.host, port


class ApiClient:
    """Async client of one API under ``base_url``; use as ``async with ApiClient(...) as api``."""

    service = "the API"  # names the API in messages ("TradeTapp server error 500 for ...")
    cursor_param = "cursorState"  # the query parameter that carries a paging cursor
    user_agent = "reporter"

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: Limits | None = None,
        limiter: RateLimiter | None = None,
        extra_headers: Mapping[str, str] | None = None,
        service: str | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.service = service or self.service
        self._base = httpx.URL(check_base_url(base_url, "the base URL"))
        self._base_path = self._base.path.rstrip("/")
        self._base_raw_path = self._base.raw_path.split(b"?", 1)[0].decode("ascii").rstrip("/")
        self._tokens = token_provider
        self._extra_headers = dict(extra_headers or {})
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._limiter = limiter or RateLimiter(
            self.limits.requests_per_minute, self.limits.burst, clock=clock, sleep=sleep
        )
        self._in_flight = asyncio.Semaphore(self.limits.max_in_flight)
        self._http = async_client(
            self._base,
            transport=transport,
            timeout=httpx.Timeout(self.limits.timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=self.limits.max_in_flight * 2),
            headers={"Accept": "application/json", "User-Agent": self.user_agent},
        )
        self._token_lock = asyncio.Lock()
        self._replaced: dict[str, str] = {}  # token the API refused -> the refreshed one
        self._fatal: ReporterError | None = None  # a sign-in failure ends every later request
        self._warned_foreign = False
        self.requests_sent = 0
        install_log_filter()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- URLs ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> httpx.URL:
        return self._base

    def url(self, path: str) -> httpx.URL:
        """An absolute URL under the base URL for an API path like ``/qualifications``."""
        return self._base.copy_with(path=self._base_path + "/" + path.lstrip("/"))

    def resolve(self, path_or_url: str | httpx.URL) -> httpx.URL:
        """An API path (under the base URL) or an absolute URL, as a URL (not yet checked)."""
        try:
            if isinstance(path_or_url, httpx.URL):
                return path_or_url
            return httpx.URL(path_or_url) if "://" in path_or_url else self.url(path_or_url)
        except httpx.InvalidURL:
            raise UsageError(f"not a usable API address: {str(path_or_url)[:200]!r}") from None

    def is_safe(self, url: httpx.URL) -> bool:
        """Same scheme, host and port as the base URL, no user info, path under the base path."""
        raw_path = url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        return (
            _origin(url) == _origin(self._base)
            and not url.userinfo
            and (raw_path + "/").startswith(self._base_raw_path + "/")
            and not any(unquote(part) in (".", "..") for part in raw_path.split("/"))
        )

    # -- public calls --------------------------------------------------------------------------

    async def get_json(
        self,
        path_or_url: str | httpx.URL,
        params: Mapping[str, str] | None = None,
        *,
        what: str | None = None,
        company_id: str | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Any:
        """GET an API path (or an absolute URL under the base URL) and decode it exactly."""
        url = self.resolve(path_or_url)
        return await self._send(_Call("GET", url, _params(params), None, what or url.path, company_id,
                                      self._headers(headers)))

    async def post_json(
        self,
        path_or_url: str | httpx.URL,
        body: Any,
        params: Mapping[str, str] | None = None,
        *,
        what: str | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Any:
        """POST ``body`` as JSON (``Decimal`` written exactly, floats refused) and decode the answer
        exactly; retried only when it cannot have been received (429, connection refused)."""
        url = self.resolve(path_or_url)
        return await self._send(_Call("POST", url, _params(params), body, what or url.path, None,
                                      self._headers(headers)))

    async def iter_pages(
        self,
        path_or_url: str | httpx.URL,
        params: Mapping[str, str] | None = None,
        *,
        what: str | None = None,
        company_id: str | None = None,
        first: dict[str, Any] | None = None,
        items_key: str = "results",
    ) -> AsyncIterator[dict[str, Any]]:
        """Every page of a list endpoint (cursor or offset paging, ``reporter.api.paging``),
        starting with ``first`` when that page was already fetched (for example embedded)."""
        endpoint = self.resolve(path_or_url)
        base_params = _params(params) or {}
        what = what or endpoint.path
        page = first
        seen: set[tuple[str, str]] = set()
        step: tuple[httpx.URL, dict[str, str] | None] = (endpoint, base_params)
        for _ in range(MAX_PAGES):
            if page is None:
                page = await self.get_json(step[0], step[1], what=what, company_id=company_id)
                if not isinstance(page, dict) or not isinstance(page.get(items_key, []), list):
                    raise ServerError(f"{self.service} sent a page of {what} without a {items_key} list")
            yield page
            count = len(page.get(items_key) or [])
            following = next_step(
                page.get("pagination"), count, endpoint, base_params, base=self._base,
                is_safe=self.is_safe, cursor_param=self.cursor_param, on_foreign=self._foreign_link,
            )
            if following is None:
                return
            key = (str(following[0]), json.dumps(following[1], sort_keys=True))
            if key in seen:
                raise ServerError(f"{self.service} paging of {what} repeated a page; stopped")
            seen.add(key)
            step, page = following, None
        raise ServerError(f"{self.service} paging of {what} did not end after {MAX_PAGES} pages")

    async def iter_items(
        self, path_or_url: str | httpx.URL, params: Mapping[str, str] | None = None, *,
        what: str | None = None, items_key: str = "results",
    ) -> AsyncIterator[Any]:
        """Every item of every page of a list endpoint."""
        async for page in self.iter_pages(path_or_url, params, what=what, items_key=items_key):
            for item in page.get(items_key) or []:
                yield item

    def _foreign_link(self, shown: str) -> None:
        log.log(
            logging.DEBUG if self._warned_foreign else logging.WARNING,
            "paging link points to %s, away from the API; asking %s for the next page instead",
            shown, show_url(self._base),
        )
        self._warned_foreign = True

    # -- layer 1: host check and answer ----------------------------------------------------------

    async def _send(self, call: _Call) -> Any:
        if not self.is_safe(call.url):
            raise UnsafeUrl(
                f"refusing to send the {self.service} token to {show_url(call.url)}:"
                f" it is not under {show_url(self._base)}",
                url=show_url(call.url),
            )
        try:
            response, tries = await self._send_authorized(call)
        except ReporterError as exc:
            raise REDACTOR.error(exc) from None
        status = response.status_code
        if 200 <= status < 300:
            try:
                return None if status == 204 else loads_exact(response.content)
            except (ValueError, UnicodeDecodeError):
                raise ServerError(
                    f"{self.service} sent an answer for {call.what} that is not JSON (status {status})",
                    status=status, url=show_url(call.url),
                ) from None
        if 300 <= status < 400:
            raise ApiError(
                f"{self.service} answered {call.what} with a redirect ({status}); not followed",
                status=status, url=show_url(call.url),
            )
        error = error_for_status(
            status, error_body(response), what=call.what, company_id=call.company_id,
            url=show_url(call.url), service=self.service,
            tries=tries if status == 429 or status >= 500 else None,
        )
        raise REDACTOR.error(error)

    # -- layer 2: token and 401 ---------------------------------------------------------------

    async def _send_authorized(self, call: _Call) -> tuple[httpx.Response, int]:
        if self._fatal is not None:
            raise self._fatal
        refreshed: str | None = None  # this request's token after a 401
        own_refresh = False  # ``refreshed`` came from a refresh this request asked for
        auth_retries = 0
        while True:
            try:
                token = refreshed or await self._current_token()
            except ReporterError as exc:
                self._fatal = exc
                raise
            response, tries = await self._send_retrying(call, token)
            if response.status_code != 401:
                return response, tries
            new = None
            # A token refused right after this request refreshed it is final (no loop); one
            # another request refreshed may have expired since, and is refreshed again.
            if not own_refresh and auth_retries < MAX_AUTH_RETRIES:
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
                self._fatal = error_for_status(
                    401, error_body(response), what=call.what, url=show_url(call.url), service=self.service
                )
            raise self._fatal

    async def _current_token(self) -> str:
        """The provider's token, asked on every request (it refreshes before expiry by itself)."""
        token = (await self._tokens.token() or "").strip()
        if not token:
            raise AuthError(
                f"no {self.service} access token: run 'reporter login' or set APS_ACCESS_TOKEN"
            )
        for _ in range(len(self._replaced)):  # a provider still handing out a token the API refused
            if token not in self._replaced:
                break
            token = self._replaced[token]
        return self._checked(token)

    def _checked(self, token: str) -> str:
        REDACTOR.add(token)
        problem = token_problem(token)
        if problem:
            source = getattr(self._tokens, "source", None) or "the token provider"
            raise AuthError(f"the access token from {source} {problem}: copy the whole token again")
        return token

    async def _refreshed_token(self, used: str) -> tuple[str | None, bool]:
        """After a 401 for ``used``: a refreshed token (one refresh however many requests saw it
        refused) and whether this call refreshed it; None when the provider cannot refresh."""
        async with self._token_lock:
            if used in self._replaced:
                return self._replaced[used], False  # another request refreshed it meanwhile
            if self._fatal is not None:  # another request's refresh failed: do not ask again
                raise self._fatal
            log.debug("%s said the token is no longer valid; asking for a refreshed one", self.service)
            new = (await self._tokens.refreshed() or "").strip()
            if not new or new == used:
                return None, True
            self._replaced[used] = self._checked(new)
            return new, True

    # -- layer 3: retries ------------------------------------------------------------------------

    async def _send_retrying(self, call: _Call, token: str) -> tuple[httpx.Response, int]:
        """The first answer that is not to be retried (or the last one), and the tries it took."""
        idempotent = call.method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        attempt = 0
        while True:
            try:
                response = await self._send_once(call, token)
            except _NETWORK as exc:
                attempt += 1
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection dropped"
                if attempt > self.limits.max_retries or not (idempotent or isinstance(exc, _NOT_RECEIVED)):
                    raise ServerError(
                        f"{self.service} could not be reached for {call.what}: {kind}"
                        f" ({type(exc).__name__}), {attempt} tries",
                        url=show_url(call.url),
                    ) from None
                delay = self._backoff(attempt)
                log.debug("%s: %s; retry %d in %.2f s", call.what, kind, attempt, delay)
                await self._sleep(delay)
                continue
            except httpx.HTTPError as exc:
                raise ServerError(
                    f"request for {call.what} failed: {type(exc).__name__}", url=show_url(call.url)
                ) from None
            status = response.status_code
            retry = status == 429 or (status >= 500 and idempotent)
            if not retry or attempt >= self.limits.max_retries:
                return response, attempt + 1
            attempt += 1
            if status == 429:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                delay = min(wait, self.limits.retry_cap_seconds) if wait is not None else self._backoff(attempt)
                log.debug("%s: rate limited (429); every request waits %.2f s", call.what, delay)
                self._limiter.pause(delay)
            else:
                delay = self._backoff(attempt)
                log.debug("%s: server error %d; retry %d in %.2f s", call.what, status, attempt, delay)
                await self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.limits.backoff_base, self.limits.retry_cap_seconds, self._rng)

    # -- layer 4: one request on the wire ---------------------------------------------------------

    async def _send_once(self, call: _Call, token: str) -> httpx.Response:
        headers = {**call.headers, "Authorization": f"Bearer {token}"}
        async with self._in_flight:
            await self._limiter.acquire()  # the last wait: a 429's pause stops this request too
            self.requests_sent += 1
            if call.method == "GET":
                return await self._http.get(call.url, params=call.params, headers=headers)
            content = None if call.body is None else dumps_exact(call.body, indent=None).encode("utf-8")
            if content is not None:
                headers.setdefault("Content-Type", "application/json")
            return await self._http.request(call.method, call.url, params=call.params, content=content,
                                            headers=headers)

    def _headers(self, headers: Mapping[str, str | None] | None) -> dict[str, str]:
        merged: dict[str, str | None] = {**self._extra_headers, **(headers or {})}
        return {k: v for k, v in merged.items() if v is not None}


def _params(params: Mapping[str, str] | None) -> dict[str, str] | None:
    return dict(params) if params is not None else None
