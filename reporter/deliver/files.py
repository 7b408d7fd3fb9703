"""Deliver stage: safe file names, atomic writes, checksums and the run manifest.

Input: company names/ids, bytes to write, an output folder. Output: files in that folder (written
to a temporary name, fsynced, then renamed, so a killed run never leaves a truncated file) and
``manifest.json``::

    {"generatedAt", "reporterVersion", "items": [{"input", "companyId", "companyName",
     "status": "ok"|"error", "error", "files": {"pdf": {"path", "sha256", "bytes"}, ...}}]}

with paths relative to the folder.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reporter import __version__
from reporter.dates import format_iso
from reporter.fsio import atomic_write, sha256_bytes

MAX_NAME = 120
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def slugify(text: str | None, max_len: int = MAX_NAME) -> str:
    """ASCII, Windows-safe slug: letters, digits, ``-`` and ``_`` only; never empty."""
    norm = unicodedata.normalize("NFKD", text or "")
    ascii_text = norm.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    slug = slug[:max_len].rstrip("-")
    return slug or "company"


def safe_name(company_name: str | None, company_id: str | None) -> str:
    """``<slug of company name>_<slug of id>``: no separators, no ``..``, no control characters,
    not a reserved Windows device name, at most 120 characters (before the extension)."""
    ident = slugify(company_id, 40) if company_id else "noid"
    room = MAX_NAME - len(ident) - 1
    name = f"{slugify(company_name, room)}_{ident}"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name[:MAX_NAME]


def file_entry(out_dir: Path, path: Path, data: bytes) -> dict[str, Any]:
    return {"path": path.relative_to(out_dir).as_posix(), "sha256": sha256_bytes(data), "bytes": len(data)}


def write_manifest(out_dir: Path, items: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Path:
    doc = {
        "generatedAt": format_iso(datetime.now(UTC)),
        "reporterVersion": __version__,
        **(extra or {}),
        "items": items,
    }
    path = out_dir / "manifest.json"
    atomic_write(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def read_manifest(folder: Path) -> dict[str, Any]:
    """A built folder's ``manifest.json``; ``DeliveryError`` naming the folder when it is missing or bad."""
    from reporter.errors import DeliveryError

    path = Path(folder) / "manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"{folder}: no manifest.json (is this a folder written by 'reporter build'?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryError(f"{path}: cannot read the manifest ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items", []), list) or not all(
        isinstance(i, dict) for i in doc.get("items", [])
    ):
        raise DeliveryError(f"{path}: not a reporter manifest (expected an object with a list of items)")
    return doc
