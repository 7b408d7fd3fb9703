"""Batch: build many records at once, fast, visibly, completely and repeatably.

Input: an async stream of sources (saved files, or records fetched from the API), a ``BuildConfig``
and a number of worker processes. Output: packets in the output folder, written by the workers
(atomically), and ``manifest.json`` rewritten after every company, so a run killed at any point
leaves only whole files and a manifest that says what is done. Returns a ``BatchOutcome``.

- Renders run in a pool of worker processes (``jobs``), never more than ``2 x jobs`` records in
  flight, so memory does not grow with the number of companies.
- A record whose source (``updatedAt`` and SHA-256 of its canonical JSON) and build settings match
  a finished item of the folder's manifest, with its files intact, is skipped unless ``force``.
- A failing company never stops the others; it is an ``error`` item in the manifest.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.process
import hashlib
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.api.saved import SourceRecord
from reporter.config import BuildConfig, describe_config
from reporter.deliver.files import write_manifest
from reporter.deliver.naming import NamePattern
from reporter.errors import ReporterError
from reporter.fsio import sha256_bytes
from reporter.jsonio import dumps_exact

log = logging.getLogger("reporter.batch")

# Seconds between manifest rewrites during a run (always rewritten at the end). Files finished but
# not yet listed when a run is killed are simply built again by the next run.
MANIFEST_INTERVAL = 0.25


@dataclass
class BatchOutcome:
    items: list[dict[str, Any]]
    built: int = 0
    skipped: int = 0
    failed: int = 0
    leveling: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0


@dataclass(frozen=True)
class Task:
    """One record for a worker: everything it needs, all picklable."""

    label: str
    raw: dict[str, Any]
    name: str
    config: BuildConfig
    fingerprint: dict[str, Any]


def source_fingerprint(raw: dict[str, Any], settings_hash: str) -> dict[str, Any]:
    canonical = dumps_exact(raw, indent=None).encode("utf-8")
    return {
        "updatedAt": raw.get("updatedAt") or raw.get("dateUpdated"),
        "sha256": sha256_bytes(canonical),
        "settings": settings_hash,
    }


def settings_hash(config: BuildConfig, name_pattern: str = "") -> str:
    """What, besides the record, decides a packet's bytes and names: a change rebuilds it."""
    desc = describe_config(config)
    desc["namePattern"] = name_pattern
    return hashlib.sha256(json.dumps(desc, sort_keys=True, default=str).encode()).hexdigest()[:16]


def build_task(task: Task) -> dict[str, Any]:
    """Worker side: validate, transform, render and write one record; return its manifest item."""
    from reporter.api.saved import validate_record
    from reporter.pipeline import render_packet, write_packet

    item = _item(task.label, task.raw.get("id"), task.raw.get("companyName"))
    item["source"] = task.fingerprint
    try:
        source = validate_record(task.raw, task.label)
        item["companyId"], item["companyName"] = source.model.id, source.model.companyName
        packet = render_packet(source, task.config, task.name)
        item["files"] = write_packet(packet, task.config.out_dir)
        item["sourceRecord"] = write_source(task.raw, task.name, task.config)
    except ReporterError as exc:
        item.update(status="error", error=one_line(str(exc)))
        return item
    except Exception as exc:  # a bug in one record must not end the batch
        if task.config.debug:
            raise
        item.update(status="error", error=one_line(f"internal error: {type(exc).__name__}: {exc}"))
        return item
    r = packet.report
    item["verdict"] = r.verdict
    item["qualificationStatus"] = r.qualification.status
    item["flagCounts"] = {sev: sum(1 for f in r.flags if f.severity == sev) for sev in ("high", "medium", "low")}
    item["topFlags"] = [f.message for f in r.flags[:3]]
    item["warnings"] = packet.warnings[:20]
    item["_report"] = slim_report(r)  # for the leveling workbook; dropped before the manifest is written
    return item


SOURCES_DIR = "sources"


