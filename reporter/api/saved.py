"""Fetch stage, offline: read saved qualification records from JSON files.

Input: a path to a file holding one record exactly as ``GET /qualifications/{companyId}`` returns it,
or a list page (``{"pagination": ..., "results": [...]}``) holding several (a bare JSON list of
records is accepted too). Output: ``SourceRecord`` values (the raw dict, decoded with exact
decimals, plus its validated ``Qualification``). Nested lists in a saved file are taken as complete.

Tax ids are masked here, as the record enters the pipeline: a ``SourceRecord``'s ``raw`` and
``model`` hold every tax id masked to its last 4 characters (``reporter.tax_ids.mask_tax_ids``)
unless the caller passes ``show_tax_id=True`` (``--show-tax-id``), so nothing downstream (the kept
``sources/`` copy, the PDF's embedded record, the workbook, the report JSON, mail) can leak one.

Bounds are checked here too: the JSON reader's (``reporter.jsonio``) and a record's size and figures
(``reporter.limits``). Every failure is an ``InputError`` whose one-line message names the file (and
the record's index in a list page) and what is wrong; a bad record in a list fails alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reporter.api.models import Qualification
from reporter.errors import InputError
from reporter.jsonio import JsonRefused, loads_checked
from reporter.limits import MAX_FILE_BYTES, LimitExceeded, check_model_numbers, check_record_size
from reporter.tax_ids import mask_tax_ids


@dataclass(frozen=True)
class SourceRecord:
    """One record as read: where it came from, the raw JSON object and its validated model."""

    source: str
    raw: dict[str, Any]
    model: Qualification
    side: Any = None  # reporter.api.side_files.SideDocs: the financials and flags saved beside it


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem of a pydantic error as ``field.path: reason``."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {first['msg']}{suffix}"


def validate_record(raw: Any, source: str, *, show_tax_id: bool = False) -> SourceRecord:
    """Validate one decoded record; ``source`` names it in errors. Its size and figures must be
    within ``reporter.limits``; its tax ids are masked unless ``show_tax_id``."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: expected a qualification record (a JSON object), got {_kind(raw)}")
    if "id" not in raw and "companyName" not in raw:
        raise InputError(
            f"{source}: not a qualification record (no 'id' or 'companyName'; keys: {_keys(raw)})"
        )
    try:
        check_record_size(raw)
    except LimitExceeded as exc:
        raise InputError(f"{source}: {exc}") from None
    if not show_tax_id:
        raw = mask_tax_ids(raw)
    try:
        model = Qualification.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{source}: {describe_validation_error(exc)}") from exc
    try:
        check_model_numbers(model)
    except LimitExceeded as exc:
        raise InputError(f"{source}: {exc}") from None
    if not model.id:
        raise InputError(f"{source}: record has no company 'id'")
    return SourceRecord(source=source, raw=raw, model=model)


def records_from_document(
    doc: Any, source: str, *, show_tax_id: bool = False, refused: list[JsonRefused] | None = None
) -> list[SourceRecord | InputError]:
    """Split a decoded document (one record, a list page or a bare list) into records; a bad record
    inside a list is returned as its ``InputError`` so the others are still built. ``refused``: what
    the JSON reader refused (``jsonio.loads_checked``); one inside a list's record fails that record
    alone, any other fails the document."""
    refused = refused or []
    if isinstance(doc, dict) and "results" in doc and "id" not in doc:
        results = doc["results"]
        if not isinstance(results, list):
            raise InputError(f"{source}: 'results' should be a list, got {_kind(results)}")
        items = results
        label, depth = "results[{}]", 1
    elif isinstance(doc, list):
        items = doc
        label, depth = "[{}]", 0
    else:
        if refused:
            raise InputError(f"{source}: {refused[0]}")
        return [validate_record(doc, source, show_tax_id=show_tax_id)]
    outside = [r for r in refused if len(r.path) <= depth or not isinstance(r.path[depth], int)]
    if outside:
        raise InputError(f"{source}: {outside[0]}")
    if not items:
        raise InputError(f"{source}: the list holds no records")
    bad: dict[int, JsonRefused] = {}
    for r in refused:
        bad.setdefault(r.path[depth], r.below(depth + 1))
    out: list[SourceRecord | InputError] = []
    for i, item in enumerate(items):
        name = f"{source} {label.format(i)}"
        if i in bad:
            out.append(InputError(f"{name}: {bad[i]}"))
            continue
        try:
            out.append(validate_record(item, name, show_tax_id=show_tax_id))
        except InputError as exc:
            out.append(exc)
    return out


def load_file(path: str | Path, *, show_tax_id: bool = False) -> list[SourceRecord]:
    """Read one saved file; raise ``InputError`` naming it (and the record) on any problem."""
    items = load_file_items(path, show_tax_id=show_tax_id)
    records: list[SourceRecord] = []
    for item in items:
        if isinstance(item, InputError):
            raise item
        records.append(item)
    return records


def load_file_items(path: str | Path, *, show_tax_id: bool = False) -> list[SourceRecord | InputError]:
    """Read one saved file; a file-level problem raises ``InputError``, a bad record inside a list
    page comes back as its ``InputError`` in place. Tax ids masked unless ``show_tax_id``."""
    p = Path(path)
    name = str(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{name}: {p.stat().st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a saved file may hold")
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, expected a JSON file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from exc
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        doc, refused = loads_checked(text)
    except JsonRefused as exc:
        raise InputError(f"{name}: {exc}") from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise InputError(
                f"{name}: JSON ends too early at line {exc.lineno} (file truncated?)"
            ) from None
        raise InputError(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    return records_from_document(doc, name, show_tax_id=show_tax_id, refused=refused)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _keys(raw: dict) -> str:
    keys = list(raw)[:5]
    return ", ".join(keys) + (", ..." if len(raw) > 5 else "") if keys else "none"


