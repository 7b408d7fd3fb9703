"""Fetch stage, output folder: saved records and the incremental-sync state.

Input: complete raw records (dicts with ``Decimal`` numbers) and an output folder.
Output: ``<companyId>.json`` files in the shape ``reporter build`` reads (``saved.load_file``), each
written atomically (temp file, fsync, rename) with every number written back as the same JSON
number text it was read from; and ``.reporter-sync.json``, which remembers, per output folder and
per query scope (base URL, GC company, filters other than the time range), when the last fully
successful ``--all`` run *started*, so ``--updated-since last`` fetches only what changed.

The state is keyed by scope so that a filtered run (``--search Acme``) never advances the clock of
an unfiltered one. When used, the remembered time is moved back by ``SKEW_MARGIN`` to absorb clock
differences between this machine and the API: re-fetching a few records is harmless (upsert by id).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reporter.dates import parse_api_datetime
from reporter.errors import InputError
from reporter.fsio import atomic_write
from reporter.jsonio import dumps_exact

log = logging.getLogger("reporter.api")

STATE_FILE = ".reporter-sync.json"
STATE_VERSION = 1
SKEW_MARGIN = timedelta(minutes=5)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


def record_filename(company_id: Any) -> str:
    """``<companyId>.json``; an id that could escape the folder or hide the file is refused."""
    if not isinstance(company_id, str) or not _SAFE_ID.match(company_id):
        raise InputError(f"cannot save a record with company id {company_id!r} as a file name")
    return f"{company_id}.json"


def save_record(raw: dict[str, Any], out_dir: str | Path) -> Path:
    """Save one complete raw record as ``out_dir/<id>.json`` (atomically); return the path."""
    path = Path(out_dir) / record_filename(raw.get("id"))
    atomic_write(path, (dumps_exact(raw) + "\n").encode("utf-8"))
    return path


# -- sync state ----------------------------------------------------------------------------------


def scope_key(base_url: str, gc_company_id: str | None, filters: dict[str, Any]) -> str:
    """A stable text naming what a run asked for, apart from its time range."""
    return json.dumps(
        {"baseUrl": base_url.rstrip("/"), "gcCompanyId": gc_company_id or None, "filters": filters},
        sort_keys=True,
        separators=(",", ":"),
    )


def _read_state(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s is unreadable (%s); fetching everything", path, type(exc).__name__)
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("scopes"), dict):
        log.warning("%s has an unknown shape; fetching everything", path)
        return {}
    return data


def last_run_start(out_dir: str | Path, scope: str) -> datetime | None:
    """When the last fully successful run of ``scope`` into ``out_dir`` started (None if never)."""
    entry = _read_state(Path(out_dir)).get("scopes", {}).get(scope)
    if not isinstance(entry, dict):
        return None
    try:
        return parse_api_datetime(entry.get("lastRunStartedAt"))
    except ValueError:
        log.warning("%s: bad lastRunStartedAt; fetching everything", Path(out_dir) / STATE_FILE)
        return None


def updated_since_for(out_dir: str | Path, scope: str) -> datetime | None:
    """The lower bound for ``--updated-since last``: last start minus ``SKEW_MARGIN``, or None."""
    start = last_run_start(out_dir, scope)
    return start - SKEW_MARGIN if start else None


def record_run(out_dir: str | Path, scope: str, started_at: datetime) -> None:
    """Remember that a run of ``scope`` that started at ``started_at`` fetched everything."""
    out = Path(out_dir)
    data = _read_state(out) or {"version": STATE_VERSION, "scopes": {}}
    data["version"] = STATE_VERSION
    data["scopes"][scope] = {
        "lastRunStartedAt": started_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    atomic_write(out / STATE_FILE, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))
