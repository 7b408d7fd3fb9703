"""Ground floor: tax ids masked by key name, over a whole raw record.

Input: a decoded JSON value (a raw qualification record as read, exact ``Decimal`` numbers).
Output: a new value, the input untouched, in which every value under a key that looks like a tax id
is masked to its last 4 characters (``*****6789``): strings and numbers of every type (``int``,
``float``, ``Decimal``: ``654321987.0`` becomes ``*****1987``), and every element of a list or object
below such a key, at any depth. ``None`` and booleans say nothing about an id and are kept.

Which keys (case and separators ignored; ``ownerSSN``, ``owner_ssn``, ``Owner SSN`` are one key):
- a word ``ssn``, ``sin``, ``tin``, ``itin``, ``atin``, ``ein``, ``fein``, ``tfn``, ``abn``, ``nino``,
  ``utr`` (or its plural), alone or with a suffix ``number``/``num``/``no``/``nbr``/``id``/``value``:
  ``SIN``, ``applicantSsn``, ``einNumber``, ``tins``;
- a key that starts or ends with ``ssn`` written as one word (``ownerssn``);
- a key containing ``taxid``, ``taxnumber``, ``taxno``, ``taxnum``, ``taxpayer``, ``taxidentification``,
  ``taxregistration``, ``taxfilenumber``, ``taxcode``, ``socialsecurity``, ``socialinsurance``,
  ``nationalinsurance``, ``employeridentification``, ``businessnumber``, ``federalid``:
  ``federalTaxId``, ``tax_id``, ``taxIds``, ``employerIdentificationNumber``, ``businessNumber``;
- except a key that names the KIND of id (ending in ``type``, ``types`` or ``kind``: ``taxIdType``
  keeps ``US_SSN``), unless it sits below a matching key (then everything is masked).

Short words match only as whole words (``business`` holds no ``sin``; ``estimating`` no ``tin``).
Keys themselves, and ids typed into free text, are not masked: masking is by key name.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = ["mask_tax_ids", "is_tax_key", "mask_value"]

SHORT_WORDS = frozenset({"ssn", "sin", "tin", "itin", "atin", "ein", "fein", "tfn", "abn", "nino", "utr"})
LONG_PARTS = (
    "taxid", "taxnumber", "taxno", "taxnum", "taxpayer", "taxidentification", "taxregistration",
    "taxfilenumber", "taxcode", "socialsecurity", "socialinsurance", "nationalinsurance",
    "employeridentification", "businessnumber", "federalid",
)
_SUFFIXES = ("number", "num", "nbr", "no", "ids", "id", "value", "s", "")
_KIND_ENDINGS = ("type", "types", "kind")
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _is_short_word(word: str) -> bool:
    return any(word.endswith(s) and word[: len(word) - len(s)] in SHORT_WORDS for s in _SUFFIXES)


@lru_cache(maxsize=4096)
def is_tax_key(name: str) -> bool:
    """Does a field name look like it holds a tax id (``federalTaxId``, ``ownerSSN``, ``SIN``...)?"""
    joined = re.sub(r"[^a-z0-9]", "", name.lower())
    if not joined or joined.endswith(_KIND_ENDINGS):
        return False
    if any(part in joined for part in LONG_PARTS):
        return True
    if joined.startswith("ssn") or joined.endswith(("ssn", "ssns")):
        return True
    words = [w.lower() for w in _WORD.findall(name)]
    return _is_short_word(joined) or any(w in SHORT_WORDS or w.rstrip("s") in SHORT_WORDS for w in words)


def _text_of(value: Any) -> str:
    """A number as the id it stands for: an integral ``654321987.0`` is ``654321987``."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value() and value.adjusted() < 100:
            return str(int(value))
        return str(value)
    return str(value)


def _mask_text(text: str) -> str:
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_value(value: Any) -> Any:
    """Mask everything in a value that sits below a tax-id key: each scalar to its last 4
    characters (as a string), lists and objects element by element; ``None`` and booleans kept."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return _mask_text(_text_of(value))


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask_value(v) if is_tax_key(str(k)) else _walk(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v) for v in value]
    return value


def mask_tax_ids(raw: dict) -> dict:
    """The record with every tax id masked to its last 4 characters (see the module docstring for
    which keys); pure: ``raw`` is not changed. Masking a masked record changes nothing."""
    return _walk(raw)
