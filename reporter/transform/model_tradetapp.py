"""Transform stage: the frozen parts of TradeTapp's own analysis in a ``Report`` (``Report.tradetapp``).

Input: nothing (type definitions only). Output: ``TradeTappAnalysis`` and its parts, built by
``reporter.transform.tradetapp_rules.build_analysis`` from ``GET /financials/{id}`` and the
``GET /flags`` page saved or fetched with the record:

- ``BenchmarkScore``: one percentile (debt, liquidity, profitability, turnover, overall) with its
  year and TradeTapp's band (``very poor`` < 30, ``poor`` 30-40, ``fair`` 40-50, ``great`` 50-70,
  ``excellent`` > 70);
- ``TradeTappKeyMetrics``: TradeTapp's recommended single-project and aggregate total capacity,
  working capital, net cash flow, largest project, EMR/DART/recordable rates by year;
- ``StatementFigures``: one statement (period, type, date, 22 raw figures, 19 ratios, custom ratios);
- ``GcFlag`` with ``GcFlagState`` history: a flag the GC's people raised in TradeTapp;
- ``TradeTappCapacity``: the award (or backlog + award) against TradeTapp's recommendation and the
  GC's own limit.

Every figure is the API's exact ``Decimal``, as sent (the workbook writes these very numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

FINANCIALS_PRESENT = "present"
FINANCIALS_NOT_FOUND = "not_found"  # TradeTapp answered 404: it holds no statements for the sub
NOT_FETCHED = "not_fetched"


@dataclass(frozen=True)
class BenchmarkScore:
    name: str  # debt | liquidity | profitability | turnover | overall (the API's benchmark name)
    label: str
    score: Decimal | None  # a percentile 0-100
    year: int | None
    band: str | None  # very poor | poor | fair | great | excellent (None without a score)


@dataclass(frozen=True)
class YearValue:
    year: int | None
    value: Decimal | None


@dataclass(frozen=True)
class TradeTappKeyMetrics:
    single_project_capacity: Decimal | None
    aggregate_total_capacity: Decimal | None
    working_capital: Decimal | None
    working_capital_year: int | None
    net_cash_flow: Decimal | None
    net_cash_flow_year: int | None
    largest_project: Decimal | None
    largest_project_year: int | None
    emr: tuple[YearValue, ...]
    dart: tuple[YearValue, ...]
    recordable: tuple[YearValue, ...]


@dataclass(frozen=True)
class CustomRatioValue:
    name: str | None
    value: Decimal | None


@dataclass(frozen=True)
class StatementFigures:
    period: int | None  # months
    type: str | None  # REVIEWED, AUDITED, COMPILED, ... as sent
    date: date | None
    raw: tuple[tuple[str, Decimal | None], ...]  # (API field, value) in the reference's order
    ratios: tuple[tuple[str, Decimal | None], ...]
    custom_ratios: tuple[CustomRatioValue, ...]

    def ratio(self, name: str) -> Decimal | None:
        return dict(self.ratios).get(name)

    def figure(self, name: str) -> Decimal | None:
        return dict(self.raw).get(name)


@dataclass(frozen=True)
class GcFlagState:
    value: str | None  # ACTIVE | RESOLVED
    summary: str | None
    created_at: datetime | None
    created_by: str | None  # the person's name (or e-mail)


@dataclass(frozen=True)
class GcFlag:
    id: int | None
    name: str | None
    type: str | None
    priority: str | None  # HIGH | MEDIUM | LOW
    event_date: date | None
    summary: str | None
    raised_by: str | None
    raised_by_email: str | None
    raised_at: datetime | None
    updated_at: datetime | None
    state: str | None
    state_summary: str | None
    state_at: datetime | None
    state_by: str | None
    active: bool
    history: tuple[GcFlagState, ...]  # newest first, as the API lists it


@dataclass(frozen=True)
class TradeTappCapacity:
    key: str  # single | aggregate
    label: str
    recommended: Decimal | None  # TradeTapp's SPC / ATC
    gc_limit: Decimal | None  # the GC's internal single / total limit
    measured: Decimal | None  # the award, or backlog + award
    exceeded: bool | None  # measured > recommended (None: cannot be judged)
    rule: str


@dataclass(frozen=True)
class TradeTappAnalysis:
    financials_status: str  # present | not_found | not_fetched
    flags_status: str  # present | not_fetched
    not_found_detail: str | None
    risk_evaluation_score: int | None  # TradeTapp's number; its labels are not documented
    benchmarks: tuple[BenchmarkScore, ...]  # debt, liquidity, profitability, turnover, overall
    key_metrics: TradeTappKeyMetrics | None
    statements: tuple[StatementFigures, ...]  # latest first
    latest_age_months: int | None  # from the latest statement's date to the as-of day
    capacity: tuple[TradeTappCapacity, ...]
    flags: tuple[GcFlag, ...]  # active first (HIGH, MEDIUM, LOW), then resolved

    @property
    def overall(self) -> BenchmarkScore | None:
        return next((b for b in self.benchmarks if b.name == "overall"), None)

    @property
    def latest(self) -> StatementFigures | None:
        return self.statements[0] if self.statements else None

    @property
    def active_flags(self) -> tuple[GcFlag, ...]:
        return tuple(f for f in self.flags if f.active)

    def active_count(self, priority: str) -> int:
        return sum(1 for f in self.flags if f.active and (f.priority or "").upper() == priority)
