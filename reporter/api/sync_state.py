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
``plan_sync`` holds the rule of when a run may advance the clock.

Tax ids never reach the state file in clear: a ``--federal-tax-id`` filter is kept in a scope as a
salted, slow hash (PBKDF2-SHA256, ``HASH_ROUNDS`` rounds, a random salt per folder kept in the
file), enough to tell two filters apart, and the file is written mode 0600. A scope written in
clear by an older version is dropped on the next write.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reporter.api.settings import QueryFilters, is_company_id
from reporter.dates import parse_api_datetime
from reporter.errors import InputError
from reporter.fsio import atomic_write
from reporter.jsonio import dumps_exact

log = logging.getLogger("reporter.api")

STATE_FILE = ".reporter-sync.json"
STATE_VERSION = 1
SKEW_MARGIN = timedelta(minutes=5)
HASH_ROUNDS = 200_000
TAX_ID_FILTER = "filter[federalTaxId]"
_HASHED = "pbkdf2-sha256:"


def record_filename(company_id: Any) -> str:
    """``<companyId>.json``; an id that could escape the folder or hide the file is refused."""
    if not is_company_id(company_id):
        raise InputError(f"cannot save a record with company id {company_id!r} as a file name")
    return f"{company_id}.json"


def save_record(raw: dict[str, Any], out_dir: str | Path) -> Path:
    """Save one complete raw record as ``out_dir/<id>.json`` (atomically); return the path."""
    path = Path(out_dir) / record_filename(raw.get("id"))
    atomic_write(path, (dumps_exact(raw) + "\n").encode("utf-8"))
    return path


# -- sync state ----------------------------------------------------------------------------------


def scope_key(base_url: str, gc_company_id: str | None, filters: dict[str, Any], *, salt: str = "") -> str:
    """A stable text naming what a run asked for, apart from its time range; a tax id filter
    appears only as a hash salted with ``salt`` (the folder's, ``folder_salt``)."""
    if filters.get(TAX_ID_FILTER):
        filters = {**filters, TAX_ID_FILTER: hash_tax_ids(str(filters[TAX_ID_FILTER]), salt)}
    return json.dumps(
        {"baseUrl": base_url.rstrip("/"), "gcCompanyId": gc_company_id or None, "filters": filters},
        sort_keys=True,
        separators=(",", ":"),
    )


def hash_tax_ids(value: str, salt: str) -> str:
    """A slow salted hash of a tax id filter (the same ids in any order hash the same)."""
    ids = ",".join(sorted({t.strip() for t in value.split(",") if t.strip()}))
    digest = hashlib.pbkdf2_hmac("sha256", ids.encode("utf-8"), salt.encode("utf-8"), HASH_ROUNDS)
    return _HASHED + digest.hex()


def folder_salt(out_dir: str | Path) -> str:
    """The folder's salt, or a new random one (kept by ``record_run`` with the first scope)."""
    salt = _read_state(Path(out_dir)).get("salt")
    return salt if isinstance(salt, str) and len(salt) >= 16 else secrets.token_hex(16)


def _clear_tax_ids(scope: str) -> bool:
    """True for a scope an older version wrote with the tax ids in clear."""
    try:
        filters = json.loads(scope).get("filters") or {}
    except (ValueError, AttributeError):
        return False
    value = filters.get(TAX_ID_FILTER) if isinstance(filters, dict) else None
    return bool(value) and not str(value).startswith(_HASHED)


def _write_state(out: Path, data: dict[str, Any]) -> None:
    data["version"] = STATE_VERSION
    data["scopes"] = {k: v for k, v in data.get("scopes", {}).items() if not _clear_tax_ids(k)}
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    atomic_write(out / STATE_FILE, text.encode("utf-8"), mode=0o600)


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


def record_run(out_dir: str | Path, scope: str, started_at: datetime, *, salt: str = "") -> None:
    """Remember that a run of ``scope`` that started at ``started_at`` fetched everything;
    ``salt`` is the one the scope was hashed with (kept when the folder has none yet)."""
    out = Path(out_dir)
    data = _read_state(out) or {"version": STATE_VERSION, "scopes": {}}
    if salt and not data.get("salt"):
        data["salt"] = salt
    data["scopes"][scope] = {
        "lastRunStartedAt": started_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    _write_state(out, data)


# -- the clock rule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncPlan:
    """The lower bound a run uses, the scope whose clock it may advance (None: it may not) and
    the salt its tax ids were hashed with (for ``record_run``)."""

    updated_since: datetime | None
    scope: str | None
    salt: str = ""


def plan_sync(
    out_dir: str | Path | None,
    base_url: str,
    gc_company_id: str | None,
    filters: QueryFilters,
    since: datetime | str | None,
) -> SyncPlan:
    """``since`` is a time, ``"last"`` (the folder's clock) or None. The clock may advance only
    when this run plus what the folder already holds is everything: no upper bound, and no lower
    bound or one no later than what ``--updated-since last`` would use (a later explicit bound
    would make the next 'last' run skip what lies in between)."""
    if out_dir is None:
        if since == "last":
            raise ValueError("'last' needs an output folder")
        return SyncPlan(since if isinstance(since, datetime) else None, None)
    params = filters.scope_params()
    salt = folder_salt(out_dir) if params.get(TAX_ID_FILTER) else ""
    scope = scope_key(base_url, gc_company_id, params, salt=salt)
    remembered = updated_since_for(out_dir, scope)
    lower = remembered if since == "last" else since if isinstance(since, datetime) else None
    complete = filters.updated_before is None and (
        lower is None or (remembered is not None and lower <= remembered)
    )
    return SyncPlan(lower, scope if complete else None, salt)
