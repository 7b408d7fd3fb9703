"""Transform stage: ``build_report(record, context) -> Report``.

Input: a validated ``Qualification`` wire model and a ``ReportContext`` (as-of day, time zone,
locale, report currency and FX rates, project, rules, tax-id masking). No I/O.
Output: a ``Report``: company facts, the qualification decision, every money amount (original and
converted), safety and financial metrics, capacity checks, flags with a verdict, and every nested
section as normalised rows keyed by ``reporter.sections`` (the registry both renderers read).
``report_to_json`` gives the public JSON contract documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from reporter.api.models import (
    KNOWN_QUALIFICATION_STATUSES,
    QUALIFICATION_MONEY_FIELDS,
    TOP_LEVEL_MONEY_FIELDS,
    Qualification,
)
from reporter.transform import metrics
from reporter.transform.dates import days_between, get_zone, local_day
from reporter.transform.fx import FxTable
from reporter.transform.money import Money, validate_currency
from reporter.transform.rules import DEFAULT_RULES, Rules


@dataclass(frozen=True)
class Project:
    name: str | None = None
    number: str | None = None
    value: Decimal | None = None  # the award being considered, in the report currency
    end: date | None = None


@dataclass(frozen=True)
class ReportContext:
    as_of: date
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    timezone: str = "UTC"
    locale: str = "en_US"
    report_currency: str | None = None  # None: keep each record's submission currency
    fx: FxTable | None = None
    project: Project = field(default_factory=Project)
    rules: Rules = DEFAULT_RULES
    show_tax_id: bool = False


@dataclass(frozen=True)
class Flag:
    rule: str
    severity: str  # high | medium | low
    message: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class CapacityCheck:
    key: str
    label: str
    award_or_load: Decimal | None  # what is measured (award, or backlog + award)
    limit: Decimal | None
    ratio: Decimal | None
    exceeded: bool | None  # None when it cannot be judged (missing limit)


@dataclass
class Report:
    company_id: str
    company_name: str
    as_of: date
    generated_at: datetime
    timezone: str
    locale: str
    currency: str  # the currency figures are compared in (report currency or submission currency)
    submission_currency: str
    company: dict[str, Any]
    qualification: dict[str, Any]
    amounts: dict[str, Money | None]
    safety: dict[str, Any]
    financial: dict[str, Any]
    capacity: list[CapacityCheck]
    insurance_status: list[dict[str, Any]]
    flags: list[Flag]
    verdict: str
    verdict_reasons: list[str]
    sections: dict[str, list[dict[str, Any]]]
    project: Project
    other_fields: dict[str, Any]
    fx_note: str | None = None


def mask_tax_id(value: str | None, show: bool = False) -> str | None:
    """Keep the last 4 characters: ``*****6789``."""
    if value is None or show:
        return value
    v = str(value)
    if len(v) <= 4:
        return "*" * len(v)
    return "*" * (len(v) - 4) + v[-4:]


def build_report(record: Qualification, ctx: ReportContext) -> Report:
    from reporter.transform import flags as flag_rules
    from reporter.transform.sections_data import section_rows

    zone = get_zone(ctx.timezone)
    sub_ccy = validate_currency(record.submissionCurrency or "USD", where=f"{record.id}: submissionCurrency")
    report_ccy = validate_currency(ctx.report_currency, where="--currency") if ctx.report_currency else sub_ccy

    def money(amount: Decimal | None) -> Money | None:
        if amount is None:
            return None
        m = Money(amount=amount, currency=sub_ccy)
        if report_ccy != sub_ccy:
            if ctx.fx is None:
                from reporter.errors import CurrencyError

                raise CurrencyError(
                    f"{record.id}: amounts are in {sub_ccy}; converting to {report_ccy} needs --fx-rates"
                )
            m = ctx.fx.convert(m, report_ccy, ctx.as_of)
        return m

    q = record.qualification
    amounts: dict[str, Money | None] = {f: money(getattr(record, f)) for f in TOP_LEVEL_MONEY_FIELDS}
    amounts.update({f: money(getattr(q, f)) for f in QUALIFICATION_MONEY_FIELDS})

    expires_day = local_day(q.dateExpires, zone) if q.dateExpires else None
    qualification = {
        "status": q.status,
        "statusKnown": q.status in KNOWN_QUALIFICATION_STATUSES if q.status else False,
        "dateExpires": q.dateExpires,
        "dateExpiresLocal": expires_day,
        "daysToExpiry": days_between(ctx.as_of, expires_day) if expires_day else None,
        "summary": q.summary,
        "denialReason": q.denialReason,
        "preExpirationStatus": q.preExpirationStatus,
        "internalSingleLimit": amounts["internalSingleLimit"],
        "internalTotalLimit": amounts["internalTotalLimit"],
    }

    company = {
        "id": record.id,
        "uniqueId": record.uniqueId,
        "companyName": record.companyName,
        "companyTaxName": record.companyTaxName,
        "doingBusinessAsName": record.doingBusinessAsName,
        "companyNetworkName": record.companyNetworkName,
        "questionnaireVersion": record.questionnaireVersion,
        "applicationStatus": record.applicationStatus,
        "applicationDetail": record.applicationDetail,
        "yearFounded": record.yearFounded,
        "stateFounded": record.stateFounded,
        "taxIdType": record.taxIdType,
        "federalTaxId": mask_tax_id(record.federalTaxId, ctx.show_tax_id),
        "submissionCurrency": record.submissionCurrency,
        "numberOfHomeOfficeEmployees": record.numberOfHomeOfficeEmployees,
        "numberOfFieldSupervisoryEmployees": record.numberOfFieldSupervisoryEmployees,
        "hasProfessionalLicenses": record.hasProfessionalLicenses,
        "hasUnionAffiliations": record.hasUnionAffiliations,
        "hasParentCompany": record.hasParentCompany,
        "parentCompanyName": record.parentCompanyName,
        "insuranceBrokerCompanyName": record.insuranceBrokerCompanyName,
        "insuranceBrokerContactName": record.insuranceBrokerContactName,
        "insuranceBrokerContactPhone": record.insuranceBrokerContactPhone,
        "insuranceBrokerContactEmail": record.insuranceBrokerContactEmail,
        "suretyBrokerAgencyCompanyName": record.suretyBrokerAgencyCompanyName,
        "suretyBrokerContactName": record.suretyBrokerContactName,
        "suretyBrokerContactPhone": record.suretyBrokerContactPhone,
        "suretyCompanyName": record.suretyCompanyName,
        "bankName": record.bankName,
        "bankContactName": record.bankContactName,
        "bankContactPhone": record.bankContactPhone,
        "bankContactEmail": record.bankContactEmail,
        "submittedAt": record.submittedAt,
        "updatedAt": record.updatedAt,
    }

    safety = _safety(record, ctx.rules)
    financial = _financial(record, amounts, money)
    capacity = _capacity(amounts, financial, ctx.project, money)
    sections = section_rows(record, ctx, money, zone)
    insurance_status = sections["insurance"]

    flags = flag_rules.evaluate(
        record=record,
        qualification=qualification,
        safety=safety,
        financial=financial,
        capacity=capacity,
        insurance=insurance_status,
        certificates=sections["certificates"],
        ctx=ctx,
    )
    verdict, reasons = flag_rules.verdict(flags, qualification)
    fx_note = None
    if report_ccy != sub_ccy and ctx.fx is not None:
        sample = next((m for m in amounts.values() if m is not None and m.converted), None)
        if sample:
            c = sample.converted
            fx_note = (
                f"Amounts in {report_ccy} (submitted in {sub_ccy}, converted at {c.rate} on "
                f"{c.rate_date.isoformat()}); original amounts are kept beside each figure"
            )
    return Report(
        company_id=record.id or "",
        company_name=record.companyName or "(no company name)",
        as_of=ctx.as_of,
        generated_at=ctx.generated_at,
        timezone=ctx.timezone,
        locale=ctx.locale,
        currency=report_ccy,
        submission_currency=sub_ccy,
        company=company,
        qualification=qualification,
        amounts=amounts,
        safety=safety,
        financial=financial,
        capacity=capacity,
        insurance_status=insurance_status,
        flags=flags,
        verdict=verdict,
        verdict_reasons=reasons,
        sections=sections,
        project=ctx.project,
        other_fields=_other_fields(record),
        fx_note=fx_note,
    )


def _safety(record: Qualification, rules: Rules) -> dict[str, Any]:
    years = [
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
    rows = []
    for y in sorted(years, key=lambda y: (y.year is None, y.year or 0)):
        r = metrics.year_rates(y)
        rows.append(
            {
                "year": y.year,
                "hoursWorked": y.hours,
                "deaths": y.deaths,
                "daysAway": y.days_away,
                "restricted": y.restricted,
                "other": y.other,
                "recordable": y.recordable,
                "trir": r.trir,
                "dart": r.dart,
                "ltir": r.ltir,
                "lowHours": bool(y.hours) and y.hours < rules.low_hours,
            }
        )
    recent = metrics.latest_years(years, rules.pooled_years)
    pooled = metrics.pooled_rates(recent)
    emrs = sorted(
        [(e.year, e.experienceModificationRating) for e in record.experienceModificationRatings
         if e.year is not None and e.experienceModificationRating is not None]
    )
    emr_values = [v for _, v in emrs]
    last3 = emr_values[-3:]
    return {
        "years": rows,
        "threeYear": {
            "trir": pooled.trir,
            "dart": pooled.dart,
            "ltir": pooled.ltir,
            "hoursWorked": pooled.hours,
            "years": list(pooled.years),
        },
        "emr": [{"year": y, "value": v} for y, v in emrs],
        "emrLatest": {"year": emrs[-1][0], "value": emrs[-1][1]} if emrs else None,
        "emrAverage3": metrics.mean(last3),
        "emrAverageYears": [y for y, _ in emrs[-3:]],
        "emrTrend": metrics.trend(emr_values),
        "fatalities": [
            {"year": y.year, "deaths": y.deaths} for y in years if y.deaths and y.year is not None
        ],
    }


def _financial(record: Qualification, amounts: dict[str, Money | None], money) -> dict[str, Any]:
    revs = sorted(
        [(r.year, money(r.estimatedVolumeRevenue)) for r in record.annualVolumeRevenues
         if r.year is not None and r.estimatedVolumeRevenue is not None],
        key=lambda t: t[0],
    )
    years = []
    prev = None
    for year, m in revs:
        years.append({"year": year, "revenue": m, "change": metrics.change_ratio(m.value, prev.value if prev else None)})
        prev = m
    loc_total = amounts["bankLineOfCreditTotal"]
    loc_out = amounts["bankLineOfCreditOutstanding"]
    largest = None
    for ref in record.completedReferences:
        if ref.value is None:
            continue
        if largest is None or ref.value > largest.value or (ref.isLargestProject and not largest.isLargestProject and ref.value >= largest.value):
            largest = ref
    return {
        "revenue": years,
        "revenueLatest": years[-1] if years else None,
        "lineOfCreditUtilisation": metrics.ratio(
            loc_out.value if loc_out else None, loc_total.value if loc_total else None
        ),
        "largestProject": (
            {"projectName": largest.projectName, "year": largest.yearCompleted, "value": money(largest.value)}
            if largest
            else None
        ),
    }


def _capacity(amounts, financial, project: Project, money) -> list[CapacityCheck]:
    award = project.value
    if award is None:
        return []
    backlog = amounts["currentEstimatedBacklog"]
    load = award + backlog.value if backlog else None

    def check(key, label, measured, limit_money):
        limit = limit_money.value if limit_money is not None else None
        r = metrics.ratio(measured, limit)
        exceeded = None if measured is None or limit is None else measured > limit
        return CapacityCheck(key, label, measured, limit, r, exceeded)

    largest = financial["largestProject"]
    return [
        check("singleLimit", "Award vs internal single limit", award, amounts["internalSingleLimit"]),
        check("totalLimit", "Backlog + award vs internal total limit", load, amounts["internalTotalLimit"]),
        check("bondingSingle", "Award vs single-project bonding", award, amounts["suretySingleProjectBondingCapacity"]),
        check("bondingAggregate", "Backlog + award vs aggregate bonding", load, amounts["suretyAggregateBondingCapacity"]),
        check("largestProject", "Award vs largest completed project", award, largest["value"] if largest else None),
    ]


def _other_fields(record: Qualification) -> dict[str, Any]:
    out = dict(record.other_fields)
    q_extra = record.qualification.other_fields
    if q_extra:
        out["qualification"] = q_extra
    return out
