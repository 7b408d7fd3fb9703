"""Transform stage: is the evidence there, current and believable?

Input: plain values taken from a record (EMR and revenue ``(year, value)`` pairs, OSHA
``metrics.OshaYear`` rows, the record's ``updatedAt``, the latest revenue, the largest completed
project, the backlog and the award, all in the record's currency), the ``--as-of`` day and the
``Rules``. Output: splits of the figures into measured / not submitted / low-hours years (what may
enter a latest value, an average, a trend, a chart scale, a pooled rate or a sort), and
``Finding(rule, message, evidence)`` values the flag stage turns into flags with the rules'
severities.

- Not submitted is not a measurement: an EMR of 0 (or blank), an OSHA year with 0 hours and a
  revenue year of 0 are "not submitted". A year below ``Rules.low_hours`` is shown but kept out of
  chart scales and out of pooled rates next to bigger years (when every recent year is that small
  they are pooled together, and shown as unstable, not judged, if even their total is small).
- Staleness: the record's ``updatedAt`` against ``max_record_age_months``; the latest EMR, OSHA
  and revenue years against the newest year one can expect at ``--as-of`` (last year once
  ``year_grace_months`` of the new year have passed, the year before until then).
- Plausibility: the award against the latest annual revenue (TradeTapp's single-project capacity
  uses 25% of revenue [S5]; a job above a whole year of revenue is a stop), the latest revenue
  against the largest completed project and against the backlog ("check the figures").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reporter.transform import metrics
from reporter.transform.rules import Rules

Formatter = Callable[[Decimal], str]


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str  # one plain sentence
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class YearSplit:
    measured: tuple[tuple[int, Decimal], ...]  # oldest first; the only values to compute with
    not_submitted: tuple[int, ...]  # years sent as 0 or blank


@dataclass(frozen=True)
class OshaSplit:
    measured: tuple[metrics.OshaYear, ...]  # hours >= low_hours, oldest first
    low_hours: tuple[metrics.OshaYear, ...]  # 0 < hours < low_hours
    not_submitted: tuple[metrics.OshaYear, ...]  # no hours, or 0 hours


@dataclass(frozen=True)
class PooledSafety:
    rates: metrics.Rates
    years_used: tuple[int, ...]
    low_hours_excluded: tuple[int, ...]  # low-hours years inside the window left out of the pool
    unstable: bool  # every pooled year is a low-hours year: show, do not judge


def _fmt(currency: str) -> Formatter:
    return lambda d: f"{currency} {d:,.0f}"


def _last_per_year(pairs: Iterable[tuple[int | None, Decimal | None]]) -> dict[int, Decimal | None]:
    out: dict[int, Decimal | None] = {}
    for year, value in pairs:
        if year is not None:
            out.pop(year, None)
            out[year] = value
    return out


def split_years(pairs: Iterable[tuple[int | None, Decimal | None]]) -> YearSplit:
    """EMR or revenue ``(year, value)`` pairs: a value of 0, below 0 or blank is not submitted
    (a year listed twice counts once, its last entry)."""
    by_year = _last_per_year(pairs)
    measured = tuple((y, v) for y, v in sorted(by_year.items()) if v is not None and v > 0)
    return YearSplit(measured, tuple(y for y, v in sorted(by_year.items()) if v is None or v <= 0))


def split_osha(years: Sequence[metrics.OshaYear], low_hours: int) -> OshaSplit:
    ordered = sorted(years, key=lambda y: (y.year is None, y.year or 0))
    return OshaSplit(
        measured=tuple(y for y in ordered if metrics.has_hours(y.hours) and (y.hours or 0) >= low_hours),
        low_hours=tuple(y for y in ordered if metrics.has_hours(y.hours) and (y.hours or 0) < low_hours),
        not_submitted=tuple(y for y in ordered if not metrics.has_hours(y.hours)),
    )


def pool_for_judging(split: OshaSplit, n: int, low_hours: int) -> PooledSafety:
    """Pooled rates over the latest ``n`` years with hours; low-hours years never drive them.

    Within that window the measured years are pooled and the low-hours years left out. When every
    year in the window is a low-hours year they are pooled together (three small years can make
    a meaningful total), and the result is ``unstable`` (shown, not judged) only when even the
    pooled hours stay below ``low_hours``."""
    window = metrics.latest_years(list(split.measured) + list(split.low_hours), n)
    measured = [y for y in window if (y.hours or 0) >= low_hours]
    if measured:
        excluded = tuple(sorted(y.year for y in window if (y.hours or 0) < low_hours and y.year is not None))
        rates = metrics.pooled_rates(measured)
        return PooledSafety(rates, rates.years, excluded, unstable=False)
    rates = metrics.pooled_rates(window)
    return PooledSafety(rates, rates.years, (), unstable=bool(window) and rates.hours < low_hours)


def emr_findings(split: YearSplit) -> list[Finding]:
    out = [Finding("evidence.emr_not_submitted", f"EMR for {y}: not submitted (sent as 0 or blank)", {"year": y})
           for y in split.not_submitted]
    if not split.measured:
        why = (f": every year was sent as 0 or blank ({', '.join(map(str, split.not_submitted))})"
               if split.not_submitted else "")
        out.append(Finding("evidence.emr_missing", f"No EMR submitted{why}; ask for the carrier's EMR worksheet",
                           {"notSubmitted": list(split.not_submitted)}))
    return out


def revenue_findings(split: YearSplit) -> list[Finding]:
    return [Finding("evidence.revenue_not_submitted", f"Revenue for {y}: not submitted (sent as 0 or blank)", {"year": y})
            for y in split.not_submitted]


def osha_findings(split: OshaSplit, pooled: PooledSafety, low_hours: int) -> list[Finding]:
    out: list[Finding] = []
    for y in split.not_submitted:
        out.append(Finding("safety.no_hours", f"OSHA 300A for {y.year or 'a year without a year'}: not submitted (no hours worked reported)",
                           {"year": y.year, "hoursWorked": y.hours}))
    for y in split.low_hours:
        kept_out = "chart scales and pooled rates" if y.year in pooled.low_hours_excluded else "chart scales"
        out.append(Finding("safety.low_hours", f"Only {y.hours or 0:,} hours worked in {y.year}: its rates are unstable and kept out of {kept_out}",
                           {"year": y.year, "hoursWorked": y.hours, "threshold": low_hours,
                            "inPooledRates": y.year in pooled.years_used}))
    if not split.measured and not split.low_hours:
        out.append(Finding("evidence.osha_missing", "No OSHA 300A year with hours worked: ask for the last 3 OSHA 300A summaries",
                           {"notSubmitted": [y.year for y in split.not_submitted]}))
    elif pooled.unstable:
        out.append(Finding("safety.rates_unstable",
                           f"Pooled rates rest on {pooled.rates.hours:,} hours (every year below {low_hours:,}): shown, not judged",
                           {"years": list(pooled.years_used), "hoursWorked": pooled.rates.hours, "threshold": low_hours}))
    return out


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (negative when ``earlier`` is later)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months


def submitted_ago(moment: date | datetime, as_of: date) -> str:
    """'submitted today', 'submitted 12 days ago', 'submitted 14 months ago', 'submitted 7 years ago'."""
    day = _day(moment)
    days = (as_of - day).days
    if days < 0:
        return f"submitted {day.isoformat()} (after the as-of day {as_of.isoformat()})"
    months = months_between(day, as_of)
    if days == 0:
        return "submitted today"
    if months < 1:
        return f"submitted {days} day{'s' if days != 1 else ''} ago"
    if months < 24:
        return f"submitted {months} month{'s' if months != 1 else ''} ago"
    return f"submitted {months // 12} years ago"


def expected_latest_year(as_of: date, grace_months: int) -> int:
    """The newest EMR / OSHA / revenue year one can ask for at ``as_of``: last year once
    ``grace_months`` of this year have passed (OSHA 300A summaries are posted by 1 February and
    e-filed by 2 March), else the year before."""
    return as_of.year - 1 if as_of.month > grace_months else as_of.year - 2


_WHAT = {"emr": "EMR", "osha": "OSHA 300A", "revenue": "annual revenue"}


def staleness_findings(
    updated_at: date | datetime | None, latest_years: dict[str, int | None], as_of: date, rules: Rules,
) -> list[Finding]:
    """``latest_years``: ``{"emr": 2025, "osha": 2024, "revenue": None}`` (measured years only)."""
    out: list[Finding] = []
    if updated_at is not None:
        day = _day(updated_at)
        months = months_between(day, as_of)
        if months > rules.max_record_age_months:
            out.append(Finding("staleness.record",
                               f"Record last updated {day.isoformat()}, {submitted_ago(day, as_of).removeprefix('submitted ')} "
                               f"(older than {rules.max_record_age_months} months): ask for a current submission",
                               {"updatedAt": day, "ageMonths": months, "maxAgeMonths": rules.max_record_age_months, "asOf": as_of}))
    expected = expected_latest_year(as_of, rules.year_grace_months)
    oldest_ok = expected - (rules.max_year_age - 1)
    for key in ("emr", "osha", "revenue"):
        year = latest_years.get(key)
        if year is not None and year < oldest_ok:
            out.append(Finding(f"staleness.{key}",
                               f"Latest {_WHAT[key]} is for {year}; by {as_of.isoformat()} the {expected} figures should be available",
                               {"latestYear": year, "expectedYear": expected, "asOf": as_of}))
    return out


def plausibility_findings(
    latest_revenue: tuple[int, Decimal] | None, largest_project: Decimal | None, backlog: Decimal | None,
    rules: Rules, currency: str, fmt: Formatter | None = None,
) -> list[Finding]:
    """Figures that contradict each other: the data itself looks wrong ("check the figures")."""
    if latest_revenue is None:
        return []
    money = fmt or _fmt(currency)
    year, revenue = latest_revenue
    out: list[Finding] = []
    if largest_project is not None and largest_project > 0 and revenue < largest_project * rules.min_revenue_to_largest_project:
        out.append(Finding("plausibility.revenue_vs_largest_project",
                           f"Latest annual revenue {money(revenue)} ({year}) is below {rules.min_revenue_to_largest_project * 100:.0f}% of the largest completed project "
                           f"{money(largest_project)}: check the figures",
                           {"year": year, "revenue": revenue, "largestProject": largest_project, "currency": currency,
                            "threshold": rules.min_revenue_to_largest_project}))
    if backlog is not None and backlog > 0 and revenue <= 0:  # no ratio to give: a backlog on no revenue
        out.append(Finding("plausibility.revenue_vs_backlog",
                           f"Backlog {money(backlog)} against a latest annual revenue of {money(revenue)} ({year}): check the figures",
                           {"year": year, "revenue": revenue, "backlog": backlog, "currency": currency,
                            "threshold": rules.max_backlog_to_revenue}))
    elif backlog is not None and backlog > 0 and backlog > revenue * rules.max_backlog_to_revenue:
        out.append(Finding("plausibility.revenue_vs_backlog",
                           f"Backlog {money(backlog)} is {backlog / revenue:,.1f}x the latest annual revenue {money(revenue)} ({year}): check the figures",
                           {"year": year, "revenue": revenue, "backlog": backlog, "ratio": round(backlog / revenue, 4),
                            "currency": currency, "threshold": rules.max_backlog_to_revenue}))
    return out


def award_revenue_findings(
    award: Decimal | None, latest_revenue: tuple[int, Decimal] | None, rules: Rules, currency: str,
    fmt: Formatter | None = None,
) -> list[Finding]:
    """The award (already in the record's currency) as a share of the latest annual revenue."""
    if award is None or latest_revenue is None:
        return []
    money = fmt or _fmt(currency)
    year, revenue = latest_revenue
    if revenue <= 0:  # no share to give: any award is more than the whole revenue
        return [] if award <= 0 else [Finding(
            "capacity.award_exceeds_revenue",
            f"Award {money(award)} against a latest annual revenue of {money(revenue)} ({year}): more than the sub's whole revenue",
            {"award": award, "year": year, "revenue": revenue, "currency": currency})]
    share = award / revenue
    ev = {"award": award, "year": year, "revenue": revenue, "share": round(share, 4), "currency": currency}
    pct = f"{share * 100:,.0f}%"
    if award > revenue:
        return [Finding("capacity.award_exceeds_revenue",
                        f"Award {money(award)} is {pct} of the sub's whole annual revenue {money(revenue)} ({year})", ev)]
    if share > rules.award_revenue_share:
        return [Finding("capacity.award_revenue_share",
                        f"Award {money(award)} is {pct} of the latest annual revenue {money(revenue)} ({year}), above {rules.award_revenue_share * 100:.0f}%",
                        {**ev, "threshold": rules.award_revenue_share})]
    return []
