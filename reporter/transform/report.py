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
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from reporter.api.models import (
    KNOWN_QUALIFICATION_STATUSES,
    QUALIFICATION_MONEY_FIELDS,
    TOP_LEVEL_MONEY_FIELDS,
    Qualification,
)
from reporter.dates import days_between, get_zone, local_day
from reporter.errors import CurrencyError
from reporter.transform.figures import CapacityCheck, capacity_checks, financial_figures, safety_figures
from reporter.transform.fx import FxRate, FxTable, apply_rate
from reporter.transform.money import Money, validate_currency
from reporter.transform.privacy import mask_tax_fields, mask_tax_id
from reporter.transform.rules import DEFAULT_RULES, Rules

__all__ = ["Project", "ReportContext", "Flag", "CapacityCheck", "Report", "build_report", "mask_tax_id"]

ASSUMED_CURRENCY = "USD"  # what a record without ``submissionCurrency`` is taken to be in (flagged)


@dataclass(frozen=True)
class Project:
    name: str | None = None
    number: str | None = None
    value: Decimal | None = None  # the award being considered, in the report currency
    end: date | None = None


@dataclass(frozen=True)
class ReportContext:
    as_of: date
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
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
    # Added fields (keep the ones above stable; renderers read them)
    currency_assumed: bool = False  # submissionCurrency was missing and taken as USD
    fx_rate: FxRate | None = None  # the rate every converted figure used


def build_report(record: Qualification, ctx: ReportContext) -> Report:
    """Normalise one record. Raises ``CurrencyError`` (a ``ReporterError``) for a currency that is
    not ISO 4217 or a conversion without a rate; nothing else for any record of valid shape."""
    from reporter.transform import flags as flag_rules
    from reporter.transform.sections_data import section_rows

    zone = get_zone(ctx.timezone)
    where = f"record {record.id or '(no id)'}: submissionCurrency"
    currency_assumed = record.submissionCurrency is None or not record.submissionCurrency.strip()
    sub_ccy = ASSUMED_CURRENCY if currency_assumed else validate_currency(record.submissionCurrency, where=where)
    report_ccy = validate_currency(ctx.report_currency, where="--currency") if ctx.report_currency else sub_ccy
    fx_rate: FxRate | None = None
    if report_ccy != sub_ccy:
        if ctx.fx is None:
            raise CurrencyError(
                f"record {record.id or '(no id)'}: amounts are in {sub_ccy}; converting to {report_ccy} needs --fx-rates"
            )
        fx_rate = ctx.fx.lookup(sub_ccy, report_ccy, ctx.as_of)

    def money(amount: Decimal | None) -> Money | None:
        if amount is None:
            return None
        m = Money(amount=amount, currency=sub_ccy)
        return apply_rate(m, fx_rate) if fx_rate is not None else m

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

    safety = safety_figures(record, ctx.rules)
    financial = financial_figures(record, amounts, money)
    capacity = capacity_checks(amounts, financial, ctx.project.value, ctx.rules)
    sections = section_rows(record, ctx, money, zone)

    flags = flag_rules.evaluate(
        record=record,
        qualification=qualification,
        safety=safety,
        financial=financial,
        capacity=capacity,
        insurance=sections["insurance"],
        certificates=sections["certificates"],
        ctx=ctx,
        currency=report_ccy,
        currency_assumed=currency_assumed,
    )
    verdict, reasons = flag_rules.verdict(flags, qualification)
    return Report(
        company_id=record.id or "",
        company_name=record.companyName or "(no company name)",
        as_of=ctx.as_of,
        generated_at=ctx.generated_at,
        timezone=ctx.timezone,
        locale=ctx.locale,
        currency=report_ccy,
        submission_currency=sub_ccy,
        company=_company(record, ctx.show_tax_id),
        qualification=qualification,
        amounts=amounts,
        safety=safety,
        financial=financial,
        capacity=capacity,
        insurance_status=sections["insurance"],
        flags=flags,
        verdict=verdict,
        verdict_reasons=reasons,
        sections=sections,
        project=ctx.project,
        other_fields=mask_tax_fields(_other_fields(record), ctx.show_tax_id),
        fx_note=currency_note(sub_ccy, report_ccy, fx_rate, currency_assumed),
        currency_assumed=currency_assumed,
        fx_rate=fx_rate,
    )


def currency_note(sub_ccy: str, report_ccy: str, rate: FxRate | None, assumed: bool) -> str | None:
    """The line under page one that says what currency the figures are in (``None``: as submitted)."""
    if rate is not None:
        how = " (inverse of the table's rate)" if rate.inverted else ""
        text = (
            f"Amounts in {report_ccy} (submitted in {sub_ccy}, converted at {rate.rate}{how} on "
            f"{rate.day.isoformat()}); original amounts are kept beside each figure"
        )
    elif assumed:
        text = f"Amounts in {sub_ccy} as submitted"
    else:
        return None
    if assumed:
        text += f"; the record gives no submissionCurrency, so its amounts were taken as {ASSUMED_CURRENCY}"
    return text


def _company(record: Qualification, show_tax_id: bool) -> dict[str, Any]:
    return {
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
        "federalTaxId": mask_tax_id(record.federalTaxId, show_tax_id),
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


def _other_fields(record: Qualification) -> dict[str, Any]:
    out = dict(record.other_fields)
    q_extra = record.qualification.other_fields
    if q_extra:
        out["qualification"] = q_extra
    return out
