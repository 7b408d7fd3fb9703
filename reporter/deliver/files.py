"""Deliver stage: safe file names.

Input: company names and ids. Output: ASCII, Windows-safe slugs and base names (no separators, no
``..``, no control characters, at most 120 characters). The manifest is ``deliver.manifest``'s;
atomic writes and checksums are ``reporter.fsio``'s.
"""

from __future__ import annotations

import re
import unicodedata

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
