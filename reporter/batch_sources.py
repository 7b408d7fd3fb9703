"""Batch: the records a run builds, from saved files and/or the TradeTapp API.

Input: saved record files (one record or a list page each) and/or an API request (anything with
an async ``fetch()`` yielding results with ``company_id``, ``raw`` and ``error``). Output: an async
stream of ``(label, record or ReporterError)``. Whatever goes wrong reading one file (a
``ReporterError`` or any other exception: deep nesting, an over-long number, bad Unicode) becomes
that file's ``InputError``, naming it; the stream goes on with the next file.
"""

from __future__ import annotations

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
        for item in read_file_sources(p, show_tax_id):
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