def one_line(text: str) -> str:
    """Errors go in the manifest, a log line and the summary line: never several lines."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def write_source(raw: dict[str, Any], name: str, config: BuildConfig) -> dict[str, Any]:
    """Keep the record as received beside its packet (``sources/<name>.json``, tax ids masked
    unless ``--show-tax-id``): the archive can be re-checked and re-rendered (``reporter send
    --redact``) without the API."""
    from reporter.deliver.files import file_entry
    from reporter.fsio import atomic_write
    from reporter.pipeline import source_json

    data = source_json(raw, config)
    path = config.out_dir / SOURCES_DIR / f"{name}.json"
    atomic_write(path, data)
    return file_entry(config.out_dir, path, data)


def slim_report(report: Any) -> Any:
    """The report without its long nested lists (offices, questions...): what leveling reads,
    small enough to keep one per company for the whole run."""
    report.sections = {k: v for k, v in report.sections.items() if k in ("insurance", "emr", "osha", "revenue")}
    return report


def _report_only(raw: dict[str, Any], label: str, config: BuildConfig) -> Any:
    """The (slim) report of a record whose packet is unchanged: transform only, no rendering."""
    from reporter.api.saved import validate_record
    from reporter.transform.report import build_report

    try:
        return slim_report(build_report(validate_record(raw, label).model, config.context))
    except ReporterError:
        return None


def _item(label, company_id, company_name) -> dict[str, Any]:
    return {
        "input": label,
        "companyId": company_id,
        "companyName": company_name,
        "status": "ok",
        "error": None,
        "files": {},
    }


def previous_items(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Finished items of the folder's last manifest, by company id."""
    try:
        doc = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    items = doc.get("items") if isinstance(doc, dict) else None
    return {
        i["companyId"]: i for i in (items if isinstance(items, list) else [])
        if isinstance(i, dict) and i.get("status") == "ok" and isinstance(i.get("companyId"), str)
    }


