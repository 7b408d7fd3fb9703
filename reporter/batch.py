"""Batch: build many records at once, fast, visibly, completely and repeatably; scheduling only.

Input: an async stream of sources (saved files, or records fetched from the API: see
``batch_sources``), a ``BuildConfig`` and a number of worker processes. Output: packets in the
output folder, written by the workers (``batch_task``), and ``manifest.json`` rewritten as
companies finish (``batch_index``). Returns a ``BatchOutcome``.

- One run per folder (``batch_lock``): a second run into the same folder fails at once (exit 2).
- Renders run in a pool of worker processes (``batch_pool``), never more than ``2 x jobs`` records
  in flight, so memory does not grow with the number of companies.
- Fetching overlaps rendering: the sources are read ahead (``batch_sources.read_ahead``, at most
  ``READ_AHEAD`` records waiting), so the next list page is fetched while workers render, and a
  batch costs about max(API time, render time / jobs) instead of their sum.
- A record whose source (``updatedAt`` and SHA-256 of its canonical JSON) and build settings match
  a finished item of the folder's manifest, with its files intact, is skipped unless ``force``.
- A failing record never stops the others: whatever it raises (reading, validating,
  fingerprinting, naming, rendering, writing), it is an ``error`` item naming its input.
- ``progress``, when given, is told ``total(n)`` and ``done(item, how)`` (``reporter.progress``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from reporter.api.saved import SourceRecord, load_file
from reporter.api.side_files import SideDocs
from reporter.batch_index import RunIndex
from reporter.batch_lock import FolderLock
from reporter.batch_pool import WorkerPool, make_pool, worker_died
from reporter.batch_sources import read_ahead
from reporter.batch_task import (
    SOURCES_DIR,
    Fetched,
    Task,
    build_task,
    failure_text,
    kept_side,
    new_item,
    report_only,
    settings_hash,
    source_fingerprint,
)
from reporter.config import BuildConfig, describe_config
from reporter.deliver.manifest import FileEntry, Item, one_line, refuse_links, unchanged, write_in_folder
from reporter.deliver.naming import NamePattern
from reporter.errors import DeliveryError, ReporterError
from reporter.fsio import inside
from reporter.tax_ids import mask_tax_ids

__all__ = ["MANIFEST_INTERVAL", "BatchOutcome", "Progress", "build_task", "make_pool", "run_batch"]

# Seconds between manifest rewrites during a run (always rewritten at the end). Files finished but
# not yet listed when a run is killed are simply built again by the next run.
MANIFEST_INTERVAL = 0.25
# Records fetched ahead of the workers (two list pages of 40): enough to keep rendering while the
# next page is fetched, few enough that memory stays flat in the number of companies.
READ_AHEAD = 80


class Progress(Protocol):
    def total(self, n: int | None) -> None: ...
    def done(self, item: Item, how: str) -> None: ...


@dataclass
class BatchOutcome:
    items: list[Item]
    built: int = 0
    skipped: int = 0
    failed: int = 0
    duplicates: list[str] = field(default_factory=list)  # inputs naming a company already built in this run
    leveling: FileEntry | None = None
    manifest_error: str | None = None  # the final manifest write failed (disk full...)
    reports: dict[str, Any] = field(default_factory=dict)  # company id -> its slim report (xlsx builds)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.manifest_error is None

    def failures(self) -> list[Item]:
        """Items that failed in this run: errors, and earlier packets kept after a failed refresh."""
        return [i for i in self.items if not i.ok or i.refresh_error]

    def summary(self, out_dir: Path) -> str:
        """The run's last line: counts, then up to ten failures (each naming its input)."""
        failed = self.failures()
        line = f"built {self.built}, unchanged {self.skipped}, failed {self.failed} of {len(self.items)} into {out_dir}"
        if self.duplicates:
            line += f"; {len(self.duplicates)} duplicate input(s) of the same record built once: " + ", ".join(
                self.duplicates[:5])
        if failed:
            line += "; failed: " + "; ".join(_why(i) for i in failed[:10])
            if len(failed) > 10:
                line += f"; and {len(failed) - 10} more (see manifest.json)"
        return one_line(line)


