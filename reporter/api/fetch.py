"""Fetch stage, orchestration: many companies fetched at once, each failure a result, then saved.

Input: ``ApiSettings``, a ``TokenProvider``, company ids and/or ``--all`` with ``QueryFilters``;
for ``save_fetched`` also an output folder. Output: one ``FetchResult`` per company
(``fetch_records``) -- the given ids first, in order, then every listed company not already
fetched -- each with the company's TradeTapp financials and flags unless turned off
(``financials=False`` / ``flags=False``) -- and, from ``save_fetched``, one ``SaveOutcome`` per company
after its record was written as ``DIR/<companyId>.json`` with ``DIR/<companyId>.financials.json`` and
``DIR/<companyId>.flags.json`` beside it (``reporter.api.side_files``). A failure fetching a
company's financials or flags (other than the 404 that means "no statements") fails that company:
a packet never silently lacks the GC's own flags. A failing company never stops the others; a failing list gives one
result with ``company_id=None`` and ends the listing.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reporter.api.saved import validate_record
from reporter.api.settings import ApiSettings, QueryFilters
from reporter.api.side_files import SideDocs, SideOptions, save_side_docs
from reporter.api.sync_state import save_record
from reporter.api.tokens import TokenProvider
from reporter.api.tradetapp import TradeTappClient
from reporter.errors import InputError, ReporterError


@dataclass(frozen=True)
class FetchResult:
    """One company's outcome: its complete raw record, or the error that stopped it.

    ``company_id`` is None only when the list itself failed (no more companies can be known).
    """

    company_id: str | None
    raw: dict[str, Any] | None
    error: ReporterError | None
    side: SideDocs | None = None  # the financials and flags bodies fetched with the record

    @property
    def ok(self) -> bool:
        return self.error is None


async def fetch_side(client: TradeTappClient, company_id: str, options: SideOptions) -> SideDocs:
    """The company's financials and flags, as the API sent them (404 financials recorded)."""
    async def none() -> None:
        return None

    fin, flags = await asyncio.gather(
        client.get_financials(company_id) if options.financials else none(),
        client.list_flags(company_id) if options.flags else none(),
    )
    return SideDocs(financials=fin, flags=flags)


async def _with_side(client: TradeTappClient, result: FetchResult, options: SideOptions) -> FetchResult:
    if result.error is not None or result.company_id is None or not options.any:
        return result
    try:
        side = await fetch_side(client, result.company_id, options)
    except ReporterError as exc:
        return FetchResult(result.company_id, None, exc)
    return FetchResult(result.company_id, result.raw, None, side)


async def fetch_records(
    settings: ApiSettings,
    token_provider: TokenProvider,
    company_ids: Iterable[str] = (),
    all_: bool = False,
    filters: QueryFilters | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    client_factory: Callable[..., TradeTappClient] = TradeTappClient,
    side: SideOptions | None = None,
) -> AsyncIterator[FetchResult]:
    """One ``FetchResult`` per company: the given ids first (in order), then, with ``all_``, every
    listed company not already fetched. A failing company never stops the others; a failing list
    gives one result with ``company_id=None`` and ends the listing. ``side`` says which of the
    financials and flags to fetch with each record (none unless asked; the commands ask for both
    unless ``--no-financials`` / ``--no-flags``)."""
    ids = list(dict.fromkeys(c.strip() for c in company_ids if c and c.strip()))
    options = side if side is not None else SideOptions(financials=False, flags=False)
    async with client_factory(settings, token_provider, transport=transport) as client:
        async for result in _fetch_ids(client, ids, window=settings.max_in_flight * 2, side=options):
            yield result
        if all_:
            async for result in _fetch_listed(client, filters or QueryFilters(), ids, options,
                                              window=settings.max_in_flight * 2):
                yield result


async def _fetch_listed(client: TradeTappClient, filters: QueryFilters, skip: list[str], options: SideOptions,
                        *, window: int) -> AsyncIterator[FetchResult]:
    """The listed companies in list order, each with its side bodies (at most ``window`` in hand).

    The listing runs in a task of its own, so a company whose side bodies are done is handed on at
    once, in list order, even while a later company's long nested lists are still being read
    (issue 20: the first packets render while the list is still being fetched)."""
    pending: collections.deque[asyncio.Task[FetchResult]] = collections.deque()
    room = asyncio.Semaphore(window)
    arrived = asyncio.Event()

    async def lister() -> None:
        try:
            async for item in client.iter_listed(filters, skip=skip):
                await room.acquire()
                pending.append(asyncio.ensure_future(
                    _with_side(client, FetchResult(item.company_id, item.raw, item.error), options)))
                arrived.set()
        finally:
            arrived.set()

    listing = asyncio.ensure_future(lister())
    try:
        while True:
            if pending:
                result = await pending[0]
                pending.popleft()
                room.release()
                yield result
            elif listing.done():
                break
            else:
                arrived.clear()
                await arrived.wait()
        failed = listing.exception()
        if isinstance(failed, ReporterError):  # the list failed: one result, after those listed before
            yield FetchResult(None, None, failed)
        elif failed is not None:  # an unexpected failure of the listing itself
            raise failed
    finally:
        listing.cancel()
        for task in pending:
            task.cancel()


async def _fetch_ids(client: TradeTappClient, ids: list[str], *, window: int,
                     side: SideOptions) -> AsyncIterator[FetchResult]:
    async def one(cid: str) -> FetchResult:
        try:
            result = FetchResult(cid, await client.get_qualification(cid), None)
        except ReporterError as exc:
            return FetchResult(cid, None, exc)
        return await _with_side(client, result, side)

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


@dataclass(frozen=True)
class SaveOutcome:
    """What became of one fetched company: saved (``path``), or ``problem`` (one line).

    ``repeat`` marks a failure with the very error of the previous one (a sign-in failure ends
    every later company): a caller says it once. ``warning`` is set when the record was saved but
    ``reporter build`` will refuse it."""

    name: str
    path: Path | None = None
    problem: str | None = None
    repeat: bool = False
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.path is not None


async def save_fetched(
    results: AsyncIterator[FetchResult], out_dir: Path, *, check: bool = True
) -> AsyncIterator[SaveOutcome]:
    """Save each fetched record into ``out_dir`` (atomically) and say what became of it;
    ``check`` validates each saved record the way ``reporter build`` will."""
    last_error: ReporterError | None = None
    async for result in results:
        name = result.company_id or "the qualification list"
        if result.error is not None:
            repeat = result.error is last_error
            last_error = result.error
            yield SaveOutcome(name, problem=str(result.error), repeat=repeat)
            continue
        assert result.raw is not None
        try:
            path = save_record(result.raw, out_dir)
            if result.side is not None:
                save_side_docs(result.side, path)
        except (InputError, OSError) as exc:
            yield SaveOutcome(name, problem=f"cannot save: {exc}")
            continue
        warning = None
        if check:
            try:
                validate_record(result.raw, name)
            except InputError as exc:
                warning = str(exc)
        yield SaveOutcome(name, path=path, warning=warning)
