"""Batch: the records a run builds, from saved files and/or the TradeTapp API.

Input: saved record files (one record or a list page each) and/or an API request (anything with
an async ``fetch()`` yielding results with ``company_id``, ``raw`` and ``error``). Output: an async
stream of ``(label, record or ReporterError)``. Whatever goes wrong reading one file (a
``ReporterError`` or any other exception: deep nesting, an over-long number, bad Unicode) becomes
that file's ``InputError``, naming it; the stream goes on with the next file. ``read_ahead``
reads any such stream ahead of its consumer (a bounded queue), so fetching overlaps rendering.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

from reporter import pipeline
from reporter.batch_task import Fetched
from reporter.deliver.manifest import one_line
from reporter.errors import InputError, ReporterError

Source = tuple[str, Any]


def read_file_sources(path: str, show_tax_id: bool = False) -> list[Source]:
    """One file's records (a list page holds several); any failure is the file's error."""
    try:
        return list(pipeline.sources_from_files([path], show_tax_id))
    except ReporterError as exc:
        return [(str(path), exc)]
    except Exception as exc:  # RecursionError, ValueError (int digits), UnicodeError...: the file's, not the run's
        return [(str(path), InputError(one_line(f"{path}: cannot read the record ({type(exc).__name__}: {exc})")))]


async def file_sources(paths: Iterable[str], show_tax_id: bool = False) -> AsyncIterator[Source]:
    for p in paths:
        # In a thread: a slow file (a network share, a pipe) must not hold up the renders of the
        # records already read (the event loop schedules them).
        for item in await asyncio.to_thread(read_file_sources, p, show_tax_id):
            yield item


async def api_sources(request: Any) -> AsyncIterator[Source]:
    async for r in request.fetch():
        label = f"TradeTapp {r.company_id}" if r.company_id else "TradeTapp qualification list"
        if r.error is not None:
            r.error.company_id = r.company_id  # so the manifest names the company that failed
        if r.error is not None:
            yield label, r.error
        else:  # with the financials and flags fetched for it, when any were
            yield label, (Fetched(r.raw, r.side) if getattr(r, "side", None) is not None else r.raw)


async def all_sources(paths: Iterable[str], request: Any = None, show_tax_id: bool = False) -> AsyncIterator[Source]:
    """Saved files first, then the API's records."""
    async for s in file_sources(paths or (), show_tax_id):
        yield s
    if request is not None:
        async for s in api_sources(request):
            yield s


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


async def read_ahead(sources: AsyncIterator[Source], limit: int) -> AsyncIterator[Source]:
    """``sources`` read by a task of its own, at most ``limit`` items ahead of the consumer: while
    the consumer waits (for a worker), the next records are already being fetched. An exception
    of ``sources`` is raised here, in order; leaving early cancels the reader."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(1, limit))

    async def reader() -> None:
        try:
            async for item in sources:
                await queue.put(item)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, raised at its place in the stream
            await queue.put(_Raised(exc))
            return
        await queue.put(_END)

    task = asyncio.ensure_future(reader())
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
