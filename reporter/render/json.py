"""Render stage: the public JSON form of a ``Report`` (``--formats json``).

Input: a ``Report`` (``reporter.transform.model``). Output: a JSON-ready dict
(``report_to_json``) or its UTF-8 bytes (``render_json``). Keys documented in the README are a public contract:
``companyId``, ``companyName``, ``asOf``, ``reportCurrency``, ``verdict``, ``verdictReasons``,
``flags[{rule, severity, message, evidence}]``, ``qualification{status, dateExpires, daysToExpiry, ...}``,
``amounts{<apiFieldName>: {amount, currency, converted{amount, currency, rate, rateDate}}}``,
``safety{years[...], threeYear{...}, emr[...]}``, ``sections{<key>: [...]}``.
Amounts and rates are decimal strings (never floats); dates are ISO 8601.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reporter import __version__
from reporter.dates import format_iso
from reporter.render.options import RenderOptions
from reporter.transform.model import (
    CapacityCheck,
    EmrYear,
    Financial,
    QualificationDecision,
    Report,
    RevenueYear,
    Safety,
    SectionRow,
)
from reporter.transform.money import Money, round_to


def plain(value: Any) -> Any:
    """Recursively turn report values into JSON-ready values."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Money):
        return value.to_json()
    if isinstance(value, datetime):
        return format_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def _round(d: Decimal | None, places: int = 4) -> str | None:
    return None if d is None else format(round_to(d, places), "f")


def _capacity(c: CapacityCheck) -> dict[str, Any]:
    return {
        "key": c.key,
        "rule": c.rule,
        "label": c.label,
        "measured": plain(c.award_or_load),
        "limit": plain(c.limit),
        "ratio": _round(c.ratio),
        "threshold": plain(c.threshold),
        "exceeded": c.exceeded,
    }


def _qualification(q: QualificationDecision) -> dict[str, Any]:
    return {
        "status": q.status,
        "statusKnown": q.status_known,
        "dateExpires": plain(q.date_expires),
        "dateExpiresLocal": plain(q.date_expires_local),
        "daysToExpiry": q.days_to_expiry,
        "summary": q.summary,
        "denialReason": q.denial_reason,
        "preExpirationStatus": q.pre_expiration_status,
        "internalSingleLimit": plain(q.internal_single_limit),
        "internalTotalLimit": plain(q.internal_total_limit),
    }


def _revenue_year(y: RevenueYear) -> dict[str, Any]:
    return {"year": y.year, "revenue": plain(y.revenue), "change": _round(y.change)}


def _financial(f: Financial) -> dict[str, Any]:
    lp = f.largest_project
    return {
        "revenue": [_revenue_year(y) for y in f.revenue],
        "revenueLatest": _revenue_year(f.revenue_latest) if f.revenue_latest else None,
        "lineOfCreditUtilisation": _round(f.line_of_credit_utilisation),
        "largestProject": (
            {"projectName": lp.project_name, "year": lp.year, "value": plain(lp.value)} if lp else None
        ),
    }


def _emr(e: EmrYear | None) -> dict[str, Any] | None:
    return None if e is None else {"year": e.year, "value": plain(e.value)}


def _safety(s: Safety) -> dict[str, Any]:
    three = s.three_year
    return {
        "years": [
            {
                "year": y.year,
                "hoursWorked": y.hours_worked,
                "cases": {"G": y.deaths, "H": y.days_away, "I": y.restricted, "J": y.other},
                "trir": _round(y.trir),
                "dart": _round(y.dart),
                "ltir": _round(y.ltir),
                "lowHours": y.low_hours,
            }
            for y in s.years
        ],
        "threeYear": {
            "years": list(three.years),
            "hoursWorked": three.hours_worked,
            "trir": _round(three.trir),
            "dart": _round(three.dart),
            "ltir": _round(three.ltir),
        },
        "emr": [_emr(e) for e in s.emr],
        "emrLatest": _emr(s.emr_latest),
        "emrAverage3": _round(s.emr_average3),
        "emrTrend": s.emr_trend,
    }


# Derived figures in section rows: rounded to 4 decimals like the safety block (amounts stay exact).
_ROUNDED = {"osha": ("trir", "dart", "ltir"), "revenue": ("change",)}
# The order of ``sections`` in the JSON (as published; the registry's order is the packet's).
_SECTION_ORDER = (
    "csiCodes", "regions", "markets", "references", "contacts", "insurance", "emr", "osha",
    "certificates", "unions", "revenue", "licenses", "offices", "customQuestions",
)


def _sections(sections: dict[str, list[SectionRow]]) -> dict[str, Any]:
    ordered = {k: sections[k] for k in _SECTION_ORDER if k in sections}
    ordered.update((k, v) for k, v in sections.items() if k not in ordered)
    out: dict[str, Any] = plain(ordered)
    for key, names in _ROUNDED.items():
        for row, src in zip(out.get(key, []), sections.get(key, []), strict=False):
            for name in names:
                row[name] = _round(src.get(name))
    return out


def report_to_json(report: Report) -> dict[str, Any]:
    return {
        "schema": "reporter.report/1",
        "reporterVersion": __version__,
        "companyId": report.company_id,
        "companyName": report.company_name,
        "asOf": report.as_of.isoformat(),
        "generatedAt": format_iso(report.generated_at),
        "timezone": report.timezone,
        "reportCurrency": report.currency,
        "submissionCurrency": report.submission_currency,
        "currencyAssumed": report.currency_assumed,
        "verdict": report.verdict,
        "verdictReasons": list(report.verdict_reasons),
        "flags": [
            {"rule": f.rule, "severity": f.severity, "message": f.message, "evidence": plain(f.evidence)}
            for f in report.flags
        ],
        "qualification": _qualification(report.qualification),
        "company": plain(dict(report.company.items())),
        "amounts": {k: (v.to_json() if v is not None else None) for k, v in report.amounts.items()},
        "safety": _safety(report.safety),
        "financial": _financial(report.financial),
        "capacity": [_capacity(c) for c in report.capacity],
        "project": {**plain(report.project), "currency": report.currency},
        "sections": _sections(report.sections),
        "otherFields": plain(report.other_fields),
        "fxNote": report.fx_note,
    }


def render_json(report: Report, options: RenderOptions | None = None) -> bytes:
    """The JSON file of ``--formats json`` (indented, UTF-8, a final newline)."""
    return (json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
