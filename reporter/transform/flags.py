"""Transform stage: risk flags and the verdict.

Input: the parts of a report computed by ``reporter.transform.report`` (qualification decision,
safety, financial, capacity, insurance and certificate rows) and the ``Rules``.
Output: a list of ``Flag(rule, severity, message, evidence)`` sorted by severity, and a verdict
``green``/``amber``/``red`` with the reasons that drove it.

Verdict: red when any flag is ``high`` (a DENIED or EXPIRED qualification is high by default);
amber when any flag is ``medium``; green otherwise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reporter.transform.report import Flag
from reporter.transform.sections_data import insurance_label

_ORDER = {"high": 0, "medium": 1, "low": 2}


def _fmt(d: Decimal | None, places: int = 2) -> str:
    return "n/a" if d is None else f"{d:.{places}f}"


def _amt(d: Decimal | None, ccy: str) -> str:
    return "n/a" if d is None else f"{ccy} {d:,.0f}"


def evaluate(*, record, qualification, safety, financial, capacity, insurance, certificates, ctx) -> list[Flag]:
    rules = ctx.rules
    out: list[Flag] = []

    def add(rule: str, default: str, message: str, **evidence: Any) -> None:
        out.append(Flag(rule, rules.severity(rule, default), message, evidence))

    # Qualification decision
    status = qualification["status"]
    if status == "DENIED":
        reason = qualification["denialReason"] or "no reason given"
        add("qualification.denied", "high", f"Qualification DENIED: {reason}", status=status, denialReason=qualification["denialReason"])
    elif status == "EXPIRED":
        add(
            "qualification.expired", "high",
            f"Qualification EXPIRED (was {qualification['preExpirationStatus'] or 'unknown'} before)",
            status=status, preExpirationStatus=qualification["preExpirationStatus"],
        )
    elif status == "QUALIFIED_WITH_EXCEPTIONS":
        add("qualification.exceptions", "medium", "Qualified with exceptions: " + (qualification["summary"] or "see summary"),
            status=status, summary=qualification["summary"])
    elif status is None:
        add("qualification.missing", "medium", "No qualification status on the record", status=None)
    elif not qualification["statusKnown"]:
        add("qualification.unknown", "medium", f"Unrecognised qualification status {status!r}", status=status)

    days = qualification["daysToExpiry"]
    if days is not None and status != "EXPIRED":
        if days < 0:
            add("qualification.lapsed", "high", f"Qualification expired {-days} days ago ({qualification['dateExpiresLocal']})",
                dateExpires=qualification["dateExpiresLocal"], daysToExpiry=days)
        elif days <= rules.expiry_warning_days:
            add("qualification.expiring", "medium", f"Qualification expires in {days} days ({qualification['dateExpiresLocal']})",
                dateExpires=qualification["dateExpiresLocal"], daysToExpiry=days)
        elif ctx.project.end and qualification["dateExpiresLocal"] < ctx.project.end:
            add("qualification.before_project_end", "low",
                f"Qualification expires {qualification['dateExpiresLocal']}, before project end {ctx.project.end}",
                dateExpires=qualification["dateExpiresLocal"], projectEnd=ctx.project.end)

    # Safety
    emr = safety["emrLatest"]
    if emr:
        v = emr["value"]
        if v > rules.emr_critical:
            add("safety.emr_critical", "high", f"EMR {_fmt(v)} in {emr['year']} (above {rules.emr_critical})", year=emr["year"], emr=v, threshold=rules.emr_critical)
        elif v > rules.emr_caution:
            add("safety.emr_caution", "medium", f"EMR {_fmt(v)} in {emr['year']} (above {rules.emr_caution})", year=emr["year"], emr=v, threshold=rules.emr_caution)
    avg = safety["emrAverage3"]
    if avg is not None and avg > rules.emr_caution and len(safety["emrAverageYears"]) >= 2:
        add("safety.emr_average", "medium", f"EMR {len(safety['emrAverageYears'])}-year average {_fmt(avg)} (above {rules.emr_caution})",
            years=safety["emrAverageYears"], average=avg, threshold=rules.emr_caution)
    elif emr is None:
        add("safety.emr_missing", "low", "No EMR submitted", emr=None)
    latest_year = max((r["year"] for r in safety["years"] if r["year"] is not None), default=None)
    for f in safety["fatalities"]:
        if latest_year is not None and f["year"] > latest_year - rules.fatality_lookback_years:
            add("safety.fatality", "high", f"{f['deaths']} fatalit{'y' if f['deaths'] == 1 else 'ies'} recorded in {f['year']} (OSHA 300A box G)",
                year=f["year"], deaths=f["deaths"])
    three = safety["threeYear"]
    if three["trir"] is not None and three["trir"] > rules.trir_caution:
        add("safety.trir_high", "medium", f"3-year TRIR {_fmt(three['trir'])} above {rules.trir_caution}", trir=three["trir"], years=three["years"], hours=three["hoursWorked"], threshold=rules.trir_caution)
    if three["dart"] is not None and three["dart"] > rules.dart_caution:
        add("safety.dart_high", "medium", f"3-year DART {_fmt(three['dart'])} above {rules.dart_caution}", dart=three["dart"], years=three["years"], hours=three["hoursWorked"], threshold=rules.dart_caution)
    if not safety["years"]:
        add("safety.osha_missing", "low", "No OSHA 300A results submitted")
    for r in safety["years"]:
        if r["lowHours"]:
            add("safety.low_hours", "low", f"Only {r['hoursWorked']:,} hours worked in {r['year']}: rates are unstable",
                year=r["year"], hoursWorked=r["hoursWorked"], threshold=rules.low_hours)

    # Capacity (only with --project-value)
    for c in capacity:
        if not c.exceeded:
            continue
        if c.key == "largestProject":
            if c.ratio is not None and c.ratio > rules.largest_project_ratio:
                add("capacity.largestProject", "medium",
                    f"Award is {c.ratio:.1f}x the largest completed project ({_amt(c.limit, ctx_ccy(ctx, record))})",
                    award=c.award_or_load, largest=c.limit, ratio=c.ratio)
            continue
        sev = "medium" if c.key == "bondingAggregate" else "high"
        add(f"capacity.{c.key}", sev, f"{c.label}: {_amt(c.award_or_load, ctx_ccy(ctx, record))} exceeds {_amt(c.limit, ctx_ccy(ctx, record))} ({c.ratio:.1f}x)" if c.ratio is not None else c.label,
            measured=c.award_or_load, limit=c.limit, ratio=c.ratio)

    # Financial
    util = financial["lineOfCreditUtilisation"]
    if util is not None and util > rules.loc_utilisation_caution:
        add("financial.loc_utilisation", "medium", f"Line of credit {util:.0%} used (above {rules.loc_utilisation_caution:.0%})", utilisation=util)
    latest = financial["revenueLatest"]
    if latest and latest["change"] is not None and latest["change"] < rules.revenue_drop_caution:
        add("financial.revenue_drop", "medium", f"Revenue fell {-latest['change']:.0%} in {latest['year']}", year=latest["year"], change=latest["change"])

    # Insurance
    by_type: dict[str, list[dict]] = {}
    for row in insurance:
        by_type.setdefault(row["insuranceType"] or "", []).append(row)
    for required in rules.required_insurance:
        rows = by_type.get(required, [])
        label = insurance_label(required)
        if not rows:
            add("insurance.missing", "high", f"{label}: not provided", insuranceType=required)
            continue
        if all(r["isNotApplicable"] for r in rows):
            add("insurance.not_applicable", "medium", f"{label}: marked not applicable", insuranceType=required)
            continue
        minimum = rules.insurance_minimums.get(required)
        for r in rows:
            if r["isNotApplicable"]:
                continue
            if minimum:
                occ = r["perOccurrenceLimit"].value if r["perOccurrenceLimit"] else None
                agg = r["aggregateLimit"].value if r["aggregateLimit"] else None
                if minimum.per_occurrence is not None and (occ is None or occ < minimum.per_occurrence):
                    add("insurance.below_minimum", "medium", f"{label}: per-occurrence limit {_amt(occ, ctx_ccy(ctx, record))} below {_amt(minimum.per_occurrence, ctx_ccy(ctx, record))}",
                        insuranceType=required, limit=occ, minimum=minimum.per_occurrence)
                if minimum.aggregate is not None and (agg is None or agg < minimum.aggregate):
                    add("insurance.below_minimum", "medium", f"{label}: aggregate limit {_amt(agg, ctx_ccy(ctx, record))} below {_amt(minimum.aggregate, ctx_ccy(ctx, record))}",
                        insuranceType=required, limit=agg, minimum=minimum.aggregate)
    for r in insurance:
        if r["isNotApplicable"]:
            continue
        label = r["insuranceLabel"]
        if r["status"] == "expired":
            add("insurance.expired", "high", f"{label} policy expired {r['policyExpirationDate']}", insuranceType=r["insuranceType"], policyExpirationDate=r["policyExpirationDate"])
        elif r["status"] == "expires before project end":
            add("insurance.before_project_end", "medium", f"{label} expires {r['policyExpirationDate']}, before project end {ctx.project.end}",
                insuranceType=r["insuranceType"], policyExpirationDate=r["policyExpirationDate"], projectEnd=ctx.project.end)
        elif r["status"].startswith("expires in"):
            add("insurance.expiring", "medium", f"{label} {r['status']} ({r['policyExpirationDate']})", insuranceType=r["insuranceType"], policyExpirationDate=r["policyExpirationDate"])
    for c in certificates:
        if c["status"] == "expired":
            add("certificate.expired", "low", f"Certificate {c['typeName'] or c['number'] or ''} expired {c['expiresAt']}".replace("  ", " "),
                certificate=c["typeName"], number=c["number"], expiresAt=c["expiresAt"])

    out.sort(key=lambda f: _ORDER.get(f.severity, 3))
    return out


def ctx_ccy(ctx, record) -> str:
    return ctx.report_currency or record.submissionCurrency or "USD"


def verdict(flags: list[Flag], qualification: dict) -> tuple[str, list[str]]:
    highs = [f.message for f in flags if f.severity == "high"]
    mediums = [f.message for f in flags if f.severity == "medium"]
    if highs:
        return "red", highs[:3]
    if mediums:
        return "amber", mediums[:3]
    status = qualification["status"] or "no status"
    return "green", [f"{status.replace('_', ' ').capitalize()}; no high or medium flags"]
