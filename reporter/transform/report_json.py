"""Transform stage: the public JSON form of a ``Report`` (``--formats json``).

Input: a ``Report``. Output: a JSON-ready dict. Keys documented in the README are a public contract:
``companyId``, ``companyName``, ``asOf``, ``reportCurrency``, ``verdict``, ``verdictReasons``,
``flags[{rule, severity, message, evidence}]``, ``qualification{status, dateExpires, daysToExpiry, ...}``,
``amounts{<apiFieldName>: {amount, currency, converted{amount, currency, rate, rateDate}}}``,
``safety{years[...], threeYear{...}, emr[...]}``, ``sections{<key>: [...]}``.
Amounts and rates are decimal strings (never floats); dates are ISO 8601.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reporter import __version__
from reporter.dates import format_iso
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


def _capacity(c) -> dict[str, Any]:
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


def _financial(f: dict) -> dict[str, Any]:
    out = plain(f)
    for row, src in zip(out["revenue"], f["revenue"], strict=False):
        row["change"] = _round(src["change"])
    if f["revenueLatest"]:
        out["revenueLatest"]["change"] = _round(f["revenueLatest"]["change"])
    out["lineOfCreditUtilisation"] = _round(f["lineOfCreditUtilisation"])
    return out


# Derived figures in section rows: rounded to 4 decimals like the safety block (amounts stay exact).
_ROUNDED = {"osha": ("trir", "dart", "ltir"), "revenue": ("change",)}


def _sections(sections: dict) -> dict[str, Any]:
    out = plain(sections)
    for key, fields in _ROUNDED.items():
        for row, src in zip(out.get(key, []), sections.get(key, []), strict=False):
            for name in fields:
                row[name] = _round(src.get(name))
    return out


def report_to_json(report) -> dict[str, Any]:
    q = dict(report.qualification)
    safety = report.safety
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
        "qualification": plain(q),
        "company": plain(report.company),
        "amounts": {k: (v.to_json() if v is not None else None) for k, v in report.amounts.items()},
        "safety": {
            "years": [
                {
                    "year": y["year"],
                    "hoursWorked": y["hoursWorked"],
                    "cases": {"G": y["deaths"], "H": y["daysAway"], "I": y["restricted"], "J": y["other"]},
                    "trir": _round(y["trir"]),
                    "dart": _round(y["dart"]),
                    "ltir": _round(y["ltir"]),
                    "lowHours": y["lowHours"],
                }
                for y in safety["years"]
            ],
            "threeYear": {
                "years": safety["threeYear"]["years"],
                "hoursWorked": safety["threeYear"]["hoursWorked"],
                "trir": _round(safety["threeYear"]["trir"]),
                "dart": _round(safety["threeYear"]["dart"]),
                "ltir": _round(safety["threeYear"]["ltir"]),
            },
            "emr": plain(safety["emr"]),
            "emrLatest": plain(safety["emrLatest"]),
            "emrAverage3": _round(safety["emrAverage3"]),
            "emrTrend": safety["emrTrend"],
        },
        "financial": _financial(report.financial),
        "capacity": [_capacity(c) for c in report.capacity],
        "project": {**plain(report.project), "currency": report.currency},
        "sections": _sections(report.sections),
        "otherFields": plain(report.other_fields),
        "fxNote": report.fx_note,
    }