def _why(item: Item) -> str:
    """``name: reason`` (a file's error already starts with its name); a kept earlier packet says so."""
    error = item.error or item.refresh_error or "unknown error"
    name = item.label
    text = error if error.startswith(str(item.input)) or error.startswith(name) else f"{name}: {error}"
    return text + (" (earlier packet kept)" if item.refresh_error else "")


def clean_stale_parts(out_dir: Path) -> None:
    """Remove the ``.part`` files of killed runs (only called while holding the folder's lock, so no
    live run owns one); never through a symbolic link."""
    for folder in (out_dir, out_dir / SOURCES_DIR):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for stale in folder.glob(".*.part"):
            if stale.is_file() and not stale.is_symlink():
                stale.unlink(missing_ok=True)


async def run_batch(
    sources: AsyncIterator[tuple[str, SourceRecord | dict | ReporterError]],
    config: BuildConfig,
    *,
    jobs: int = 1,
    force: bool = False,
    names: NamePattern | Any = None,
    progress: Progress | None = None,
    total: int | None = None,
    pool: concurrent.futures.Executor | None = None,
) -> BatchOutcome:
    """Build every source; see the module docstring. The caller shuts down the ``pool`` it passed."""
    out_dir = config.out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReporterError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from None
    refuse_links(out_dir, out_dir / SOURCES_DIR)
    with FolderLock(out_dir):
        clean_stale_parts(out_dir)
        return await _Run(config, jobs, force, names or NamePattern.for_config(config), progress, pool).go(sources, total)


