"""Ground floor: dates, shared by every stage.

Input: ISO 8601 strings exactly as the TradeTapp API emits them (``2017-05-04T14:11:35.100929Z``,
``2024-01-29T22:16:22.324Z``, with an offset instead of ``Z``, or a bare ``YYYY-MM-DD`` date).
Output: aware UTC ``datetime`` / ``date`` values, and helpers to judge expiries against an as-of day.

Digit strings are never read as Unix timestamps and a bare date is never read as a naive midnight
(pydantic's lax defaults would do both). A bare date where a timestamp is expected becomes a
``WholeDay``: an aware datetime whose calendar day ``local_day`` keeps in every time zone (a
date-only ``dateExpires`` of 2027-01-15 is 2027-01-15 in Los Angeles too, not the 14th).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DATETIME_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class WholeDay(datetime):
    """A datetime parsed from a bare ``YYYY-MM-DD``: it names a calendar day, not an instant.

    As an instant it is UTC midnight (comparisons and ``astimezone`` behave as for any datetime);
    ``local_day`` and ``format_iso`` know it and keep the day as sent. Renderers that show the day
    of a timestamp should use ``local_day`` rather than ``astimezone(zone).date()``.
    """

    @classmethod
    def of(cls, d: date) -> WholeDay:
        return cls(d.year, d.month, d.day, tzinfo=UTC)


def parse_api_datetime(value: object) -> datetime | None:
    """Parse an API timestamp into an aware UTC datetime.

    Accepts 0-9 fractional digits, ``Z`` or a ``+hh:mm``/``+hhmm``/``+hh`` offset, and, because
    some fields (``dateExpires``) have been seen as date-only, a bare date taken as UTC midnight.
    ``None`` and ``""`` give ``None``. Anything else raises ``ValueError`` with a short reason.
    """
    if value is None:
        return None
    if isinstance(value, WholeDay):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp has no time zone")
        return value.astimezone(UTC)
    if not isinstance(value, str):
        # An int or float here would be a Unix timestamp: refused on purpose.
        raise ValueError(f"expected an ISO 8601 timestamp string, got {type(value).__name__}")
    text = value.strip()
    if text == "":
        return None
    if _DATE_RE.match(text):
        try:
            return WholeDay.of(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"not a valid date: {value!r}") from None
    m = _DATETIME_RE.match(text)
    if not m:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    frac = (m.group("frac") or "")[:6].ljust(6, "0")
    tz = m.group("tz")
    if tz in ("Z", "z"):
        offset = timedelta(0)
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"bad UTC offset in {value!r}")
        offset = sign * timedelta(hours=hours, minutes=minutes)
    try:
        d = date.fromisoformat(m.group("date"))
        parsed = datetime(
            d.year,
            d.month,
            d.day,
            int(m.group("h")),
            int(m.group("m")),
            int(m.group("s") or 0),
            int(frac),
            tzinfo=timezone(offset),
        )
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid timestamp: {value!r} ({exc})") from None


def parse_api_date(value: object) -> date | None:
    """Parse a date-only field (``policyExpirationDate``: ``YYYY-MM-DD``).

    A full timestamp is tolerated and reduced to its UTC calendar day.
    """
    if value is None:
        return None
    if isinstance(value, WholeDay):
        return value.date()
    if isinstance(value, datetime):
        moment = parse_api_datetime(value)
        return moment.date() if moment is not None else None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date string, got {type(value).__name__}")
    text = value.strip()
    if text == "":
        return None
    if _DATE_RE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a valid date: {value!r}") from None
    parsed = parse_api_datetime(text)
    return parsed.date() if parsed else None


def parse_user_date(text: str) -> date:
    """Parse a date typed on the command line (``--as-of``, ``--project-end``)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def get_zone(name: str) -> ZoneInfo:
    """An IANA time zone by name (``--timezone``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as America/New_York)") from None


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of an aware instant as seen in ``zone`` (a ``WholeDay`` keeps its day)."""
    if isinstance(moment, WholeDay):
        return moment.date()
    try:
        return moment.astimezone(zone).date()
    except OverflowError:  # within hours of year 1 or 9999: the UTC day is as good as any
        return moment.astimezone(UTC).date()


def days_between(as_of: date, target: date) -> int:
    """Whole days from ``as_of`` to ``target`` (negative when ``target`` is past)."""
    return (target - as_of).days


def format_iso(moment: datetime) -> str:
    """An aware datetime as ISO 8601 UTC with ``Z``: 3 fractional digits, or 6 when the
    microseconds need them (so printing loses nothing); a ``WholeDay`` prints as ``YYYY-MM-DD``.

    ``parse_api_datetime(format_iso(x)) == x`` for every aware ``x``.
    """
    if isinstance(moment, WholeDay):
        return moment.date().isoformat()
    utc = moment.astimezone(UTC)
    us = utc.microsecond
    frac = f"{us // 1000:03d}" if us % 1000 == 0 else f"{us:06d}"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + frac + "Z"
