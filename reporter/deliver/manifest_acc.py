"""Deliver stage: the ACC filing part of ``manifest.json`` (owned with ``reporter.deliver.manifest``).

Input: a built folder (or a ``Manifest``) and ``AccRecord`` values. Output: ``filed_entries`` (the
files ``reporter file`` puts in ACC Docs), ``filing_copy`` (the manifest as filed: without
``accFiling``, so recording a filing does not change what was filed), ``write_acc_records``
(rewrites only ``accFiling`` and ``accFilingErrors``, every other key as it was, ``generatedAt``
too), ``acc_failures`` (the files the last filing could not file), ``previous_acc`` and
``carried_acc`` (a rebuild keeps the records of the files it still lists; not the failures: the
next filing tries every file that is not filed anyway).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reporter.deliver.acc_records import AccRecord, records_to_json
from reporter.deliver.manifest import ACC_KEY, MANIFEST, FileEntry, Manifest, read_manifest
from reporter.errors import DeliveryError
from reporter.fsio import atomic_write

ACC_ERRORS_KEY = "accFilingErrors"


class RecordsNotWritten(DeliveryError):
    """The manifest could not take a filing record (disk full, read-only folder): filing stops, since
    nothing it did after that could be remembered."""


def filed_entries(manifest: Manifest) -> list[FileEntry]:
    """The files ``reporter file`` puts in ACC Docs: every packet file of every ``ok`` item, the
    leveling workbook, and any other file entry (``{"path", "sha256", "bytes"}``) the manifest
    lists outside the items -- bid-leveling workbooks, award recommendations -- except the kept
    source records (``sources/``: raw API answers, never filed). Each path once, in manifest order."""
    found: list[FileEntry] = [e for i in manifest.ok_items() for e in i.files.values()]
    if manifest.leveling:
        found.append(manifest.leveling)
    doc = manifest.to_json()
    for key in ("items", "leveling", "build", ACC_KEY, ACC_ERRORS_KEY):
        doc.pop(key, None)
    found += _entries_in(doc, 0)
    seen: set[Any] = set()
    out: list[FileEntry] = []
    for e in found:
        if isinstance(e.path, str) and e.path and e.path not in seen and not e.path.startswith("sources/"):
            seen.add(e.path)
            out.append(e)
    return out


def _entries_in(value: Any, depth: int) -> list[FileEntry]:
    if depth > 8:
        return []
    if isinstance(value, dict):
        if isinstance(value.get("path"), str) and isinstance(value.get("sha256"), str) \
                and isinstance(value.get("bytes"), int):
            return [FileEntry.from_json(value)]
        return [e for v in value.values() for e in _entries_in(v, depth + 1)]
    if isinstance(value, list):
        return [e for v in value for e in _entries_in(v, depth + 1)]
    return []


def _manifest_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _raw_manifest(folder: Path) -> dict[str, Any]:
    read_manifest(folder)  # the one place that says what is wrong with it
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def filing_copy(folder: Path) -> bytes:
    """``manifest.json`` as filed into ACC Docs: every key but ``accFiling`` and ``accFilingErrors``,
    so the copy (and its SHA-256) changes only when a build changes the folder, not when a filing is
    recorded."""
    doc = _raw_manifest(folder)
    doc.pop(ACC_KEY, None)
    doc.pop(ACC_ERRORS_KEY, None)
    return _manifest_bytes(doc)


def write_acc_records(folder: Path, records: dict[str, AccRecord],
                      failures: dict[str, dict[str, Any]] | None = None) -> None:
    """Rewrite ``accFiling`` (and, when ``failures`` is given, ``accFilingErrors``) only
    (atomically; every other key as it was, ``generatedAt`` too); ``DeliveryError`` naming the path
    on an OS error."""
    path = Path(folder) / MANIFEST
    doc = _raw_manifest(folder)
    doc.pop(ACC_KEY, None)
    if records:
        doc[ACC_KEY] = records_to_json(records)
    if failures is not None:
        doc.pop(ACC_ERRORS_KEY, None)
        if failures:
            doc[ACC_ERRORS_KEY] = {k: failures[k] for k in sorted(failures)}
    try:
        atomic_write(path, _manifest_bytes(doc))
    except OSError as exc:
        raise RecordsNotWritten(f"{path}: cannot write the manifest ({exc.strerror or exc}); filing stopped, "
                                "what was filed is in ACC and is found again by the next run") from None


def acc_failures(manifest: Manifest) -> dict[str, dict[str, Any]]:
    """``accFilingErrors``: the files the last filing run could not file, by path (malformed entries dropped)."""
    raw = manifest.extra.get(ACC_ERRORS_KEY)
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, dict)}


def previous_acc(out_dir: Path) -> dict[str, AccRecord]:
    """The ACC filing records of the folder's manifest (none when it is missing or bad)."""
    try:
        return read_manifest(out_dir).acc_filing
    except DeliveryError:
        return {}


def carried_acc(earlier: dict[str, AccRecord], manifest: Manifest) -> dict[str, AccRecord]:
    """The earlier records a rewritten manifest keeps: those of files it still lists (a rebuilt
    file keeps its record, so the next filing makes a new version of the same ACC item) and of
    the manifest itself."""
    listed = {e.path for e in [*manifest.entries(), *filed_entries(manifest)] if isinstance(e.path, str)}
    listed.add(MANIFEST)
    return {path: r for path, r in earlier.items() if path in listed}