def item_entries(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The file entries of a manifest item: its packet files, then its kept source record."""
    files = item.get("files")
    entries = list(files.values()) if isinstance(files, dict) else []
    if item.get("sourceRecord"):
        entries.append(item["sourceRecord"])
    return entries


def item_names(item: dict[str, Any]) -> set[str]:
    """The base names (lower case) an item's files use: taken in the folder while it is listed."""
    return {Path(e["path"]).stem.lower() for e in item_entries(item) if isinstance(e, dict) and isinstance(e.get("path"), str)}


def unchanged(prev: dict[str, Any] | None, fingerprint: dict[str, Any], out_dir: Path) -> bool:
    return bool(prev) and prev.get("source") == fingerprint and files_intact(prev, out_dir)


def files_intact(item: dict[str, Any], out_dir: Path) -> bool:
    """Are the item's packet files (and kept source record) all there, inside the folder, at their
    listed sizes?"""
    from reporter.fsio import inside

    if not item.get("files"):
        return False
    for entry in item_entries(item):
        p = inside(out_dir, entry.get("path")) if isinstance(entry, dict) else None
        try:
            if p is None or p.stat().st_size != entry.get("bytes"):
                return False
        except OSError:
            return False
    return True


class Progress:
    """A progress bar on a terminal (rich), plain log lines otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        self.task = None
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task("", total=None)

    def total(self, n: int | None) -> None:
        if self.bar:
            self.bar.update(self.task, total=n)

    def done(self, item: dict[str, Any], how: str) -> None:
        name = item.get("companyName") or item.get("input")
        if how == "error":
            line = f"failed: {name}: {item['error']}"
            if self.bar:
                self.bar.console.print(f"[red]{line}[/red]", highlight=False, markup=True)
            else:
                log.error("%s", line)
        elif how == "skipped":
            log.debug("unchanged, skipped: %s", name)
        else:
            if not self.bar:
                log.info("built %s: %s (%s)", name, (item.get("verdict") or "?").upper(), item.get("qualificationStatus") or "no status")
        if self.bar:
            self.bar.update(self.task, advance=1, description=str(name)[:40])

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


def _warm(_: int) -> int:
    return os.getpid()


def make_pool(jobs: int) -> concurrent.futures.Executor | None:
    """A pool of ``jobs`` worker processes, started now (before any thread), or None for 1 job."""
    if jobs <= 1:
        return None
    import weasyprint  # noqa: F401 - imported once here, inherited by the forked workers

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    list(pool.map(_warm, range(jobs)))  # start every worker before the event loop's threads
    return pool


async def run_batch(
    sources: AsyncIterator[tuple[str, SourceRecord | dict | ReporterError]],
    config: BuildConfig,
    *,
    jobs: int = 1,
    force: bool = False,
    names: NamePattern | None = None,
    progress: bool = True,
    total: int | None = None,
    pool: concurrent.futures.Executor | None = None,
) -> BatchOutcome:
    """Build every source; see the module docstring. A ``pool`` replaced after a worker crash is
    shut down here; the caller shuts down the one it passed."""
    out_dir = config.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob(".*.part"), *out_dir.glob(f"{SOURCES_DIR}/.*.part")]:  # left by a killed run
        stale.unlink(missing_ok=True)
    names = names or NamePattern.for_config(config)
    header = {"build": describe_config(config)}
    shash = settings_hash(config, names.pattern)
    earlier = previous_items(out_dir)
    prev = {} if force else earlier
    outcome = BatchOutcome(items=[])
    reports: list[Any] = []
    # Names never handed to a record: the folder's own files, and (so a later run never overwrites
    # them) the names of packets that other companies hold in the folder.
    used: set[str] = {"manifest", Path(names.leveling_name()).stem.lower()}
    owner = {n: cid for cid, item in earlier.items() for n in item_names(item)}
    started: set[str] = set()  # companies handed to a worker: their earlier files may be replaced
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(max(2 * jobs, 2))
    running: set[asyncio.Task] = set()
    bar = Progress(progress)
    bar.total(total)

    last_write = 0.0
    order: dict[int, int] = {}  # id(item) -> position of its source, so the manifest keeps input order

    def record(item: dict[str, Any], how: str, seq: int) -> None:
        report = item.pop("_report", None)
        if report is not None:
            reports.append((seq, report))
        order[id(item)] = seq
        outcome.items.append(item)
        outcome.items.sort(key=lambda i: order[id(i)])
        nonlocal last_write
        now = time.monotonic()
        if now - last_write >= MANIFEST_INTERVAL:  # a killed run loses at most this much bookkeeping
            # Earlier packets this run has not reached stay listed, so a run killed now leaves them
            # indexed (and skippable) instead of dropping them from the folder's manifest.
            seen = {i.get("companyId") for i in outcome.items} | started
            waiting = [dict(i, fromEarlierRun=True) for c, i in earlier.items() if c not in seen]
            write_manifest(out_dir, outcome.items + waiting, header)
            last_write = now
        if how == "error":
            outcome.failed += 1
        elif how == "skipped":
            outcome.skipped += 1
        else:
            outcome.built += 1
        bar.done(item, how)

    workers = {"pool": pool, "generation": 0}
    alone = asyncio.Lock()  # retries after a worker crash run one at a time

    async def in_worker(task: Task) -> dict[str, Any]:
        """Run ``task`` in the pool. If a worker process dies (a crash in a native library, the
        OOM killer) every record in flight sees the pool break: start fresh workers and retry each
        of them once, one at a time, so only the record that kills its worker fails."""
        for attempt in (1, 2):
            generation = workers["generation"]
            try:
                if attempt == 1:
                    return await loop.run_in_executor(workers["pool"], build_task, task)
                async with alone:
                    generation = workers["generation"]
                    return await loop.run_in_executor(workers["pool"], build_task, task)
            except concurrent.futures.process.BrokenProcessPool:
                if workers["generation"] == generation:  # first to notice: replace the pool
                    log.warning("a worker process died; starting new workers")
                    workers["pool"].shutdown(wait=False, cancel_futures=True)
                    workers["pool"] = make_pool(jobs)
                    workers["generation"] += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def run_one(task: Task, seq: int) -> None:
        try:
            item = build_task(task) if workers["pool"] is None else await in_worker(task)
        except Exception as exc:  # the worker died twice on this record: it fails, others go on
            if config.debug:
                raise
            item = _item(task.label, task.raw.get("id"), task.raw.get("companyName"))
            reason = "the worker process died while rendering it" if isinstance(
                exc, concurrent.futures.process.BrokenProcessPool) else f"{type(exc).__name__}: {exc}"
            item.update(status="error", error=one_line(f"worker failed: {reason}"))
        finally:
            slots.release()
        record(item, "error" if item["status"] == "error" else "built", seq)

    seq = -1
    try:
        async for label, source in sources:
            seq += 1
            if total is not None and seq + 1 > total:  # a list page held several records
                total = seq + 1
                bar.total(total)
            if isinstance(source, ReporterError):
                item = _item(label, getattr(source, "company_id", None), None)
                item.update(status="error", error=one_line(str(source)))
                record(item, "error", seq)
                continue
            raw = source.raw if isinstance(source, SourceRecord) else source
            company_id = raw.get("id")
            fp = source_fingerprint(raw, shash)
            was = prev.get(company_id) if company_id else None
            if was and not (item_names(was) & used) and unchanged(was, fp, out_dir):
                used.update(item_names(was))  # its files keep their names: nobody else gets them
                kept = dict(was, input=label)
                kept.pop("fromEarlierRun", None)
                if "xlsx" in config.formats:
                    kept["_report"] = _report_only(raw, label, config)
                record(kept, "skipped", seq)
                continue
            taken = used | {n for n, cid in owner.items() if cid != company_id}
            name = names.unique(raw, taken)
            used.add(name.lower())
            if company_id:
                started.add(company_id)
            await slots.acquire()
            t = asyncio.ensure_future(run_one(Task(label, raw, name, config, fp), seq))
            running.add(t)
            t.add_done_callback(running.discard)
            await asyncio.sleep(0)
        if running:
            await asyncio.gather(*running)
    finally:
        for t in running:
            t.cancel()
        bar.close()
        if workers["pool"] is not pool:
            workers["pool"].shutdown(cancel_futures=True)

    carry_earlier(earlier, outcome, reports, config, seq + 1)
    reports = [r for _, r in sorted(reports, key=lambda t: t[0]) if r is not None]
    if "xlsx" in config.formats and len(reports) > 1:
        outcome.leveling = write_leveling(out_dir, reports, names)
        header["leveling"] = outcome.leveling
    write_manifest(out_dir, outcome.items, {**header, **({"leveling": outcome.leveling} if outcome.leveling else {})})
    return outcome


def carry_earlier(earlier: dict[str, dict[str, Any]], outcome: BatchOutcome, reports: list, config: BuildConfig,
                  seq: int) -> None:
    """Keep listing the packets of earlier runs that this run did not touch (an incremental
    ``--updated-since`` run builds only what changed): the manifest stays the index of the whole
    folder, and the leveling workbook compares every bidder in it."""
    from reporter.fsio import inside

    seen = {i.get("companyId") for i in outcome.items}
    listed = {e.get("path") for i in outcome.items for e in item_entries(i) if isinstance(e, dict)}
    for company_id, item in earlier.items():
        if company_id in seen or not files_intact(item, config.out_dir):
            continue
        if any(e.get("path") in listed for e in item_entries(item)):  # its files now hold another packet
            continue
        kept = dict(item, fromEarlierRun=True)
        outcome.items.append(kept)
        if "xlsx" in config.formats and item.get("sourceRecord"):
            from reporter.api.saved import load_file

            path = inside(config.out_dir, item["sourceRecord"].get("path"))
            if path is None:
                continue
            try:
                (rec,) = load_file(path)
            except (ReporterError, ValueError):
                continue
            reports.append((seq, _report_only(rec.raw, item.get("input") or company_id, config)))
            seq += 1


def write_leveling(out_dir: Path, reports: list[Any], names: NamePattern) -> dict[str, Any] | None:
    try:
        from reporter.render.leveling import render_leveling
    except ImportError:
        return None
    from reporter.deliver.files import file_entry
    from reporter.fsio import atomic_write

    data = render_leveling(reports)
    path = out_dir / names.leveling_name()
    atomic_write(path, data)
    return file_entry(out_dir, path, data)
