"""Render stage (Excel): the label/value facts of the Summary and Company sheets.

Input: a ``Report``. Output: lists of ``Fact(label, value, kind, field)``:
- ``summary_facts``: the same facts as page one of the PDF (identity, verdict and its reasons,
  qualification, capacity and its checks, safety, insurance, finances, flag counts, currency);
- ``company_facts``: every top-level record field that is not a nested section: the facts the
  packet's Company part lists (``reporter.render.facts``, same labels), then the unknown fields.

Values stay typed (``Money``, ``Decimal``, ``date``, ``datetime``, ``bool``, ``int``); ``None``
means "not provided" and the writer says so.
"""

from __future__ import annotations

from reporter import __version__
from reporter.render.facts import Fact, company_fact_groups
from reporter.transform.model import Report

__all__ = ["Fact", "company_facts", "summary_facts"]


def summary_facts(report: Report) -> list[Fact]:
    q, a, s, f, c, p = (report.qualification, report.amounts, report.safety, report.financial,
                        report.company, report.project)
    F = Fact
    out = [
        F("Company", report.company_name, "text", "companyName"),
        F("Doing business as", c.doingBusinessAsName, "text", "doingBusinessAsName"),
        F("Legal (tax) name", c.companyTaxName, "text", "companyTaxName"),
        F("BuildingConnected id", report.company_id, "code", "id"),
        F("GC unique id", c.uniqueId, "code", "uniqueId"),
        F("Year founded", c.yearFounded, "year", "yearFounded"),
        F("State founded", c.stateFounded, "text", "stateFounded"),
        F("As of", report.as_of, "date"),
        F("Project number", p.number, "text"),
        F("Project name", p.name, "text"),
        F("Award (project value)", p.value, "money"),
        F("Project end", p.end, "date"),
        F("Verdict", report.verdict.upper(), "status"),
    ]
    out += [F(f"Verdict reason {i}", r, "longtext") for i, r in enumerate(report.verdict_reasons, 1)]
    out += [
        F("Qualification status", q.status, "status", "qualification.status"),
        F("Qualification expires", q.date_expires_local, "date", "qualification.dateExpires"),
        F("Days to expiry", q.days_to_expiry, "int"),
        F("Status before expiry", q.pre_expiration_status, "status", "qualification.preExpirationStatus"),
        F("Denial reason", q.denial_reason, "longtext", "qualification.denialReason"),
        F("Internal single limit", a.internalSingleLimit, "money", "qualification.internalSingleLimit"),
        F("Internal total limit", a.internalTotalLimit, "money", "qualification.internalTotalLimit"),
        F("Current estimated backlog", a.currentEstimatedBacklog, "money", "currentEstimatedBacklog"),
        F("Single-project bonding capacity", a.suretySingleProjectBondingCapacity, "money",
          "suretySingleProjectBondingCapacity"),
        F("Aggregate bonding capacity", a.suretyAggregateBondingCapacity, "money", "suretyAggregateBondingCapacity"),
    ]
    for chk in report.capacity:
        out.append(F(f"{chk.label}: measured", chk.award_or_load, "money"))
        out.append(F(f"{chk.label}: limit", chk.limit, "money"))
        out.append(F(f"{chk.label}: ratio", chk.ratio, "ratio"))
        out.append(F(f"{chk.label}: exceeded", chk.exceeded, "bool"))
    emr = s.emr_latest
    three = s.three_year
    years = ", ".join(str(y) for y in three.years) or None
    out += [
        F("EMR latest", emr.value if emr else None, "emr"),
        F("EMR latest year", emr.year if emr else None, "year"),
        F("EMR 3-year average", s.emr_average3, "rate"),
        F("EMR trend", s.emr_trend, "text"),
        F("Pooled safety years", years, "text"),
        F("TRIR (pooled, per 200,000 h)", three.trir, "rate"),
        F("DART (pooled, per 200,000 h)", three.dart, "rate"),
        F("LTIR (pooled, per 200,000 h)", three.ltir, "rate"),
        F("Hours worked (pooled years)", three.hours_worked, "int"),
    ]
    for y in list(reversed(s.years))[:3]:
        out.append(F(f"TRIR {y.year}", y.trir, "rate"))
        out.append(F(f"DART {y.year}", y.dart, "rate"))
    if not report.insurance:
        out.append(F("Insurance", None, "text"))
    for row in report.insurance:
        label = row.label
        out.append(F(f"{label}: status", row.status, "status"))
        if not row.not_applicable:
            out.append(F(f"{label}: per occurrence", row.per_occurrence_limit, "money"))
            out.append(F(f"{label}: aggregate", row.aggregate_limit, "money"))
            out.append(F(f"{label}: expires", row.policy_expiration_date, "date"))
    latest = f.revenue_latest
    largest = f.largest_project
    out += [
        F("Latest revenue", latest.revenue if latest else None, "money"),
        F("Latest revenue year", latest.year if latest else None, "year"),
        F("Revenue change y/y", latest.change if latest else None, "percent"),
        F("Line of credit total", a.bankLineOfCreditTotal, "money", "bankLineOfCreditTotal"),
        F("Line of credit outstanding", a.bankLineOfCreditOutstanding, "money", "bankLineOfCreditOutstanding"),
        F("Line of credit utilisation", f.line_of_credit_utilisation, "percent"),
        F("Largest completed job", largest.value if largest else None, "money"),
        F("Largest completed job: project", largest.project_name if largest else None, "text"),
        F("Largest completed job: year", largest.year if largest else None, "year"),
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


def company_facts(report: Report) -> list[Fact]:
    """The packet's Company facts (same labels and order), then every unknown field as received."""
    out = [fact for group in company_fact_groups(report).values() for fact in group]
    for name, value in report.other_fields.items():
        if name == "qualification" and isinstance(value, dict):
            out += [Fact(f"Other field: qualification.{k}", v, "text", f"qualification.{k}") for k, v in value.items()]
        else:
            out.append(Fact(f"Other field: {name}", value, "text", name))
    return out
