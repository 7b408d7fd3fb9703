"""Render stage (Excel): typing one cell safely.

Input: a plain value from a ``Report`` (text, ``Decimal``, ``int``, ``bool``, ``date``, aware
``datetime``, ``Money``, dict/list) and the registry's column kind (``reporter.sections.KINDS``).
Output: an openpyxl cell with a typed value and number format, and hyperlink targets for e-mail
addresses and websites.

Rules kept here, and nowhere else:
- text from the record is never a formula: every string is stored as a string cell (``=``, ``+``,
  ``-``, ``@``, tab and CR included), with characters XML 1.0 forbids removed and cut to Excel's
  32,767-character cell limit (a CR comes back as LF: XML readers normalise line ends);
- money carries a number format naming its currency with its ISO 4217 minor units;
- Excel has no time zones: datetimes are shown in the report's zone with the tzinfo dropped;
- figures from the record that Excel cannot hold exactly (more than 15 significant digits) stay
  text, so no submitted figure is silently rounded; computed figures (rates, percentages, ratios)
  are rounded to a double; NaN and infinities are text.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Font

from reporter import dates as _dates
from reporter.render import labels
from reporter.sections import KINDS
from reporter.transform.money import Money, minor_units

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
RATIO_FORMAT = '[>=1]0.0"x";0.00"x"'  # as the PDF and the flags: 0.24x, 2.1x, 12.5x
RATE_FORMAT = "0.0000####"
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top")
MAX_CELL_CHARS = 32767
_WHOLE_DAY = getattr(_dates, "WholeDay", None)
LINK_FONT = Font(color="0563C1", underline="single")

# XML 1.0 forbids C0 controls other than tab/LF/CR, lone surrogates and U+FFFE/U+FFFF; openpyxl
# raises on the first group and writes the others into XML Excel then "repairs".
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_DOMAIN = re.compile(
    r"^(?:https?://)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::\d{1,5})?(?:[/?#][^\s\"<>\\^`{|}]*)?$",
    re.IGNORECASE,
)


def clean_text(value: str) -> str:
    """Text as Excel can store it: forbidden characters removed, at most 32,767 characters, and a
    literal ``_xHHHH_`` escaped (Excel would read it as the character U+HHHH)."""
    text = _ESCAPE_LIKE.sub(r"_x005F\1", _ILLEGAL.sub("", value))
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def set_text(cell, value: str) -> None:
    """Store ``value`` as a plain string cell, never a formula."""
    cell.value = clean_text(value)
    cell.data_type = "s"


def money_format(currency: str, whole: bool = False) -> str:
    """``#,##0.00 "USD"`` with the currency's ISO 4217 minor units (0 for JPY, 3 for KWD);
    ``whole``: shown in whole units (``#,##0 "USD"``; the cell keeps the exact amount)."""
    digits = 0 if whole else minor_units(currency)
    frac = "." + "0" * digits if digits else ""
    return f'#,##0{frac} "{currency}";-#,##0{frac} "{currency}"'


# Kinds whose figures are computed by us, not submitted: rounding them to a double loses nothing.
COMPUTED_KINDS = frozenset({"rate", "percent", "ratio", "fxrate"})


def excel_number(value: int | float | Decimal, exact: bool = True) -> int | float | Decimal | None:
    """The number to store, or ``None`` when it must be text: not finite, beyond Excel's range, or
    (``exact``) more than the 15 significant digits Excel keeps."""
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) >= Decimal("1e300"):
            return None
        if len(value.normalize().as_tuple().digits) > 15:
            return float(value) if not exact else None
        exponent = value.as_tuple().exponent  # an int once finite (checked above)
        if value == value.to_integral_value() and isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    return value if abs(value) < 10**15 else None


def excel_datetime(value: datetime, zone) -> datetime:
    """An aware datetime in ``zone``, tzinfo dropped (a naive one is taken as already local)."""
    if value.tzinfo is not None:
        value = value.astimezone(zone).replace(tzinfo=None)
    return value


def plain_text(value: Any) -> str:
    """Text for a value that has no cell type of its own (dicts and lists as JSON)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=False)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Money):
        return value.to_json()
    return str(value)


def write_value(cell, value: Any, kind: str, zone) -> None:
    """Type a cell by the value and the registry's column kind; ``None`` leaves it empty."""
    if value is None or value == "":
        return
    if isinstance(value, Money):
        amount, ccy = value.display
        write_number(cell, amount, money_format(ccy))
        return
    if isinstance(value, bool):
        cell.value = value
        return
    if _WHOLE_DAY is not None and isinstance(value, _WHOLE_DAY):  # a bare date the API sent
        value = value.date()
    if isinstance(value, datetime):
        cell.value = excel_datetime(value, zone)
        cell.number_format = DATETIME_FORMAT
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return
    if isinstance(value, (int, Decimal, float)):
        fmt = KINDS[kind].excel_format if kind in KINDS else None
        fmt = whole_number_format(fmt, value) if fmt and fmt != "@" else None
        write_number(cell, value, fmt, exact=kind not in COMPUTED_KINDS)
        return
    set_text(cell, plain_text(value))
    target = link_target(value, kind) if isinstance(value, str) else None
    if target:
        cell.hyperlink = target
        cell.font = LINK_FONT


_OPTIONAL_DECIMALS = re.compile(r"\.#+(?=$|[;\s\"])")


def whole_number_format(fmt: str, value: int | float | Decimal) -> str:
    """``#,##0.####`` shows a whole number as "12." in Excel: for a whole ``value`` the optional
    decimals (``.####``) are dropped (``#,##0``); any other format or value is kept."""
    try:
        whole = value == int(value)
    except (ValueError, OverflowError):  # NaN, infinity: written as text anyway
        return fmt
    return _OPTIONAL_DECIMALS.sub("", fmt) if whole else fmt


def write_number(cell, value: int | float | Decimal, number_format: str | None, exact: bool = True) -> None:
    number = excel_number(value, exact)
    if number is None:
        set_text(cell, plain_text(value))
        return
    cell.value = number
    if number_format:
        cell.number_format = number_format


def link_target(value: str, kind: str) -> str | None:
    """``mailto:`` for an e-mail address, ``https://`` for a website; ``None`` for anything else
    (never ``javascript:``, ``file:`` or a value that does not look like an address)."""
    text = value.strip()
    if kind == "email" and _EMAIL.match(text) and len(text) <= 254:
        return "mailto:" + text
    if kind == "url" and _DOMAIN.match(text) and len(text) <= 2000:
        if text.lower().startswith(("http://", "https://")):
            return text
        return "https://" + text
    return None


# Text kinds a person reads: a value that is a whole enum code is written as words. Code columns
# and the Company sheet (API field / value, kind "enum") keep the codes.
_WORD_KINDS = frozenset({"text", "status", "longtext"})


def write_typed(cell, value: Any, kind: str, zone) -> None:
    """``write_value`` plus the writer-only kinds (``ratio``: 0.00"x", ``fxrate``) and the
    alignment of the kind (long text wraps, booleans centred)."""
    if kind in _WORD_KINDS and labels.is_code(value):
        value = labels.label(value)
    if kind == "fxrate" and value is not None:
        write_number(cell, value, RATE_FORMAT, exact=False)

    elif kind == "ratio" and value is not None:
        write_number(cell, value, RATIO_FORMAT, exact=False)
    else:
        write_value(cell, value, kind, zone)
    if kind == "longtext":
        cell.alignment = WRAP
    elif kind == "bool":
        cell.alignment = CENTER
