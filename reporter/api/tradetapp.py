"""Fetch stage, online: the client of the TradeTapp API v2 (``/qualifications``, ``/users/me``).

Input: ``ApiSettings``, a ``TokenProvider`` and company ids or list filters (``QueryFilters``).
Output: complete raw qualification records -- dicts decoded with ``loads_exact`` (every non-integer
number a ``Decimal``), their ``companyOfficeAddresses``/``customQuestions`` pages all fetched and
merged, one per company -- the signed-in user (``fetch_me``), and each company's TradeTapp
financials (``get_financials``: the body, or the recorded 404 ``{"notFound": true, "status": 404,
"detail": ...}``) and flags (``list_flags``: every page with ``include=stateHistory`` merged into one
list page, the shape ``reporter fetch`` saves as ``DIR/<id>.flags.json``).

``TradeTappClient`` is a thin ``ApiClient`` (``reporter.api.http``): the host check, rate limit,
retries, token refresh and redaction all live there. This module adds the endpoints, the
``general-contractor-company-id`` header (left out for ``users/me``, which takes none), the rule
that an answer for one company must be that company's record, and the merging of nested pages.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from reporter.api.http import ApiClient, Limits
from reporter.api.paging import has_next
from reporter.api.retry import Sleep
from reporter.api.settings import ApiSettings, QueryFilters
from reporter.api.tokens import TokenProvider
from reporter.errors import ApiError, AuthError, NotFound, ReporterError, ServerError, UsageError

log = logging.getLogger("reporter.api")

GC_HEADER = "general-contractor-company-id"
FLAGS_SORT = "priority desc,eventDate desc"
FLAGS_PAGE_LIMIT = "100"  # the API's maximum
NESTED = (("companyOfficeAddresses", "company-office-addresses"), ("customQuestions", "custom-questions"))


@dataclass
class Listed:
    """One company of the list: its completed record, or the error that stopped it."""

    company_id: str | None
    raw: dict[str, Any] | None = None
    error: ReporterError | None = None


def limits_of(settings: ApiSettings) -> Limits:
    return Limits(
        max_in_flight=settings.max_in_flight, requests_per_minute=settings.requests_per_minute,
        burst=settings.burst, max_retries=settings.max_retries,
        retry_cap_seconds=settings.retry_cap_seconds, backoff_base=settings.backoff_base,
        timeout=settings.timeout,
    )


class TradeTappClient(ApiClient):
    """Async TradeTapp API client; use as ``async with TradeTappClient(settings, tokens) as c``."""

    service = "TradeTapp"
    user_agent = "reporter (TradeTapp packets)"

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
        gc = {GC_HEADER: settings.gc_company_id} if settings.gc_company_id else None
        super().__init__(
            settings.base_url, token_provider, transport=transport, limits=limits_of(settings),
            extra_headers=gc, sleep=sleep, clock=clock, rng=rng,
        )

    def _company_url(self, company_id: str, sub: str = "") -> httpx.URL:
        if not isinstance(company_id, str) or company_id.strip() in ("", ".", ".."):
            raise UsageError(f"not a company id: {company_id!r}")
        tail = f"/{sub}" if sub else ""
        return self.url(f"/qualifications/{quote(company_id.strip(), safe='')}{tail}")

    # -- public calls -----------------------------------------------------------------------------

    async def get_json(
        self,
        path_or_url: str | httpx.URL,
        params: Mapping[str, str] | None = None,
        *,
        what: str | None = None,
        company_id: str | None = None,
        headers: Mapping[str, str | None] | None = None,
        gc_header: bool = True,
    ) -> Any:
        """``ApiClient.get_json``; ``gc_header=False`` leaves out ``general-contractor-company-id``."""
        if not gc_header:
            headers = {**(headers or {}), GC_HEADER: None}
        return await super().get_json(path_or_url, params, what=what, company_id=company_id, headers=headers)

    async def get_me(self) -> dict[str, Any]:
        """``GET users/me`` (sent without the GC header): the user, company and enterprise."""
        body = await self.get_json("/users/me", what="users/me", gc_header=False)
        if not isinstance(body, dict):
            raise ApiError("GET users/me answered with an unexpected shape", url=str(self.url("/users/me")))
        return body

    async def get_qualification(self, company_id: str) -> dict[str, Any]:
        """One company's complete record (``GET /qualifications/{companyId}`` plus nested pages)."""
        what = f"company {company_id}"
        raw = await self.get_json(self._company_url(company_id), what=what, company_id=company_id)
        if not isinstance(raw, dict):
            raise ServerError(f"TradeTapp sent something other than a record for {what}")
        got = raw.get("id")
        if not isinstance(got, str) or got.strip().lower() != company_id.strip().lower():
            # never save (and build a packet from) another company's record under this id
            raise ServerError(f"TradeTapp answered the request for {what} with the record of company {got!r}; not used")
        return await self._complete(raw)

    async def iter_qualifications(self, filters: QueryFilters | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every matching record, complete, each company once; raises on the first failure."""
        async for item in self.iter_listed(filters or QueryFilters()):
            if item.error is not None:
                raise item.error
            assert item.raw is not None
            yield item.raw

    async def iter_listed(self, filters: QueryFilters, skip: Iterable[str] = ()) -> AsyncIterator[Listed]:
        """Each listed company once (in list order), completed; a company's failure is an item."""
        seen = set(skip)
        async for page in self.iter_pages("/qualifications", filters.to_params(), what="the qualification list"):
            fresh: list[dict[str, Any]] = []
            for raw in page.get("results") or []:
                cid = raw.get("id") if isinstance(raw, dict) else None
                if not isinstance(cid, str) or not cid:
                    yield Listed(None, error=ServerError("TradeTapp listed a record without an id; skipped"))
                    continue
                if cid in seen:
                    log.debug("company %s listed again (pages shifted); skipped", cid)
                    continue
                seen.add(cid)
                fresh.append(raw)
            # A few records are completed at a time (twice the requests in flight), in list
            # order, and each is handed on as soon as it and those before it are done: the first
            # records render while later ones still fetch, instead of the whole page's nested
            # requests queueing ahead of the first record's side calls (issue 20).
            ahead = 2 * self.limits.max_in_flight
            tasks: list[asyncio.Task[dict[str, Any]]] = []
            try:
                for i, raw in enumerate(fresh):
                    while len(tasks) < min(len(fresh), i + ahead):
                        tasks.append(asyncio.ensure_future(self._complete(fresh[len(tasks)])))
                    try:
                        outcome = await tasks[i]
                    except ReporterError as exc:
                        yield Listed(raw["id"], error=exc)
                    else:
                        yield Listed(raw["id"], raw=outcome)
            finally:
                for task in tasks:
                    if not task.done():
                        task.cancel()
                    elif not task.cancelled():
                        task.exception()  # retrieved: a record never reached reports nothing

    async def get_financials(self, company_id: str) -> dict[str, Any]:
        """``GET /financials/{companyId}``: the body, or -- when TradeTapp holds no statements for
        the company (404) -- the recorded not-found ``{"notFound": true, "status": 404, "detail"}``."""
        what = f"financials of company {company_id}"
        self._company_url(company_id)  # the same id check as the record's
        url = self.url(f"/financials/{quote(company_id.strip(), safe='')}")
        try:
            body = await self.get_json(url, what=what)
        except NotFound:
            return not_found_record(company_id)
        if not isinstance(body, dict):
            raise ServerError(f"TradeTapp sent something other than an object for {what}")
        got = body.get("id")
        if isinstance(got, str) and got.strip().lower() != company_id.strip().lower():
            raise ServerError(f"TradeTapp answered the request for {what} with company {got!r}; not used")
        return body

    async def list_flags(self, company_id: str) -> dict[str, Any]:
        """Every flag the GC raised on the company (``GET /flags?filter[company.id]=...`` with
        ``include=stateHistory``, all pages), as one last list page ``{pagination, results}``."""
        self._company_url(company_id)
        params = {"filter[company.id]": company_id.strip(), "include": "stateHistory",
                  "sort": FLAGS_SORT, "limit": FLAGS_PAGE_LIMIT}
        items: list[Any] = []
        seen: set[Any] = set()
        async for page in self.iter_pages("/flags", params, what=f"flags of company {company_id}"):
            for flag in page.get("results") or []:
                key = flag.get("id") if isinstance(flag, dict) else None
                if key is not None and key in seen:
                    continue  # listed again as pages shifted
                seen.add(key)
                items.append(flag)
        return {
            "pagination": {"limit": int(FLAGS_PAGE_LIMIT), "cursorState": None, "totalResults": len(items),
                           "nextUrl": None, "previousUrl": None},
            "results": items,
        }

    # -- nested pages -----------------------------------------------------------------------------

    async def _complete(self, record: dict[str, Any]) -> dict[str, Any]:
        """Fetch the rest of each nested list and merge it, so the record is complete."""
        company_id = record.get("id")
        await asyncio.gather(*(self._complete_nested(record, key, sub, company_id) for key, sub in NESTED))
        return record

    async def _complete_nested(self, record: dict[str, Any], key: str, sub: str, company_id: Any) -> None:
        nested = record.get(key)
        if not isinstance(nested, dict) or not isinstance(nested.get("results", []), list):
            return
        given = nested.get("pagination")
        pagination: dict[str, Any] = given if isinstance(given, dict) else {}
        items = list(nested.get("results") or [])
        if has_next(pagination):
            if not isinstance(company_id, str) or not company_id:
                raise ServerError(f"a record without an id has more {key} to fetch")
            pages = self.iter_pages(
                self._company_url(company_id, sub), {}, what=f"{key} of company {company_id}",
                company_id=company_id, first=nested,
            )
            first = True
            async for page in pages:
                if not first:
                    items.extend(page.get("results") or [])
                first = False
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


def not_found_record(company_id: str) -> dict[str, Any]:
    """What a 404 from ``/financials/{id}`` is saved as (``samples/README.md``)."""
    return {"notFound": True, "status": 404,
            "detail": f"TradeTapp holds no financial statements for company {company_id.strip()}"}


async def fetch_me(
    base_url: str, provider: TokenProvider, *, transport: httpx.AsyncBaseTransport | None = None
) -> dict[str, Any]:
    """``GET {base_url}/users/me`` through the API client; one refresh and retry after a 401."""
    async with TradeTappClient(ApiSettings(base_url=base_url), provider, transport=transport) as client:
        try:
            return await client.get_me()
        except AuthError as exc:
            if exc.status != 401:
                raise
            raise AuthError(
                "the API refused the access token (HTTP 401): run 'reporter login' again, "
                "or renew APS_ACCESS_TOKEN / the --token-file",
                status=401,
                url=exc.url,
            ) from None
