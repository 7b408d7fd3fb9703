"""Transform stage: ``build_report(record, context) -> Report``.

Input: a validated ``Qualification`` wire model and a ``ReportContext`` (as-of day, time zone,
locale, report currency and FX rates, project, rules, tax-id masking). No I/O.
Output: a ``Report`` (``reporter.transform.model``): company facts, the qualification decision,
every money amount (original and converted), safety and financial metrics, capacity checks, flags
with a verdict, and every nested section as normalised rows keyed by ``reporter.sections`` (the
registry both renderers read). Its public JSON form is ``reporter.render.json.report_to_json``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from reporter.api.models import KNOWN_QUALIFICATION_STATUSES, Qualification
from reporter.api.side_files import SideFiles
from reporter.dates import days_between, get_zone, local_day
from reporter.errors import CurrencyError
from reporter.transform import flags as flag_rules
from reporter.transform import tradetapp_rules
from reporter.transform.award import AwardConversion, AwardValue, award_finding, award_in
from reporter.transform.evidence import Finding, submitted_ago
from reporter.transform.figures import capacity_checks, financial_figures, safety_figures
from reporter.transform.findings import legal_findings, record_findings
from reporter.transform.fx import FxRate, apply_rate
from reporter.transform.gc_backlog import BacklogBasis, total_limit_backlog
from reporter.transform.model import Amounts, Company, QualificationDecision, Report, ReportContext
from reporter.transform.money import Money, format_money, validate_currency
from reporter.transform.privacy import mask_tax_fields, mask_tax_id
from reporter.transform.sections_data import MoneyOf, section_rows

__all__ = ["build_report", "currency_note"]

ASSUMED_CURRENCY = "USD"  # what a record without ``submissionCurrency`` is taken to be in (flagged)


def build_report(record: Qualification, ctx: ReportContext, side: SideFiles | None = None) -> Report:
    """Normalise one record (with the TradeTapp financials and flags ``side`` saved or fetched with it). Raises ``CurrencyError`` (a ``ReporterError``) for a currency that is
    not ISO 4217 or a conversion without a rate; nothing else for any record of valid shape."""
    zone = get_zone(ctx.timezone)
    submitted = record.submissionCurrency
    currency_assumed = submitted is None or not submitted.strip()
    sub_ccy, report_ccy, fx_rate = _currencies(record, ctx, currency_assumed)

    def money(amount: Decimal | None) -> Money | None:
        if amount is None:
            return None
        m = Money(amount=amount, currency=sub_ccy)
        return apply_rate(m, fx_rate) if fx_rate is not None else m

    amounts = _amounts(record, money)
    qualification = _decision(record, amounts, ctx, zone)

    safety = safety_figures(record, ctx.rules)
    financial = financial_figures(record, amounts, money)
    award, conversion, found = _award(ctx, report_ccy)
    basis = _backlog_basis(record, amounts, ctx, report_ccy, award, found)
    gc_amount = basis.amount if basis is not None and basis.basis == "gc" else None
    capacity = capacity_checks(amounts, financial, award, ctx.rules, gc_amount,
                               total_limit_checkable=basis is None or basis.basis != "gc" or basis.amount is not None)
    sections = section_rows(record, ctx, money, zone)
    legal = legal_findings(record, ctx)
    found += record_findings(record, safety, financial, amounts, ctx, report_ccy, award,
                             lambda d: format_money(d, report_ccy, ctx.locale), legal)

    flags = flag_rules.evaluate(
        qualification=qualification,
        safety=safety,
        financial=financial,
        capacity=capacity,
        insurance=sections.insurance,
        certificates=sections.certificates,
        ctx=ctx,
        currency=report_ccy,
        currency_assumed=currency_assumed,
        submitted_currency=submitted,
        findings=found,
    )
    # TradeTapp's capacities are judged against the award in this report's currency (None when it could
    # not be converted), never against the bare --project-value number.
    tradetapp = tradetapp_rules.build_analysis(side, amounts, ctx, money, award)
    flags = flag_rules.with_more(flags, tradetapp_rules.evaluate(tradetapp, ctx, report_ccy, award))
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
        insurance=sections.insurance,
        certificates=sections.certificates,
        flags=flags,
        verdict=verdict,
        verdict_reasons=reasons,
        sections=sections.rows,
        project=ctx.project,
        other_fields=mask_tax_fields(_other_fields(record), ctx.show_tax_id),
        fx_note=currency_note(sub_ccy, report_ccy, fx_rate, currency_assumed),
        currency_assumed=currency_assumed,
        fx_rate=fx_rate,
        legal=legal,
        submission_age=_age(record, ctx),
        award=conversion,
        backlog_note=basis.note if basis is not None else None,
        tradetapp=tradetapp,
    )



def _currencies(record: Qualification, ctx: ReportContext, assumed: bool) -> tuple[str, str, FxRate | None]:
    """The record's currency, the report's, and the rate between them (None when they are the same)."""
    submitted = record.submissionCurrency
    where = f"record {record.id or '(no id)'}: submissionCurrency"
    sub_ccy = ASSUMED_CURRENCY if submitted is None or assumed else validate_currency(submitted, where=where)
    report_ccy = validate_currency(ctx.report_currency, where="--currency") if ctx.report_currency else sub_ccy
    if report_ccy == sub_ccy:
        return sub_ccy, report_ccy, None
    if ctx.fx is None:
        raise CurrencyError(
            f"record {record.id or '(no id)'}: amounts are in {sub_ccy}; converting to {report_ccy} needs --fx-rates"
        )
    return sub_ccy, report_ccy, ctx.fx.lookup(sub_ccy, report_ccy, ctx.as_of)


def _backlog_basis(
    record: Qualification, amounts: Amounts, ctx: ReportContext, currency: str, award: Decimal | None, found: list[Finding],
) -> BacklogBasis | None:
    """The backlog the internal total limit is checked with (``--gc-backlog``, else the sub's
    own); appends to ``found`` when a GC file has no row for the sub or its rows cannot be converted."""
    if award is None or amounts.internalTotalLimit is None:
        return None
    reported = amounts.currentEstimatedBacklog.value if amounts.currentEstimatedBacklog else None
    basis = total_limit_backlog(ctx.gc_backlog, record.id, record.uniqueId, reported, currency, ctx.fx, ctx.as_of)
    if basis.finding is not None and ctx.gc_backlog is not None:  # a file without this sub's row
        found.append(basis.finding)
    elif basis.basis == "gc" and basis.amount is None:
        found.append(Finding("capacity.unchecked", basis.note, {"check": "totalLimit", "currency": currency}))
    return basis


def _award(ctx: ReportContext, currency: str) -> tuple[Decimal | None, AwardConversion | None, list[Finding]]:
    """The award in the report currency: a bare ``--project-value`` is taken in it; one with an ISO
    currency is converted with ``--fx-rates`` or, without a rate, not checked (and flagged)."""
    value, ccy = ctx.project.value, ctx.project.currency
    if value is None:
        return None, None, []
    conversion = award_in(AwardValue(value, ccy or currency), currency, ctx.fx, ctx.as_of, ctx.locale)
    finding = award_finding(conversion)
    return conversion.amount, conversion, [finding] if finding else []


def _age(record: Qualification, ctx: ReportContext) -> str | None:
    moment = record.updatedAt or record.submittedAt
    if moment is None:
        return None
    return f"{submitted_ago(moment, ctx.as_of).replace('submitted', 'Submission last updated', 1)} ({local_day(moment, get_zone(ctx.timezone))})"


def _amounts(record: Qualification, money: MoneyOf) -> Amounts:
    q = record.qualification
    return Amounts(
        currentEstimatedBacklog=money(record.currentEstimatedBacklog),
        suretySingleProjectBondingCapacity=money(record.suretySingleProjectBondingCapacity),
        suretyAggregateBondingCapacity=money(record.suretyAggregateBondingCapacity),
        bankLineOfCreditTotal=money(record.bankLineOfCreditTotal),
        bankLineOfCreditOutstanding=money(record.bankLineOfCreditOutstanding),
        internalSingleLimit=money(q.internalSingleLimit),
        internalTotalLimit=money(q.internalTotalLimit),
    )


def _decision(record: Qualification, amounts: Amounts, ctx: ReportContext, zone: ZoneInfo) -> QualificationDecision:
    q = record.qualification
    expires_day = local_day(q.dateExpires, zone) if q.dateExpires else None
    return QualificationDecision(
        status=q.status,
        status_known=q.status in KNOWN_QUALIFICATION_STATUSES if q.status else False,
        date_expires=q.dateExpires,
        date_expires_local=expires_day,
        days_to_expiry=days_between(ctx.as_of, expires_day) if expires_day else None,
        summary=q.summary,
        denial_reason=q.denialReason,
        pre_expiration_status=q.preExpirationStatus,
        internal_single_limit=amounts.internalSingleLimit,
        internal_total_limit=amounts.internalTotalLimit,
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


def _company(record: Qualification, show_tax_id: bool) -> Company:
    return Company(
        id=record.id,
        uniqueId=record.uniqueId,
        companyName=record.companyName,
        companyTaxName=record.companyTaxName,
        doingBusinessAsName=record.doingBusinessAsName,
        companyNetworkName=record.companyNetworkName,
        questionnaireVersion=record.questionnaireVersion,
        applicationStatus=record.applicationStatus,
        applicationDetail=record.applicationDetail,
        yearFounded=record.yearFounded,
        stateFounded=record.stateFounded,
        taxIdType=record.taxIdType,
        federalTaxId=mask_tax_id(record.federalTaxId, show_tax_id),
        submissionCurrency=record.submissionCurrency,
        numberOfHomeOfficeEmployees=record.numberOfHomeOfficeEmployees,
        numberOfFieldSupervisoryEmployees=record.numberOfFieldSupervisoryEmployees,
        hasProfessionalLicenses=record.hasProfessionalLicenses,
        hasUnionAffiliations=record.hasUnionAffiliations,
        hasParentCompany=record.hasParentCompany,
        parentCompanyName=record.parentCompanyName,
        insuranceBrokerCompanyName=record.insuranceBrokerCompanyName,
        insuranceBrokerContactName=record.insuranceBrokerContactName,
        insuranceBrokerContactPhone=record.insuranceBrokerContactPhone,
        insuranceBrokerContactEmail=record.insuranceBrokerContactEmail,
        suretyBrokerAgencyCompanyName=record.suretyBrokerAgencyCompanyName,
        suretyBrokerContactName=record.suretyBrokerContactName,
        suretyBrokerContactPhone=record.suretyBrokerContactPhone,
        suretyCompanyName=record.suretyCompanyName,
        bankName=record.bankName,
        bankContactName=record.bankContactName,
        bankContactPhone=record.bankContactPhone,
        bankContactEmail=record.bankContactEmail,
        submittedAt=record.submittedAt,
        updatedAt=record.updatedAt,
    )


def _other_fields(record: Qualification) -> dict[str, Any]:
    out = dict(record.other_fields)
    q_extra = record.qualification.other_fields
    if q_extra:
        out["qualification"] = q_extra
    return out
