"""Transform stage: TradeTapp's own analysis of a sub -- its financials and the GC's risk flags.

Input: the ``SideFiles`` read or fetched with a record (``reporter.api.side_files``: the
``GET /financials/{id}`` body or its recorded 404, and the ``GET /flags`` page), the record's
``Amounts`` (backlog, internal limits), a ``money`` function (the record's currency, converted when
the report is in another), and the ``ReportContext`` (as-of day, award, rules).
Output: ``build_analysis`` -> a ``TradeTappAnalysis`` (``reporter.transform.model_tradetapp``) or
``None`` when nothing was saved or fetched, and ``evaluate`` -> the ``Flag`` values its rules raise
(ids ``tradetapp.*`` in ``reporter.transform.rules.TRADETAPP_RULES``).

The GC's active flags raise one by their own priority (HIGH -> high, MEDIUM -> medium, LOW -> low);
resolved flags never do. ``riskEvaluationScore`` is shown as TradeTapp's number only: its labels are
not documented in the API, so no mapping is invented.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reporter.api.financials_names import (
    BENCHMARK_NAMES,
    KNOWN_FLAG_PRIORITIES,
    METRIC_FIELDS,
    RAW_DATA_FIELDS,
)
from reporter.api.side_files import SideFiles
from reporter.transform import model
from reporter.transform.model_tradetapp import (
    FINANCIALS_NOT_FOUND,
    FINANCIALS_PRESENT,
    NOT_FETCHED,
    BenchmarkScore,
    CustomRatioValue,
    GcFlag,
    GcFlagState,
    StatementFigures,
    TradeTappAnalysis,
    TradeTappCapacity,
    TradeTappKeyMetrics,
    YearValue,
)
from reporter.transform.money import Money, format_money
from reporter.transform.rules import OFF, Rules

if TYPE_CHECKING:  # the models only type the arguments: a record without side files never builds them
    from reporter.api.financials_models import Financials, Flag, FlagState, Statement

BENCHMARK_LABELS = {"debt": "Debt", "liquidity": "Liquidity", "profitability": "Profitability",
                    "turnover": "Turnover", "overall": "Overall"}
BANDS = ((Decimal(30), "very poor"), (Decimal(40), "poor"), (Decimal(50), "fair"), (Decimal(70), "great"))
PRIORITY_RULE = {"HIGH": "tradetapp.gc_flag_high", "MEDIUM": "tradetapp.gc_flag_medium",
                 "LOW": "tradetapp.gc_flag_low"}
LOW_QUALITY_TYPES = ("COMPILED", "TAX")  # COMPILED, TAX_RETURN...: below a review

MoneyOf = Callable[[Decimal | None], Money | None]


def band(score: Decimal | None, very_poor: Decimal = Decimal(30)) -> str | None:
    """TradeTapp's band of a percentile: <30 very poor, 30-40 poor, 40-50 fair, 50-70 great, >70 excellent
    (a boundary belongs to the band above it, 70 is great). ``very_poor`` moves the first edge."""
    if score is None:
        return None
    if score < very_poor:
        return "very poor"
    for edge, name in BANDS[1:]:
        if score < edge:
            return name
    return "great" if score == Decimal(70) else "excellent"


def _user(u: Any) -> tuple[str | None, str | None]:
    if u is None:
        return None, None
    return (u.display_name or None), u.email


def _state(s: FlagState) -> GcFlagState:
    return GcFlagState(value=s.value, summary=s.summary, created_at=s.createdAt, created_by=_user(s.createdBy)[0])


def _flag(f: Flag) -> GcFlag:
    who, email = _user(f.createdBy)
    st = f.state
    history = tuple(_state(s) for s in (f.stateHistory.results if f.stateHistory else []))
    return GcFlag(
        id=f.id, name=f.name, type=f.type, priority=f.priority, event_date=f.eventDate, summary=f.summary,
        raised_by=who, raised_by_email=email, raised_at=f.createdAt, updated_at=f.updatedAt,
        state=st.value if st else None, state_summary=st.summary if st else None,
        state_at=(st.createdAt or st.updatedAt) if st else None, state_by=_user(st.createdBy)[0] if st else None,
        active=f.is_active, history=history,
    )


def _flag_order(f: GcFlag) -> tuple[int, int, str, int]:
    prio = (f.priority or "").upper()
    rank = KNOWN_FLAG_PRIORITIES.index(prio) if prio in KNOWN_FLAG_PRIORITIES else 1
    day = f.event_date.toordinal() if f.event_date else 0
    return (0 if f.active else 1, rank, "", -day)


def _statement(s: Statement) -> StatementFigures:
    return StatementFigures(
        period=s.period, type=s.type, date=s.date,
        raw=tuple((k, getattr(s.rawData, k)) for k in RAW_DATA_FIELDS),
        ratios=tuple((k, getattr(s.metrics, k)) for k in METRIC_FIELDS),
        custom_ratios=tuple(CustomRatioValue(c.name, c.value) for c in s.metrics.customRatios),
    )


def _key_metrics(fin: Financials) -> TradeTappKeyMetrics:
    k = fin.keyMetrics

    def years(rows: list[Any]) -> tuple[YearValue, ...]:
        return tuple(YearValue(r.year, r.score) for r in sorted(rows, key=lambda r: r.year or 0))

    return TradeTappKeyMetrics(
        single_project_capacity=k.singleProjectCapacity, aggregate_total_capacity=k.aggregateTotalCapacity,
        working_capital=k.workingCapital, working_capital_year=k.workingCapitalYear,
        net_cash_flow=k.netCashFlow, net_cash_flow_year=k.netCashFlowYear,
        largest_project=k.largestProject, largest_project_year=k.largestProjectYear,
        emr=years(k.experienceModificationRatings), dart=years(k.dartRates), recordable=years(k.recordableIncidentRates),
    )


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def _cmp(money: MoneyOf, d: Decimal | None) -> Decimal | None:
    m = money(d)
    return None if m is None else m.display[0]


def _capacity(km: TradeTappKeyMetrics | None, amounts: model.Amounts, award: Decimal | None,
              money: MoneyOf) -> tuple[TradeTappCapacity, ...]:
    if km is None or award is None:
        return ()
    backlog = amounts.currentEstimatedBacklog.display[0] if amounts.currentEstimatedBacklog else Decimal(0)

    def limit(m: Money | None) -> Decimal | None:
        return None if m is None else m.display[0]

    out = []
    for key, label, rec, gc, measured, rule in (
        ("single", "Single project", _cmp(money, km.single_project_capacity), limit(amounts.internalSingleLimit),
         award, "tradetapp.single_capacity"),
        ("aggregate", "Aggregate (backlog + award)", _cmp(money, km.aggregate_total_capacity),
         limit(amounts.internalTotalLimit), backlog + award, "tradetapp.aggregate_capacity"),
    ):
        out.append(TradeTappCapacity(key, label, rec, gc, measured, None if rec is None else measured > rec, rule))
    return tuple(out)


def build_analysis(side: SideFiles | None, amounts: model.Amounts, ctx: model.ReportContext,
                   money: MoneyOf, award: Decimal | None = None) -> TradeTappAnalysis | None:
    """The analysis of what was saved or fetched with the record; ``None`` when nothing was."""
    if side is None or (side.financials_raw is None and side.flags_raw is None):
        return None
    fin = side.financials
    status = FINANCIALS_PRESENT if fin is not None else FINANCIALS_NOT_FOUND if side.financials_not_found else NOT_FETCHED
    detail = None
    if side.financials_not_found and isinstance(side.financials_raw, dict):
        detail = side.financials_raw.get("detail") if isinstance(side.financials_raw.get("detail"), str) else None
    very_poor = ctx.rules.tradetapp_benchmark_very_poor
    benchmarks: tuple[BenchmarkScore, ...] = ()
    km = None
    statements: tuple[StatementFigures, ...] = ()
    age = None
    if fin is not None:
        scores = []
        for name in BENCHMARK_NAMES:
            score, year = fin.benchmarks.score_and_year(name)
            short = "overall" if name == "overallBenchmarking" else name
            scores.append(BenchmarkScore(short, BENCHMARK_LABELS[short], score, year, band(score, very_poor)))
        benchmarks = tuple(scores)
        km = _key_metrics(fin)
        statements = tuple(sorted((_statement(s) for s in fin.statements),
                                  key=lambda s: s.date or date.min, reverse=True))
        if statements and statements[0].date is not None:
            age = _months(statements[0].date, ctx.as_of)
    flags = tuple(sorted((_flag(f) for f in side.flags.results), key=_flag_order)) if side.flags else ()
    return TradeTappAnalysis(
        financials_status=status, flags_status=FINANCIALS_PRESENT if side.flags is not None else NOT_FETCHED,
        not_found_detail=detail, risk_evaluation_score=fin.riskEvaluationScore if fin else None,
        benchmarks=benchmarks, key_metrics=km, statements=statements, latest_age_months=age,
        capacity=_capacity(km, amounts, award, money), flags=flags,
    )


class _Out:
    def __init__(self, rules: Rules) -> None:
        self.rules, self.items = rules, []  # type: ignore[var-annotated]

    def add(self, rule: str, message: str, **evidence: Any) -> None:
        severity = self.rules.severity(rule)
        if severity != OFF:
            self.items.append(model.Flag(rule, severity, " ".join(message.split()), evidence))


def evaluate(a: TradeTappAnalysis | None, ctx: model.ReportContext, currency: str,
             award: Decimal | None = None) -> list[model.Flag]:
    """The flags of TradeTapp's analysis (unsorted: ``reporter.transform.flags`` orders them)."""
    if a is None:
        return []
    out = _Out(ctx.rules)

    def amt(d: Decimal | None) -> str:
        return "not provided" if d is None else format_money(d, currency, ctx.locale)

    for f in a.active_flags:
        rule = PRIORITY_RULE.get((f.priority or "").upper(), "tradetapp.gc_flag_medium")
        who = f"raised by {f.raised_by}" if f.raised_by else "raised"
        when = f" on {f.raised_at.date().isoformat()}" if f.raised_at else ""
        by = f", {who}{when}" if f.raised_by or f.raised_at else ""
        kind = f"{f.priority.lower()} priority" if f.priority else "no priority"  # words, not codes
        kind += f", {f.type.replace('_', ' ').lower()}" if f.type else ", no type"
        out.add(rule, f"GC's own TradeTapp flag ({kind}){by}: "
                f"{f.name or '(unnamed)'} - {f.summary or 'no summary'}",
                flagId=f.id, name=f.name, priority=f.priority, type=f.type, summary=f.summary,
                eventDate=f.event_date, raisedBy=f.raised_by, raisedAt=f.raised_at)
    for c in a.capacity:
        if c.exceeded:
            gc = f"; GC limit {amt(c.gc_limit)}" if c.gc_limit is not None else ""
            what = "Award" if c.key == "single" else "Backlog + award"
            cap = "single-project" if c.key == "single" else "aggregate total"
            out.add(c.rule, f"{what} {amt(c.measured)} is above TradeTapp's recommended {cap} capacity "
                    f"{amt(c.recommended)}{gc}", measured=c.measured, recommended=c.recommended, gcLimit=c.gc_limit)
    _financial_rules(out, a, ctx, amt, award)
    return out.items


