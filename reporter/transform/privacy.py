"""Transform stage: privacy of what leaves the machine.

Input: tax ids and the record's unknown ("other") fields. Output: the same with every tax id
masked to its last 4 characters, unless the user asked for them in full (``--show-tax-id``).
``taxIdType`` may be ``US_SSN``: a person's social security number.
"""

from __future__ import annotations

import re
from typing import Any

_TAX_KEY = re.compile(r"(tax.?id|taxnumber|\bssn\b|^ssn|ein$|^fein|^tin$|socialsecurity)", re.IGNORECASE)


def mask_tax_id(value: str | None, show: bool = False) -> str | None:
    """Keep the last 4 characters: ``*****6789`` (4 or fewer characters are masked whole)."""
    if value is None or show:
        return value
    v = str(value)
    if len(v) <= 4:
        return "*" * len(v)
    return "*" * (len(v) - 4) + v[-4:]


def is_tax_key(name: str) -> bool:
    """Does a field name look like it holds a tax id (``taxId``, ``federalTaxId``, ``ssn``...)?"""
    return bool(_TAX_KEY.search(name)) and not name.lower().endswith(("type", "types"))


def mask_tax_fields(value: Any, show: bool = False) -> Any:
    """Mask, recursively, every string or number under a key that looks like a tax id."""
    if show:
        return value
    if isinstance(value, dict):
        return {
            k: (mask_tax_id(str(v)) if is_tax_key(str(k)) and isinstance(v, (str, int)) and not isinstance(v, bool)
                else mask_tax_fields(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_tax_fields(v) for v in value]
    return value
