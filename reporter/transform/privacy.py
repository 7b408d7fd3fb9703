"""Transform stage: privacy of what leaves the machine.

Input: tax ids and the record's unknown ("other") fields. Output: the same with every tax id
masked to its last 4 characters, unless the user asked for them in full (``--show-tax-id``).
``taxIdType`` may be ``US_SSN``: a person's social security number.

The masking pass itself (which keys, which values) is the ground floor's ``reporter.tax_ids``;
records are masked when they are read (``reporter.api.saved.validate_record``), so what reaches this
stage is masked already unless ``--show-tax-id``. These helpers keep the transform safe on its own.
"""

from __future__ import annotations

from typing import Any

from reporter.tax_ids import is_tax_key, mask_tax_ids, mask_value

__all__ = ["is_tax_key", "mask_tax_fields", "mask_tax_id", "mask_tax_ids"]


def mask_tax_id(value: Any, show: bool = False) -> Any:
    """Keep the last 4 characters: ``*****6789`` (4 or fewer characters are masked whole); a
    number is masked as the id it stands for (``654321987.0`` gives ``*****1987``)."""
    if value is None or show:
        return value
    return mask_value(value)


def mask_tax_fields(value: Any, show: bool = False) -> Any:
    """Mask, recursively, every value under a key that looks like a tax id (``reporter.tax_ids``)."""
    if show:
        return value
    if isinstance(value, dict):
        return mask_tax_ids(value)
    if isinstance(value, list):
        return [mask_tax_fields(v) for v in value]
    return value