def _financial_rules(out: _Out, a: TradeTappAnalysis, ctx: model.ReportContext, amt: Callable[[Decimal | None], str],
                     award: Decimal | None) -> None:
    r = ctx.rules
    for b in a.benchmarks:
        if b.band == "very poor":
            out.add("tradetapp.benchmark_very_poor", f"TradeTapp {b.label.lower()} benchmark {b.score} ({b.year}): very poor "
                    f"(below {r.tradetapp_benchmark_very_poor})", benchmark=b.name, score=b.score, year=b.year)
    km, latest = a.key_metrics, a.latest
    if km is not None and km.working_capital is not None:
        floor = award * r.tradetapp_working_capital_share if award is not None else None
        if km.working_capital < 0 or (floor is not None and km.working_capital < floor):
            tail = f", below {r.tradetapp_working_capital_share:%} of the award ({amt(floor)})" if floor is not None else ""
            out.add("tradetapp.working_capital", f"Working capital {amt(km.working_capital)} ({km.working_capital_year}){tail}",
                    workingCapital=km.working_capital, year=km.working_capital_year, floor=floor)
    if latest is None:
        return
    day = latest.date.isoformat() if latest.date else "undated"
    cr, de, ni = latest.ratio("currentRatio"), latest.ratio("debtToEquity"), latest.figure("netIncome")
    if cr is not None and cr < r.tradetapp_current_ratio_min:
        out.add("tradetapp.current_ratio", f"Current ratio {cr} (statement {day}) is below {r.tradetapp_current_ratio_min}",
                currentRatio=cr, statementDate=latest.date, minimum=r.tradetapp_current_ratio_min)
    if de is not None and de > r.tradetapp_debt_to_equity_max:
        out.add("tradetapp.debt_to_equity", f"Debt to equity {de} (statement {day}) is above {r.tradetapp_debt_to_equity_max}",
                debtToEquity=de, statementDate=latest.date, maximum=r.tradetapp_debt_to_equity_max)
    if ni is not None and ni < 0:
        out.add("tradetapp.net_loss", f"Net loss of {amt(-ni)} on the latest statement ({day})", netIncome=ni, statementDate=latest.date)
    if a.latest_age_months is not None and a.latest_age_months > r.tradetapp_statement_max_age_months:
        out.add("tradetapp.statement_age", f"Latest statement closes {day}, {a.latest_age_months} months before the as-of day "
                f"(more than {r.tradetapp_statement_max_age_months})", statementDate=latest.date, months=a.latest_age_months)
    kind = (latest.type or "").upper()
    if award is not None and kind:
        low = any(t in kind for t in LOW_QUALITY_TYPES)
        if (low and award > r.tradetapp_reviewed_above) or (kind == "REVIEWED" and award > r.tradetapp_audited_above):
            need, edge = ("audited", r.tradetapp_audited_above) if kind == "REVIEWED" else ("reviewed or audited", r.tradetapp_reviewed_above)
            words = (latest.type or "").replace("_", " ").lower()  # a reader's words; statementType keeps the code
            out.add("tradetapp.statement_type", f"Latest statement is {words}; an award of {amt(award)} (above "
                    f"{amt(edge)}) calls for {need} statements", statementType=latest.type, award=award, threshold=edge)
