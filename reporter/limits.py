"""Ground floor: documented bounds on what one record may cost.

Input: a raw record (decoded JSON, exact numbers) or a validated record model. Output: nothing when
the record is within bounds, else ``LimitExceeded`` (a ``ValueError``) saying which field and which
bound, so the record fails alone, at read time, with a one-line error.

The bounds (the README's "Privacy and limits" section repeats them):

============================  ==========  ==============================================================
``MAX_AMOUNT``                1e15        any amount, count, hours figure or rate a report computes with,
                                          in any currency (a quadrillion is beyond every real figure)
``MAX_SHORT_TEXT``            1,000       characters in a name, id, code, phone, e-mail, state, title...
                                          (a key ending in one of ``SHORT_TEXT_KEY_ENDINGS``)
``MAX_TEXT``                  100,000     characters in any other string (free-text answers, summaries)
``MAX_RECORD_TEXT``           2,000,000   characters in all the strings of one record together
``MAX_LIST_ITEMS``            1,000       items in any list (offices, contacts, questions, references)
``MAX_OBJECT_KEYS``           1,000       fields in any one object (unknown fields included)
``MAX_FILE_BYTES``            100 MB      one saved file (a list page of 40 records at the bounds fits)
============================  ==========  ==============================================================

JSON reading has its own bounds (``reporter.jsonio``: depth 64, numbers of at most 100 digits).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reporter.jsonio import format_path

MAX_AMOUNT = Decimal("1e15")
MAX_SHORT_TEXT = 1_000
MAX_TEXT = 100_000
MAX_RECORD_TEXT = 2_000_000
MAX_LIST_ITEMS = 1_000
MAX_OBJECT_KEYS = 1_000
MAX_FILE_BYTES = 100_000_000
MAX_RECORD_SECONDS = 300  # one record's transform + render (a 50-page packet takes ~30 s on a slow core)
SHORT_TEXT_KEY_ENDINGS = (
    "name", "id", "code", "phone", "fax", "email", "state", "city", "zip", "zipcode", "number",
    "currency", "status", "type", "title", "website", "carrier", "region", "market",
)


class LimitExceeded(ValueError):
    """A record over one of the documented bounds; ``path`` is where (keys and list indexes)."""

    def __init__(self, reason: str, path: tuple = ()):
        self.reason = reason
        self.path = tuple(path)
        where = format_path(self.path)
        super().__init__(f"{where}: {reason}" if where else reason)


def _text_bound(key: Any) -> tuple[int, str]:
    if isinstance(key, str) and key.lower().endswith(SHORT_TEXT_KEY_ENDINGS):
        return MAX_SHORT_TEXT, "a name, id or code"
    return MAX_TEXT, "a text field"


def check_record_size(raw: Any) -> None:
    """Strings, lists and objects of a raw record within the bounds (walks without recursion)."""
    total = 0
    stack: list[tuple[Any, tuple]] = [(raw, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            bound, what = _text_bound(path[-1] if path else None)
            if len(value) > bound:
                raise LimitExceeded(f"{len(value):,} characters, more than the {bound:,} {what} may hold", path)
            total += len(value)
            if total > MAX_RECORD_TEXT:
                raise LimitExceeded(f"the record's text is over {MAX_RECORD_TEXT:,} characters in all")
        elif isinstance(value, dict):
            if len(value) > MAX_OBJECT_KEYS:
                raise LimitExceeded(f"{len(value):,} fields, more than the {MAX_OBJECT_KEYS:,} an object may hold", path)
            for k, v in value.items():
                total += len(k)
                stack.append((v, (*path, k)))
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise LimitExceeded(f"{len(value):,} items, more than the {MAX_LIST_ITEMS:,} a list may hold", path)
            stack.extend((v, (*path, i)) for i, v in enumerate(value))


def check_number(value: Any, path: tuple = ()) -> None:
    """An amount or figure within ``MAX_AMOUNT`` (and finite)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise LimitExceeded(f"{value} is not a number a record may hold", path)
    if abs(number) > MAX_AMOUNT:
        shown = str(value) if len(str(value)) <= 30 else str(value)[:27] + "..."
        raise LimitExceeded(f"{shown} is beyond the largest figure a record may hold ({MAX_AMOUNT:.0E})", path)


def check_model_numbers(model: Any, path: tuple = ()) -> None:
    """Every number of a validated model (declared fields, nested models and lists; unknown fields
    are shown raw, never computed with, and bounded by the JSON reader) within ``MAX_AMOUNT``."""
    stack: list[tuple[Any, tuple]] = [(model, path)]
    while stack:
        value, where = stack.pop()
        fields = getattr(type(value), "model_fields", None)
        if fields is not None:
            stack.extend((getattr(value, name), (*where, name)) for name in fields)
        elif isinstance(value, (list, tuple)):
            stack.extend((v, (*where, i)) for i, v in enumerate(value))
        else:
            check_number(value, where)
