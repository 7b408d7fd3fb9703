"""Fetch stage, offline: read saved qualification records from JSON files.

Input: a path to a file holding one record exactly as ``GET /qualifications/{companyId}`` returns it,
or a list page (``{"pagination": ..., "results": [...]}``) holding several (a bare JSON list of
records is accepted too). Output: ``SourceRecord`` values (the raw dict, decoded with exact
decimals, plus its validated ``Qualification``). Nested lists in a saved file are taken as complete.

Every failure is an ``InputError`` whose one-line message names the file and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reporter.api.models import Qualification
from reporter.errors import InputError
from reporter.jsonio import loads_exact


@dataclass(frozen=True)
class SourceRecord:
    """One record as read: where it came from, the raw JSON object and its validated model."""

    source: str
    raw: dict[str, Any]
    model: Qualification


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem of a pydantic error as ``field.path: reason``."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {first['msg']}{suffix}"


def validate_record(raw: Any, source: str) -> SourceRecord:
    """Validate one decoded record; ``source`` names it in errors."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: expected a qualification record (a JSON object), got {_kind(raw)}")
    if "id" not in raw and "companyName" not in raw:
        raise InputError(
            f"{source}: not a qualification record (no 'id' or 'companyName'; keys: {_keys(raw)})"
        )
    try:
        model = Qualification.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{source}: {describe_validation_error(exc)}") from exc
    if not model.id:
        raise InputError(f"{source}: record has no company 'id'")
    return SourceRecord(source=source, raw=raw, model=model)


def records_from_document(doc: Any, source: str) -> list[SourceRecord | InputError]:
    """Split a decoded document (one record, a list page or a bare list) into records; a bad record
    inside a list is returned as its ``InputError`` so the others are still built."""
    if isinstance(doc, dict) and "results" in doc and "id" not in doc:
        results = doc["results"]
        if not isinstance(results, list):
            raise InputError(f"{source}: 'results' should be a list, got {_kind(results)}")
        items = results
        label = "results[{}]"
    elif isinstance(doc, list):
        items = doc
        label = "[{}]"
    else:
        return [validate_record(doc, source)]
    if not items:
        raise InputError(f"{source}: the list holds no records")
    out: list[SourceRecord | InputError] = []
    for i, item in enumerate(items):
        try:
            out.append(validate_record(item, f"{source} {label.format(i)}"))
        except InputError as exc:
            out.append(exc)
    return out


def load_file(path: str | Path) -> list[SourceRecord]:
    """Read one saved file; raise ``InputError`` naming it (and the record) on any problem."""
    records: list[SourceRecord] = []
    for item in load_file_items(path):
        if isinstance(item, InputError):
            raise item
        records.append(item)
    return records


def load_file_items(path: str | Path) -> list[SourceRecord | InputError]:
    """Read one saved file; a file-level problem raises ``InputError``, a bad record inside a list
    page comes back as its ``InputError`` in place."""
    p = Path(path)
    name = str(path)
    try:
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
        doc = loads_exact(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise InputError(
                f"{name}: JSON ends too early at line {exc.lineno} (file truncated?)"
            ) from None
        raise InputError(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    return records_from_document(doc, name)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _keys(raw: dict) -> str:
    keys = list(raw)[:5]
    return ", ".join(keys) + (", ..." if len(raw) > 5 else "") if keys else "none"


