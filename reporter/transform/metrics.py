"""Transform stage: derived figures (safety rates, EMR statistics, revenue trend, capacity).

Input: plain values taken from the wire models (years, OSHA 300A box counts, hours, Decimals).
Output: plain values (``Decimal`` rates rounded for display only by the renderers, ``None`` where a
figure cannot be computed: a year with 0 hours has no rate, not a zero rate).

Rates are per 200,000 hours (100 full-time workers for a year):
TRIR = (G+H+I+J) x 200,000 / hours; DART = (H+I) x 200,000 / hours; LTIR = H x 200,000 / hours.
Multi-year rates pool cases and hours; they are not the mean of yearly rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

HOURS_BASE = Decimal(200_000)


@dataclass(frozen=True)
class OshaYear:
    year: int | None
    deaths: int  # box G
    days_away: int  # box H
    restricted: int  # box I
    other: int  # box J
    hours: int | None

    @property
    def recordable(self) -> int:
        return self.deaths + self.days_away + self.restricted + self.other

    @property
    def dart_cases(self) -> int:
        return self.days_away + self.restricted


@dataclass(frozen=True)
class Rates:
    trir: Decimal | None
    dart: Decimal | None
    ltir: Decimal | None
    hours: int
    years: tuple[int, ...] = ()


def has_hours(hours: int | None) -> bool:
    """A year counts towards rates only with a positive number of hours."""
    return hours is not None and hours > 0


def rate(cases: int, hours: int | None) -> Decimal | None:
    """Cases per 200,000 hours; ``None`` when hours are missing, zero (or negative)."""
    if hours is None or not has_hours(hours):
        return None
    return Decimal(cases) * HOURS_BASE / Decimal(hours)


def year_rates(y: OshaYear) -> Rates:
    return Rates(
        trir=rate(y.recordable, y.hours),
        dart=rate(y.dart_cases, y.hours),
        ltir=rate(y.days_away, y.hours),
        hours=y.hours if y.hours is not None and has_hours(y.hours) else 0,
        years=(y.year,) if y.year is not None else (),
    )


def pooled_rates(years: Iterable[OshaYear]) -> Rates:
    """Rates over several years: total cases over total hours."""
    ys = [y for y in years if has_hours(y.hours)]
    hours = sum(y.hours or 0 for y in ys)
    return Rates(
        trir=rate(sum(y.recordable for y in ys), hours),
        dart=rate(sum(y.dart_cases for y in ys), hours),
        ltir=rate(sum(y.days_away for y in ys), hours),
        hours=hours,
        years=tuple(sorted(y.year for y in ys if y.year is not None)),
    )


def latest_years(items: Sequence[OshaYear], n: int) -> list[OshaYear]:
    """The ``n`` most recent items by year (items without a year are ignored), newest first."""
    dated = [i for i in items if i.year is not None]
    return sorted(dated, key=lambda i: i.year or 0, reverse=True)[:n]


def mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def trend(values_oldest_first: Sequence[Decimal], tolerance: Decimal = Decimal("0.02")) -> str | None:
    """``up``/``down``/``flat`` comparing the last value with the one before it."""
    if len(values_oldest_first) < 2:
        return None
    diff = values_oldest_first[-1] - values_oldest_first[-2]
    if diff > tolerance:
        return "up"
    if diff < -tolerance:
        return "down"
    return "flat"


def change_ratio(new: Decimal | None, old: Decimal | None) -> Decimal | None:
    """Year-over-year change as a fraction (0.04 = +4%); ``None`` when the base is 0 or missing."""
    if new is None or old is None or old == 0:
        return None
    return (new - old) / old


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """``numerator / denominator``; ``None`` when either is missing or the denominator is not
    positive (a ratio against 0 or a negative limit or total means nothing)."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator
