"""Render stage (Excel): the label/value facts of the Summary and Company sheets.

Input: a ``Report``. Output: lists of ``Fact(label, value, kind, field)``:
- ``summary_facts``: the same facts as page one of the PDF (identity, verdict and its reasons,
  qualification, capacity and its checks, safety, insurance, finances, flag counts, currency);
- ``company_facts``: every top-level record field that is not a nested section (names, masked tax
  id, brokers, bank, employees, dates, amounts, the qualification decision, unknown fields).

Values stay typed (``Money``, ``Decimal``, ``date``, ``datetime``, ``bool``, ``int``); ``None``
means "not provided" and the writer says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reporter import __version__
from reporter.api.models import QUALIFICATION_MONEY_FIELDS, TOP_LEVEL_MONEY_FIELDS


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any
    kind: str = "text"  # a reporter.sections.KINDS name, or "ratio" (0.00"x")
    field: str | None = None  # the record's field, where the fact is one


def humanize(name: str) -> str:
    """``insuranceBrokerContactEmail`` -> ``Insurance broker contact email``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def summary_facts(report) -> list[Fact]:
    q, a, s, f, c, p = (report.qualification, report.amounts, report.safety, report.financial,
                        report.company, report.project)
    F = Fact
    out = [
        F("Company", report.company_name, "text", "companyName"),
        F("Doing business as", c.get("doingBusinessAsName"), "text", "doingBusinessAsName"),
        F("Legal (tax) name", c.get("companyTaxName"), "text", "companyTaxName"),
        F("BuildingConnected id", report.company_id, "code", "id"),
        F("GC unique id", c.get("uniqueId"), "code", "uniqueId"),
        F("Year founded", c.get("yearFounded"), "year", "yearFounded"),
        F("State founded", c.get("stateFounded"), "text", "stateFounded"),
        F("As of", report.as_of, "date"),
        F("Project number", p.number, "text"),
        F("Project name", p.name, "text"),
        F("Award (project value)", p.value, "money"),
        F("Project end", p.end, "date"),
        F("Verdict", report.verdict.upper(), "status"),
    ]
    out += [F(f"Verdict reason {i}", r, "longtext") for i, r in enumerate(report.verdict_reasons, 1)]
    out += [
        F("Qualification status", q["status"], "status", "qualification.status"),
        F("Qualification expires", q["dateExpiresLocal"], "date", "qualification.dateExpires"),
        F("Days to expiry", q["daysToExpiry"], "int"),
        F("Status before expiry", q["preExpirationStatus"], "status", "qualification.preExpirationStatus"),
        F("Denial reason", q["denialReason"], "longtext", "qualification.denialReason"),
        F("Internal single limit", a["internalSingleLimit"], "money", "qualification.internalSingleLimit"),
        F("Internal total limit", a["internalTotalLimit"], "money", "qualification.internalTotalLimit"),
        F("Current estimated backlog", a["currentEstimatedBacklog"], "money", "currentEstimatedBacklog"),
        F("Single-project bonding capacity", a["suretySingleProjectBondingCapacity"], "money",
          "suretySingleProjectBondingCapacity"),
        F("Aggregate bonding capacity", a["suretyAggregateBondingCapacity"], "money", "suretyAggregateBondingCapacity"),
    ]
    for chk in report.capacity:
        out.append(F(f"{chk.label}: measured", chk.award_or_load, "money"))
        out.append(F(f"{chk.label}: limit", chk.limit, "money"))
        out.append(F(f"{chk.label}: ratio", chk.ratio, "ratio"))
        out.append(F(f"{chk.label}: exceeded", chk.exceeded, "bool"))
    emr = s["emrLatest"]
    three = s["threeYear"]
    years = ", ".join(str(y) for y in three["years"]) or None
    out += [
        F("EMR latest", emr["value"] if emr else None, "emr"),
        F("EMR latest year", emr["year"] if emr else None, "year"),
        F("EMR 3-year average", s["emrAverage3"], "rate"),
        F("EMR trend", s["emrTrend"], "text"),
        F("Pooled safety years", years, "text"),
        F("TRIR (pooled, per 200,000 h)", three["trir"], "rate"),
        F("DART (pooled, per 200,000 h)", three["dart"], "rate"),
        F("LTIR (pooled, per 200,000 h)", three["ltir"], "rate"),
        F("Hours worked (pooled years)", three["hoursWorked"], "int"),
    ]
    for y in list(reversed(s["years"]))[:3]:
        out.append(F(f"TRIR {y['year']}", y["trir"], "rate"))
        out.append(F(f"DART {y['year']}", y["dart"], "rate"))
    if not report.insurance_status:
        out.append(F("Insurance", None, "text"))
    for row in report.insurance_status:
        label = row["insuranceLabel"]
        out.append(F(f"{label}: status", row["status"], "status"))
        if not row["isNotApplicable"]:
            out.append(F(f"{label}: per occurrence", row["perOccurrenceLimit"], "money"))
            out.append(F(f"{label}: aggregate", row["aggregateLimit"], "money"))
            out.append(F(f"{label}: expires", row["policyExpirationDate"], "date"))
    latest = f["revenueLatest"]
    largest = f["largestProject"]
    out += [
        F("Latest revenue", latest["revenue"] if latest else None, "money"),
        F("Latest revenue year", latest["year"] if latest else None, "year"),
        F("Revenue change y/y", latest["change"] if latest else None, "percent"),
        F("Line of credit total", a["bankLineOfCreditTotal"], "money", "bankLineOfCreditTotal"),
        F("Line of credit outstanding", a["bankLineOfCreditOutstanding"], "money", "bankLineOfCreditOutstanding"),
        F("Line of credit utilisation", f["lineOfCreditUtilisation"], "percent"),
        F("Largest completed job", largest["value"] if largest else None, "money"),
        F("Largest completed job: project", largest["projectName"] if largest else None, "text"),
        F("Largest completed job: year", largest["year"] if largest else None, "year"),
        F("Flags: total", len(report.flags), "int"),
    ]
    for sev in ("high", "medium", "low"):
        out.append(F(f"Flags: {sev}", sum(1 for fl in report.flags if fl.severity == sev), "int"))
    out += [
        F("Amounts in", report.currency, "code"),
        F("Submitted in", report.submission_currency, "code", "submissionCurrency"),
        F("Currency note", report.fx_note or f"Amounts in {report.currency} as submitted.", "longtext"),
        F("Time zone of dates", report.timezone, "text"),
        F("Generated at", report.generated_at, "date"),
        F("Generated by", f"reporter {__version__}", "text"),
    ]
    return out


_COMPANY_KINDS = {
    "id": "code", "uniqueId": "code", "federalTaxId": "code", "yearFounded": "year",
    "numberOfHomeOfficeEmployees": "int", "numberOfFieldSupervisoryEmployees": "int",
    "insuranceBrokerContactEmail": "email", "bankContactEmail": "email",
    "insuranceBrokerContactPhone": "phone", "suretyBrokerContactPhone": "phone", "bankContactPhone": "phone",
    "hasProfessionalLicenses": "bool", "hasUnionAffiliations": "bool", "hasParentCompany": "bool",
}


def company_facts(report) -> list[Fact]:
    out = [
        Fact(humanize(name), value, _COMPANY_KINDS.get(name, "text"), name)
        for name, value in report.company.items()
    ]
    out += [Fact(humanize(name), report.amounts.get(name), "money", name) for name in TOP_LEVEL_MONEY_FIELDS]
    q = report.qualification
    out += [
        Fact("Qualification status", q["status"], "status", "qualification.status"),
        Fact("Qualification expires", q["dateExpires"], "date", "qualification.dateExpires"),
        Fact("Qualification summary", q["summary"], "longtext", "qualification.summary"),
        Fact("Denial reason", q["denialReason"], "longtext", "qualification.denialReason"),
        Fact("Status before expiry", q["preExpirationStatus"], "status", "qualification.preExpirationStatus"),
    ]
    out += [
        Fact(humanize(name), report.amounts.get(name), "money", f"qualification.{name}")
        for name in QUALIFICATION_MONEY_FIELDS
    ]
    for name, value in report.other_fields.items():
        if name == "qualification" and isinstance(value, dict):
            out += [Fact(f"Other field: qualification.{k}", v, "text", f"qualification.{k}") for k, v in value.items()]
        else:
            out.append(Fact(f"Other field: {name}", value, "text", name))
    return out
