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
from reporter.transform import evidence, metrics, trades
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
    emr_split = evidence.split_years(
        (e.year, e.experienceModificationRating) for e in record.experienceModificationRatings
    )
    emrs = [EmrYear(year, value) for year, value in emr_split.measured]  # 0 or blank: not submitted
    judged = evidence.pool_for_judging(evidence.split_osha(years, rules.low_hours), rules.pooled_years, rules.low_hours)
    judged_rates = PooledRates(tuple(judged.years_used), judged.rates.hours, judged.rates.trir, judged.rates.dart,
                               judged.rates.ltir)
    bench = trades.benchmark_for(record.csiCodesForWorkPerformed) if rules.trade_benchmarks else None
    trir_j = dart_j = None
    if bench is not None:
        trir_j = trades.judge_rate(judged.rates.trir, bench, rules.trade_multiple, "trir")
        dart_j = trades.judge_rate(judged.rates.dart, bench, rules.trade_multiple, "dart")
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
        emr_not_submitted=emr_split.not_submitted,
        judged=judged_rates,
        judged_unstable=judged.unstable,
        low_hours_excluded=judged.low_hours_excluded,
        trade=bench,
        trade_trir=trir_j,
        trade_dart=dart_j,
    )


def financial_figures(record: Qualification, amounts: Amounts, money: MoneyOf) -> Financial:
    split = evidence.split_years((r.year, r.estimatedVolumeRevenue) for r in record.annualVolumeRevenues)
    revs = [(year, m) for year, value in split.measured if (m := money(value)) is not None]  # 0: not submitted
    years: list[RevenueYear] = []
    prev: tuple[int, Money] | None = None
    for year, m in revs:  # year over year: only against the year just before, never across a gap
        base = prev[1].value if prev is not None and year is not None and prev[0] == year - 1 else None
        years.append(RevenueYear(year, m, metrics.change_ratio(m.value, base)))
        prev = (year, m)
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
        revenue_not_submitted=split.not_submitted,
    )


def capacity_checks(
    amounts: Amounts, financial: Financial, award: Decimal | None, rules: Rules,
    gc_backlog: Decimal | None = None, *, total_limit_checkable: bool = True,
) -> list[CapacityCheck]:
    """The award (in the report currency) against limits, capacities and the largest job.

    ``gc_backlog`` (``--gc-backlog``): this GC's own backlog with the sub, used for the internal
    total limit instead of the sub's self-reported total backlog; with ``total_limit_checkable``
    False (the GC backlog is in a currency no rate converts) that check is left out.

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
    total_load = load if gc_backlog is None else award + max(gc_backlog, Decimal(0))
    total_label = "Backlog + award vs internal total limit" if gc_backlog is None else "GC backlog + award vs internal total limit"
    checks = [
        check("singleLimit", "capacity.single_limit", "Award vs internal single limit", "internal single limit",
              award, amounts.internalSingleLimit),
        check("totalLimit", "capacity.total_limit", total_label, "internal total limit",
              total_load, amounts.internalTotalLimit),
        check("bondingSingle", "capacity.bonding_single", "Award vs single-project bonding", "single-project bonding capacity",
              award, amounts.suretySingleProjectBondingCapacity),
        check("bondingAggregate", "capacity.bonding_aggregate", "Backlog + award vs aggregate bonding", "aggregate bonding capacity",
              load, amounts.suretyAggregateBondingCapacity),
        check("largestProject", "capacity.largest_project", "Award vs largest completed project", "largest completed project",
              award, largest.value if largest else None, rules.largest_project_ratio),
    ]
    return [c for c in checks if total_limit_checkable or c.key != "totalLimit"]