class _Run:
    def __init__(self, config: BuildConfig, jobs: int, force: bool, names: Any, progress: Progress | None,
                 pool: concurrent.futures.Executor | None) -> None:
        self.config, self.jobs, self.names, self.progress = config, jobs, names, progress
        self.index = RunIndex(config.out_dir, describe_config(config), interval=MANIFEST_INTERVAL)
        self.prev = {} if force else self.index.earlier
        self.shash = settings_hash(config, names.pattern)
        self.outcome = BatchOutcome(items=[])
        self.reports: list[tuple[int, Any]] = []
        # Names never handed to a record: the folder's own files, and (so a later run never
        # overwrites them) the names of packets that other companies hold in the folder.
        self.used: set[str] = {"manifest", Path(names.leveling_name()).stem.lower()}
        self.seen: dict[str, tuple[str, str]] = {}  # company id -> (first input, record sha256) in this run
        self.owner = {n: cid for cid, item in self.index.earlier.items() for n in item.names()}
        self.workers = WorkerPool(pool, jobs)
        self.slots = asyncio.Semaphore(max(2 * jobs, 2))

    def record(self, item: Item, how: str, seq: int, report: Any = None) -> None:
        if report is not None:
            self.reports.append((seq, report))
        item = self.index.add(seq, item)
        if how == "error":
            self.outcome.failed += 1
        elif how == "skipped":
            self.outcome.skipped += 1
        else:
            self.outcome.built += 1
        if self.progress:
            self.progress.done(item, how)

    async def run_one(self, task: Task, seq: int) -> None:
        report = None
        try:
            item, report = await self.workers.run(build_task, task)
        except Exception as exc:  # the worker died twice on this record: it fails, others go on
            if self.config.debug:
                raise
            item = new_item(task.label, task.raw).failed(one_line(worker_died(exc)))
        finally:
            self.slots.release()
        self.record(item, "error" if not item.ok else "built", seq, report)

    def prepare(self, label: str, source: Any, seq: int) -> Task | None:
        """The record's task, or None when it is skipped (unchanged) or has failed already."""
        if isinstance(source, ReporterError):
            item = Item(input=label, company_id=getattr(source, "company_id", None))
            self.record(item.failed(one_line(str(source))), "error", seq)
            return None
        side = None
        if isinstance(source, SourceRecord):
            raw, side = source.raw, source.side
        elif isinstance(source, Fetched):  # with its financials and flags
            raw = source.raw if self.config.context.show_tax_id else mask_tax_ids(source.raw)
            side = source.side
        else:  # a record fetched from the API: masked before it is fingerprinted, kept or rendered
            raw = source if self.config.context.show_tax_id else mask_tax_ids(source)
        try:
            return self._task(label, raw, seq, side)
        except Exception as exc:  # fingerprinting or naming a hostile record: that record's failure
            if self.config.debug:
                raise
            self.record(new_item(label, raw).failed(failure_text(exc, label)), "error", seq)
            return None

    def _task(self, label: str, raw: dict[str, Any], seq: int, side: SideDocs | None = None) -> Task | None:
        if not isinstance(raw, dict):
            raise ReporterError(f"{label}: expected a qualification record (a JSON object)")
        company_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        config = self.config.for_record(company_id)
        shash = self.shash if config is self.config else settings_hash(config, self.names.pattern)
        fp = source_fingerprint(raw, shash, side)
        if company_id and company_id in self.seen:
            first, sha = self.seen[company_id]
            if sha == fp["sha256"]:  # the same record given twice: one packet, said in the summary
                self.outcome.duplicates.append(label)
                return None
            raise ReporterError(f"{label}: company {company_id} is also in {first} with different data; "
                                "give one record per company (the newer one)")
        if company_id:
            self.seen[company_id] = (label, fp["sha256"])
        was = self.prev.get(company_id) if company_id else None
        if was and not (was.names() & self.used) and unchanged(was, fp, self.config.out_dir):
            self.used.update(was.names())  # its files keep their names: nobody else gets them
            kept = replace(was, input=label, from_earlier_run=False, refresh_error=None)
            report = report_only(raw, label, config, side) if "xlsx" in self.config.formats else None
            self.record(kept, "skipped", seq, report)
            return None
        taken = self.used | {n for n, cid in self.owner.items() if cid != company_id}
        name = self.names.unique(raw, taken)
        self.used.add(name.lower())
        if company_id:
            self.index.started.add(company_id)
        return Task(label, raw, name, config, fp, side)

    async def go(self, sources: AsyncIterator[tuple[str, Any]], total: int | None) -> BatchOutcome:
        running: set[asyncio.Task] = set()
        if self.progress:
            self.progress.total(total)
        seq = -1
        try:
            async for label, source in read_ahead(sources, READ_AHEAD):
                seq += 1
                if total is not None and seq + 1 > total and self.progress:  # a list page held several records
                    total = seq + 1
                    self.progress.total(total)
                task = self.prepare(label, source, seq)
                if task is None:
                    continue
                await self.slots.acquire()
                t = asyncio.ensure_future(self.run_one(task, seq))
                running.add(t)
                t.add_done_callback(running.discard)
                await asyncio.sleep(0)
            if running:
                await asyncio.gather(*running)
        finally:
            for t in running:
                t.cancel()
            self.workers.close()
        return self.finish(seq + 1)

    def finish(self, seq: int) -> BatchOutcome:
        carried = self.index.carried()
        if "xlsx" in self.config.formats:
            for item in carried:
                self.reports.append((seq, _earlier_report(item, self.config.for_record(item.company_id))))
                seq += 1
        items = self.index.listed() + carried
        reports = [r for _, r in sorted(self.reports, key=lambda t: t[0]) if r is not None]
        if "xlsx" in self.config.formats and len(reports) > 1:
            self.outcome.leveling = write_leveling(self.config.out_dir, reports, self.names)
        self.outcome.items = items
        self.outcome.reports = {r.company_id: r for r in reports}
        try:
            self.index.write(items, self.outcome.leveling, final=True)
        except DeliveryError as exc:  # the packets are built; the command says so, then this
            self.outcome.manifest_error = str(exc)
        return self.outcome


def _earlier_report(item: Item, config: BuildConfig) -> Any:
    """The slim report of a packet kept from an earlier run, from its kept source record."""
    path = inside(config.out_dir, item.source_record.path) if item.source_record else None
    if path is None:
        return None
    try:
        (rec,) = load_file(path, show_tax_id=config.context.show_tax_id)
    except (ReporterError, ValueError):
        return None
    return report_only(rec.raw, item.input or item.company_id or str(path), config, kept_side(path))


def write_leveling(out_dir: Path, reports: list[Any], names: Any) -> FileEntry | None:
    try:
        from reporter.render.leveling import render_leveling
    except ImportError:
        return None
    return write_in_folder(out_dir, names.leveling_name(), render_leveling(reports))
