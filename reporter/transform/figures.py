"""Transform stage: the page-one figures (safety, financial, capacity) of one record.

Input: the ``Qualification`` wire model, the record's ``Money`` amounts (already converted to the
report currency when asked), a money converter, the ``Project`` and the ``Rules``.
Output: ``Safety``, ``Financial`` and ``CapacityCheck`` values (``reporter.transform.model``), with
exact ``Decimal`` figures (rounded only for display) and ``None`` where a figure cannot be computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from reporter.api.models import Qualification
from reporter.transform import metrics
from reporter.transform.model import (
    Amounts,
    CapacityCheck,
    EmrYear,
    Fatality,
    Financial,
    LargestProject,
    PooledRates,
    RevenueYear,
    Safety,
    SafetyYear,
)
from reporter.transform.money import Money
from reporter.transform.rules import Rules

MoneyOf = Callable[[Decimal | None], Money | None]  # an amount of the record as Money (converted when asked)
_T = TypeVar("_T")


def osha_years(record: Qualification) -> list[metrics.OshaYear]:
    return [
        metrics.OshaYear(
            year=o.year,
            deaths=o.totalNumberDeathsBoxG or 0,
            days_away=o.totalNumberCasesDaysAwayBoxH or 0,
            restricted=o.totalNumberCasesRestrictionTransferBoxI or 0,
            other=o.otherRecordableCasesBoxJ or 0,
            hours=o.totalHoursWorked,
        )
        for o in record.osha300Results
    ]


def _one_per_year(items: Sequence[_T], year: Callable[[_T], int | None]) -> list[_T]:
    """A year listed more than once counts once: its last entry in the record (items without a
    year are kept). Otherwise a repeated year would be pooled, averaged or trended twice."""
    last = {year(i): n for n, i in enumerate(items) if year(i) is not None}
    return [i for n, i in enumerate(items) if year(i) is None or last[year(i)] == n]


def safety_figures(record: Qualification, rules: Rules) -> Safety:
    years = _one_per_year(osha_years(record), lambda y: y.year)
    rows = []
    for y in sorted(years, key=lambda y: (y.year is None, y.year or 0)):
        r = metrics.year_rates(y)
        rows.append(
            SafetyYear(
                year=y.year,
                hours_worked=y.hours,
                deaths=y.deaths,
                days_away=y.days_away,
                restricted=y.restricted,
                other=y.other,
                recordable=y.recordable,
                trir=r.trir,
                dart=r.dart,
                ltir=r.ltir,
                low_hours=metrics.has_hours(y.hours) and (y.hours or 0) < rules.low_hours,
                no_hours=not metrics.has_hours(y.hours),
            )
        )
    recent = metrics.latest_years(years, rules.pooled_years)
    pooled = metrics.pooled_rates(recent)
    emrs = [
        EmrYear(year, value)
        for year, value in sorted(
            (e.year, e.experienceModificationRating)
            for e in _one_per_year(
                [e for e in record.experienceModificationRatings if e.experienceModificationRating is not None],
                lambda e: e.year,
            )
            if e.year is not None and e.experienceModificationRating is not None
        )
    ]
    emr_values = [e.value for e in emrs]
    return Safety(
        years=tuple(rows),
        three_year=PooledRates(
            years=tuple(pooled.years), hours_worked=pooled.hours, trir=pooled.trir, dart=pooled.dart, ltir=pooled.ltir
        ),
        emr=tuple(emrs),
        emr_latest=emrs[-1] if emrs else None,
        emr_average3=metrics.mean(emr_values[-3:]),
        emr_average_years=tuple(e.year for e in emrs[-3:]),
        emr_trend=metrics.trend(emr_values),
        fatalities=tuple(Fatality(y.year, y.deaths) for y in years if y.deaths > 0 and y.year is not None),
    )


def financial_figures(record: Qualification, amounts: Amounts, money: MoneyOf) -> Financial:
    revs = sorted(
        ((r.year, m) for r in record.annualVolumeRevenues
         if r.year is not None and (m := money(r.estimatedVolumeRevenue)) is not None),
        key=lambda t: t[0],
    )
    years: list[RevenueYear] = []
    prev: Money | None = None
    for year, m in revs:
        years.append(RevenueYear(year, m, metrics.change_ratio(m.value, prev.value if prev else None)))
        prev = m
    loc_total = amounts.bankLineOfCreditTotal
    loc_out = amounts.bankLineOfCreditOutstanding
    largest = None
    for ref in record.completedReferences:
        if ref.value is None:
            continue
        if largest is None or largest.value is None or ref.value > largest.value or (
            ref.isLargestProject and not largest.isLargestProject and ref.value >= largest.value
        ):
            largest = ref
    return Financial(
        revenue=tuple(years),
        revenue_latest=years[-1] if years else None,
        line_of_credit_utilisation=metrics.ratio(
            loc_out.value if loc_out else None, loc_total.value if loc_total else None
        ),
        largest_project=(
            LargestProject(largest.projectName, largest.yearCompleted, money(largest.value)) if largest else None
        ),
    )


def capacity_checks(
    amounts: Amounts, financial: Financial, award: Decimal | None, rules: Rules
) -> list[CapacityCheck]:
    """The award (in the report currency) against limits, capacities and the largest job.

    Backlog + award uses a missing backlog as 0 (the award alone is still a lower bound); so does a
    negative backlog, which would otherwise shrink the load and pass a check it should not.
    """
    if award is None:
        return []
    backlog = amounts.currentEstimatedBacklog
    load = award + (max(backlog.value, Decimal(0)) if backlog else 0)

    def check(
        key: str, rule: str, label: str, limit_name: str, measured: Decimal, limit_money: Money | None,
        threshold: Decimal = Decimal(1),
    ) -> CapacityCheck:
        limit = limit_money.value if limit_money is not None else None
        r = metrics.ratio(measured, limit)
        exceeded = None if limit is None else measured > limit * threshold
        return CapacityCheck(key, label, measured, limit, r, exceeded, rule, threshold, limit_name)

    largest = financial.largest_project
    return [
        check("singleLimit", "capacity.single_limit", "Award vs internal single limit", "internal single limit",
              award, amounts.internalSingleLimit),
        check("totalLimit", "capacity.total_limit", "Backlog + award vs internal total limit", "internal total limit",
              load, amounts.internalTotalLimit),
        check("bondingSingle", "capacity.bonding_single", "Award vs single-project bonding", "single-project bonding capacity",
              award, amounts.suretySingleProjectBondingCapacity),
        check("bondingAggregate", "capacity.bonding_aggregate", "Backlog + award vs aggregate bonding", "aggregate bonding capacity",
              load, amounts.suretyAggregateBondingCapacity),
        check("largestProject", "capacity.largest_project", "Award vs largest completed project", "largest completed project",
              award, largest.value if largest else None, rules.largest_project_ratio),
    ]
