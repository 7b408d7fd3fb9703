"""Render stage: the public JSON form of TradeTapp's analysis (the report JSON's ``tradetapp`` key).

Input: a ``TradeTappAnalysis`` (``reporter.transform.model_tradetapp``) or ``None``. Output: a
JSON-ready dict (or ``None`` when no financials or flags were saved or fetched with the record).
Keys are documented in the README's report-JSON table. Figures are TradeTapp's own, exact, as
decimal strings (never rounded); days ``YYYY-MM-DD``, instants ISO 8601 UTC.
"""

from __future__ import annotations

from typing import Any

from reporter.dates import format_iso
from reporter.transform.model_tradetapp import GcFlag, StatementFigures, TradeTappAnalysis, YearValue


def _num(value: Any) -> Any:
    return None if value is None else format(value, "f") if not isinstance(value, int) else value


def _when(moment: Any) -> str | None:
    return None if moment is None else format_iso(moment)


def _years(rows: tuple[YearValue, ...]) -> list[dict[str, Any]]:
    return [{"year": r.year, "score": _num(r.value)} for r in rows]


def _statement(s: StatementFigures) -> dict[str, Any]:
    return {
        "period": s.period, "type": s.type, "date": s.date.isoformat() if s.date else None,
        "rawData": {k: _num(v) for k, v in s.raw},
        "metrics": {k: _num(v) for k, v in s.ratios},
        "customRatios": [{"name": c.name, "value": _num(c.value)} for c in s.custom_ratios],
    }


def _flag(f: GcFlag) -> dict[str, Any]:
    return {
        "id": f.id, "name": f.name, "type": f.type, "priority": f.priority,
        "eventDate": f.event_date.isoformat() if f.event_date else None, "summary": f.summary,
        "raisedBy": f.raised_by, "raisedByEmail": f.raised_by_email, "raisedAt": _when(f.raised_at),
        "updatedAt": _when(f.updated_at), "active": f.active, "state": f.state, "stateSummary": f.state_summary,
        "stateAt": _when(f.state_at), "stateBy": f.state_by,
        "stateHistory": [{"value": h.value, "summary": h.summary, "createdAt": _when(h.created_at),
                          "createdBy": h.created_by} for h in f.history],
    }


def tradetapp_to_json(a: TradeTappAnalysis | None) -> dict[str, Any] | None:
    if a is None:
        return None
    km = a.key_metrics
    return {
        "financialsStatus": a.financials_status,
        "flagsStatus": a.flags_status,
        "notFoundDetail": a.not_found_detail,
        "riskEvaluationScore": a.risk_evaluation_score,
        "benchmarks": [{"name": b.name, "label": b.label, "score": _num(b.score), "year": b.year, "band": b.band}
                       for b in a.benchmarks],
        "keyMetrics": None if km is None else {
            "singleProjectCapacity": _num(km.single_project_capacity),
            "aggregateTotalCapacity": _num(km.aggregate_total_capacity),
            "workingCapital": _num(km.working_capital), "workingCapitalYear": km.working_capital_year,
            "netCashFlow": _num(km.net_cash_flow), "netCashFlowYear": km.net_cash_flow_year,
            "largestProject": _num(km.largest_project), "largestProjectYear": km.largest_project_year,
            "experienceModificationRatings": _years(km.emr), "dartRates": _years(km.dart),
            "recordableIncidentRates": _years(km.recordable),
        },
        "statements": [_statement(s) for s in a.statements],
        "latestStatementAgeMonths": a.latest_age_months,
        "capacity": [{"key": c.key, "rule": c.rule, "label": c.label, "recommended": _num(c.recommended),
                      "gcLimit": _num(c.gc_limit), "measured": _num(c.measured), "exceeded": c.exceeded}
                     for c in a.capacity],
        "flags": [_flag(f) for f in a.flags],
    }
