"""Deliver stage: safe file names, atomic writes, checksums and the run manifest.

Input: company names/ids, bytes to write, an output folder. Output: files in that folder (written
to a temporary name, fsynced, then renamed, so a killed run never leaves a truncated file) and
``manifest.json``::

    {"generatedAt", "reporterVersion", "items": [{"input", "companyId", "companyName",
     "status": "ok"|"error", "error", "files": {"pdf": {"path", "sha256", "bytes"}, ...}}]}

with paths relative to the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reporter import __version__
from reporter.transform.dates import format_iso

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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def inside(folder: Path, rel: Any) -> Path | None:
    """``folder / rel`` when ``rel`` is a relative path that stays inside ``folder`` (after
    resolving ``..`` and symlinks), else None: a manifest is data, and a hand-edited or hostile one
    must not make ``send``, ``verify`` or ``build`` read (or mail) files from elsewhere."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or Path(rel).is_absolute():
        return None
    root = Path(folder).resolve()
    target = (root / rel).resolve()
    return target if root in target.parents else None


def file_entry(out_dir: Path, path: Path, data: bytes) -> dict[str, Any]:
    return {"path": path.relative_to(out_dir).as_posix(), "sha256": sha256_bytes(data), "bytes": len(data)}


def write_manifest(out_dir: Path, items: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Path:
    doc = {
        "generatedAt": format_iso(datetime.now(timezone.utc)),
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
