"""Batch: one record's work, run in a worker process (or in the parent for one job).

Input: a ``Task`` (the record, its file name, the build settings, its fingerprint). Output: the
company's manifest ``Item`` and its slim report (for the leveling workbook), after validating,
transforming, rendering and writing its files. Nothing a record does escapes as an exception:
every failure becomes an ``error`` item with one line naming the record. A worker whose parent
has died writes nothing (``parent_alive`` is checked before each write).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from reporter import pipeline  # by module: a test may replace its functions before the workers fork
from reporter.api.saved import validate_record
from reporter.api.side_files import SideDocs, side_files_for
from reporter.config import BuildConfig, describe_config
from reporter.deliver.manifest import FileEntry, Item, one_line, write_in_folder
from reporter.errors import ReporterError
from reporter.fsio import sha256_bytes
from reporter.jsonio import dumps_exact
from reporter.transform.report import build_report

SOURCES_DIR = "sources"

# The pid of the process that started this worker (None in the parent itself): a worker never
# writes once that process is gone.
_PARENT: int | None = None


class TookTooLong(ReporterError):
    """A record's transform and render ran past ``BuildConfig.record_seconds``."""


@contextmanager
def time_limit(seconds: float, label: str) -> Iterator[None]:
    """Interrupt the work inside after ``seconds`` (SIGALRM; on a main thread, as in every worker and
    a one-job build). A hostile record (a 100 KB name without spaces, thousands of rows) fails alone
    instead of holding its worker for minutes."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TookTooLong(f"{label}: gave up after {seconds:g} s (the record is too large or too odd to lay out)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ParentGone(Exception):
    """The run that started this worker has ended: stop without writing."""


@dataclass(frozen=True)
class Task:
    """One record for a worker: everything it needs, all picklable."""

    label: str
    raw: dict[str, Any]
    name: str
    config: BuildConfig
    fingerprint: dict[str, Any]
    side: SideDocs | None = None  # the TradeTapp financials and flags read or fetched with it


@dataclass(frozen=True)
class Fetched:
    """A record fetched from the API with its financials and flags (``reporter.api.fetch``)."""

    raw: dict[str, Any]
    side: SideDocs | None = None


def source_fingerprint(raw: dict[str, Any], settings_hash: str, side: SideDocs | None = None) -> dict[str, Any]:
    canonical = dumps_exact(raw, indent=None).encode("utf-8")
    fp = {
        "updatedAt": raw.get("updatedAt") or raw.get("dateUpdated"),
        "sha256": sha256_bytes(canonical),
        "settings": settings_hash,
    }
    if side is not None:  # a changed flag or statement rebuilds the packet
        fp["side"] = sha256_bytes(side.canonical().encode("utf-8"))
    return fp


def settings_hash(config: BuildConfig, name_pattern: str = "") -> str:
    """What, besides the record, decides a packet's bytes and names: a change rebuilds it."""
    desc = describe_config(config)
    desc["namePattern"] = name_pattern
    return hashlib.sha256(json.dumps(desc, sort_keys=True, default=str).encode()).hexdigest()[:16]


def text_or_none(value: Any) -> str | None:
    """A record's id or name as the manifest keeps it: a string, else nothing (``"id": 12345``
    is reported as the record's error, never written as a number)."""
    return value if isinstance(value, str) else None


def new_item(label: str, raw: Any) -> Item:
    raw = raw if isinstance(raw, dict) else {}
    return Item(input=label, company_id=text_or_none(raw.get("id")), company_name=text_or_none(raw.get("companyName")))


def failure_text(exc: BaseException, label: str) -> str:
    """One line for a record's failure, naming its input (``label``: the file, and the index in a
    list page): a ``ReporterError``'s own message (which names it already), a file error naming
    its path, anything else as an internal error."""
    if isinstance(exc, ReporterError):
        text = str(exc)
    elif isinstance(exc, OSError):
        text = f"cannot write {exc.filename}: {exc.strerror or exc}" if exc.filename else f"cannot write: {exc.strerror or exc}"
    else:
        text = f"internal error: {type(exc).__name__}: {exc}"
    return one_line(text if text.startswith(label) else f"{label}: {text}")


def parent_alive() -> bool:
    return _PARENT is None or os.getppid() == _PARENT


def _check_parent() -> None:
    if not parent_alive():
        raise ParentGone


def build_task(task: Task) -> tuple[Item, Any]:
    """Worker side: validate, transform, render and write one record; its item and slim report."""
    item = new_item(task.label, task.raw)
    item.source = task.fingerprint
    try:
        source = validate_record(task.raw, task.label, show_tax_id=task.config.context.show_tax_id)
        source = dataclasses.replace(source, side=task.side)
        item.company_id, item.company_name = text_or_none(source.model.id), text_or_none(source.model.companyName)
        with time_limit(task.config.record_seconds, task.label):
            packet = pipeline.render_packet(source, task.config, task.name)
        _check_parent()
        item.files = pipeline.write_packet(packet, task.config.out_dir)
        _check_parent()
        item.source_record = write_source(packet.source, task.name, task.config)
        for key, body in pipeline.side_json(source, task.config).items():
            item.side_records[key] = write_in_folder(task.config.out_dir, f"{SOURCES_DIR}/{task.name}.{key}.json", body)
    except ParentGone:
        os._exit(1)
    except Exception as exc:  # a bug in one record must not end the batch
        if task.config.debug:
            raise
        return item.failed(failure_text(exc, task.label)), None
    r = packet.report
    item.verdict = r.verdict
    item.qualification_status = r.qualification.status
    item.flag_counts = {sev: sum(1 for f in r.flags if f.severity == sev) for sev in ("high", "medium", "low")}
    item.top_flags = [one_line(f.message) for f in r.flags[:3]]
    item.warnings = [one_line(w) for w in packet.warnings[:20]]
    return item, slim_report(r)


def write_source(archived: bytes, name: str, config: BuildConfig) -> FileEntry:
    """Keep the record as received beside its packet (``sources/<name>.json``, tax ids masked
    unless ``--show-tax-id``): the archive can be re-checked and re-rendered (``reporter send
    --redact``) without the API."""
    return write_in_folder(config.out_dir, f"{SOURCES_DIR}/{name}.json", archived)


def slim_report(report: Any) -> Any:
    """The report without its long nested lists (offices, questions...): what leveling reads (its trade column: the CSI codes),
    small enough to keep one per company for the whole run."""
    report.sections = {k: v for k, v in report.sections.items() if k in ("insurance", "emr", "osha", "revenue", "csiCodes")}
    return report


def report_only(raw: dict[str, Any], label: str, config: BuildConfig, side: SideDocs | None = None) -> Any:
    """The (slim) report of a record whose packet is unchanged: transform only, no rendering."""
    try:
        source = dataclasses.replace(validate_record(raw, label, show_tax_id=config.context.show_tax_id), side=side)
        return slim_report(build_report(source.model, config.context, pipeline.side_of(source, config.context.show_tax_id)))
    except Exception:  # the record built before; a report that cannot be made again only leaves leveling short
        return None


def kept_side(source_path: Any) -> SideDocs | None:
    """The side files kept beside a packet's ``sources/<name>.json`` (None when there are none)."""
    try:
        found = side_files_for(source_path)
    except ReporterError:
        return None
    if found.financials_raw is None and found.flags_raw is None:
        return None
    return SideDocs.of(found)


def worker_init(parent: int) -> None:
    """In each worker process: die with the parent (Linux: ``PR_SET_PDEATHSIG``), and remember it
    so nothing is written once it is gone (other systems, and the moment before prctl)."""
    global _PARENT
    _PARENT = parent
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
