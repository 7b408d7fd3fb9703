"""Transform stage: the typed report handed from transform to every renderer.

Input: nothing (type definitions only). Output: the frozen parts of a ``Report`` and the report
itself, built by ``reporter.transform.report.build_report``:

- ``Project``, ``ReportContext``: what the caller asks for (as-of day, zone, currency, award);
- ``Company``: the record's top-level facts, named as the API names them;
- ``Amounts``: every top-level and qualification money amount (``Money``, converted when asked);
- ``QualificationDecision``: the GC's decision and its expiry in the report's zone;
- ``Safety`` (``SafetyYear``, ``PooledRates``, ``EmrYear``, ``Fatality``);
- ``Financial`` (``RevenueYear``, ``LargestProject``);
- ``CapacityCheck``: the award against one limit;
- ``InsuranceRow``, ``CertificateRow``: with an ``ExpiryStatus`` (an ``Expiry`` enum plus days);
- ``Flag``: one finding; ``Report.verdict`` and ``verdict_reasons`` sum them up;
- ``Report.sections``: the rows of each nested section keyed by ``reporter.sections`` fields.

One class per part: a new part (a verdict rule's inputs, TradeTapp financials, bid prices) is a
new frozen class here and one field of ``Report``. The JSON form lives in ``reporter.render.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from reporter.transform.fx import FxRate, FxTable
from reporter.transform.money import Money
from reporter.transform.rules import DEFAULT_RULES, Rules

SectionRow = dict[str, Any]  # one item of a nested section, keyed by the registry's column fields


@dataclass(frozen=True)
class Project:
    name: str | None = None
    number: str | None = None
    value: Decimal | None = None  # the award being considered, in the report currency
    end: date | None = None


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReportContext:
    as_of: date
    generated_at: datetime = field(default_factory=_now)
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


class Expiry(Enum):
    """Where a dated item (policy, certificate) stands on the as-of day."""

    NOT_APPLICABLE = "not applicable"
    NO_DATE = "no expiry given"
    EXPIRED = "expired"
    EXPIRING = "expiring"  # within the warning window
    BEFORE_PROJECT_END = "expires before project end"
    CURRENT = "current"


@dataclass(frozen=True)
class ExpiryStatus:
    state: Expiry
    days: int | None = None  # days from the as-of day to the expiry day (negative: past)

    @property
    def text(self) -> str:
        """The words the packet and workbook show: ``expires in 3 days``, ``current``."""
        if self.state is Expiry.EXPIRING:
            return f"expires in {self.days} day{'' if self.days == 1 else 's'}"
        return str(self.state.value)


@dataclass(frozen=True)
class Company:
    """The record's top-level facts (tax id masked unless asked), named as the API names them:
    the Company sheet's Field column and the JSON ``company`` object print these names."""

    id: str | None
    uniqueId: str | None
    companyName: str | None
    companyTaxName: str | None
    doingBusinessAsName: str | None
    companyNetworkName: str | None
    questionnaireVersion: str | None
    applicationStatus: str | None
    applicationDetail: str | None
    yearFounded: int | None
    stateFounded: str | None
    taxIdType: str | None
    federalTaxId: str | None
    submissionCurrency: str | None
    numberOfHomeOfficeEmployees: int | None
    numberOfFieldSupervisoryEmployees: int | None
    hasProfessionalLicenses: bool | None
    hasUnionAffiliations: bool | None
    hasParentCompany: bool | None
    parentCompanyName: str | None
    insuranceBrokerCompanyName: str | None
    insuranceBrokerContactName: str | None
    insuranceBrokerContactPhone: str | None
    insuranceBrokerContactEmail: str | None
    suretyBrokerAgencyCompanyName: str | None
    suretyBrokerContactName: str | None
    suretyBrokerContactPhone: str | None
    suretyCompanyName: str | None
    bankName: str | None
    bankContactName: str | None
    bankContactPhone: str | None
    bankContactEmail: str | None
    submittedAt: datetime | None
    updatedAt: datetime | None

    def items(self) -> list[tuple[str, Any]]:
        """``(API field name, value)`` in the record's order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


@dataclass(frozen=True)
class Amounts:
    """Every money amount of the record, named as the API names them (top level, then the
    qualification's); ``None`` where the record leaves one out."""

    currentEstimatedBacklog: Money | None = None
    suretySingleProjectBondingCapacity: Money | None = None
    suretyAggregateBondingCapacity: Money | None = None
    bankLineOfCreditTotal: Money | None = None
    bankLineOfCreditOutstanding: Money | None = None
    internalSingleLimit: Money | None = None
    internalTotalLimit: Money | None = None

    def items(self) -> list[tuple[str, Money | None]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


@dataclass(frozen=True)
class QualificationDecision:
    status: str | None
    status_known: bool  # one of the statuses the API documents
    date_expires: datetime | None  # as sent
    date_expires_local: date | None  # its calendar day in the report's zone
    days_to_expiry: int | None  # from the as-of day (negative: past)
    summary: str | None
    denial_reason: str | None
    pre_expiration_status: str | None
    internal_single_limit: Money | None
    internal_total_limit: Money | None


@dataclass(frozen=True)
class SafetyYear:
    """One OSHA 300A year (a year listed twice counts once: its last entry)."""

    year: int | None
    hours_worked: int | None
    deaths: int  # box G
    days_away: int  # box H
    restricted: int  # box I
    other: int  # box J
    recordable: int
    trir: Decimal | None
    dart: Decimal | None
    ltir: Decimal | None
    low_hours: bool  # hours below the rules' ``low_hours``: rates unstable
    no_hours: bool  # no hours: no rates


@dataclass(frozen=True)
class PooledRates:
    years: tuple[int, ...]
    hours_worked: int
    trir: Decimal | None
    dart: Decimal | None
    ltir: Decimal | None


@dataclass(frozen=True)
class EmrYear:
    year: int
    value: Decimal


@dataclass(frozen=True)
class Fatality:
    year: int
    deaths: int


@dataclass(frozen=True)
class Safety:
    years: tuple[SafetyYear, ...]  # oldest first
    three_year: PooledRates  # the rules' pooled years (three by default)
    emr: tuple[EmrYear, ...]  # oldest first
    emr_latest: EmrYear | None
    emr_average3: Decimal | None
    emr_average_years: tuple[int, ...]
    emr_trend: str | None  # up | down | flat
    fatalities: tuple[Fatality, ...]


@dataclass(frozen=True)
class RevenueYear:
    year: int
    revenue: Money
    change: Decimal | None  # against the year before (a ratio: -0.25 is a 25% drop)


@dataclass(frozen=True)
class LargestProject:
    project_name: str | None
    year: int | None
    value: Money | None


@dataclass(frozen=True)
class Financial:
    revenue: tuple[RevenueYear, ...]  # oldest first
    revenue_latest: RevenueYear | None
    line_of_credit_utilisation: Decimal | None  # outstanding / total
    largest_project: LargestProject | None


@dataclass(frozen=True)
class CapacityCheck:
    key: str
    label: str
    award_or_load: Decimal | None  # what is measured (award, or backlog + award)
    limit: Decimal | None
    ratio: Decimal | None
    exceeded: bool | None  # None when it cannot be judged (missing limit)
    rule: str = ""  # the flag rule id this check raises
    threshold: Decimal = Decimal(1)  # exceeded when measured > threshold x limit
    limit_name: str = ""  # reader's name of the limit ("internal single limit")


@dataclass(frozen=True)
class InsuranceRow:
    insurance_type: str | None  # the API's code (GENERAL_LIABILITY, ...)
    label: str  # its words
    type_known: bool
    carrier: str | None
    per_occurrence_limit: Money | None
    aggregate_limit: Money | None
    policy_expiration_date: date | None
    not_applicable: bool
    expiry: ExpiryStatus
    other_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.expiry.text

    def section_row(self) -> SectionRow:
        """The row of the Insurance section (registry fields)."""
        return {
            "insuranceType": self.insurance_type,
            "insuranceLabel": self.label,
            "typeKnown": self.type_known,
            "carrier": self.carrier,
            "perOccurrenceLimit": self.per_occurrence_limit,
            "aggregateLimit": self.aggregate_limit,
            "policyExpirationDate": self.policy_expiration_date,
            "daysToExpiry": self.expiry.days,
            "isNotApplicable": self.not_applicable,
            "status": self.expiry.text,
            "otherFields": self.other_fields,
        }


@dataclass(frozen=True)
class CertificateRow:
    id: str | None
    type_name: str | None
    type_id: str | None
    agency_id: str | None
    number: str | None
    agency_name: str | None
    agency_website: str | None
    expires_at: date | None  # its calendar day in the report's zone
    expiry: ExpiryStatus
    file_name: str | None
    other_fields: dict[str, Any] = field(default_factory=dict)

    def section_row(self) -> SectionRow:
        """The row of the Certificates section (registry fields)."""
        return {
            "id": self.id,
            "typeName": self.type_name,
            "typeId": self.type_id,
            "agencyId": self.agency_id,
            "number": self.number,
            "agencyName": self.agency_name,
            "agencyWebsite": self.agency_website,
            "expiresAt": self.expires_at,
            "daysToExpiry": self.expiry.days,
            "status": self.expiry.text,
            "fileName": self.file_name,
            "otherFields": self.other_fields,
        }


@dataclass
class Report:
    """One record, normalised. Mutable only so a redacted copy can be derived from it; the parts
    themselves are frozen."""

    company_id: str
    company_name: str
    as_of: date
    generated_at: datetime
    timezone: str
    locale: str
    currency: str  # the currency figures are compared in (report currency or submission currency)
    submission_currency: str
    company: Company
    qualification: QualificationDecision
    amounts: Amounts
    safety: Safety
    financial: Financial
    capacity: list[CapacityCheck]
    insurance: list[InsuranceRow]
    certificates: list[CertificateRow]
    flags: list[Flag]
    verdict: str  # green | amber | red
    verdict_reasons: list[str]
    sections: dict[str, list[SectionRow]]
    project: Project
    other_fields: dict[str, Any]
    fx_note: str | None = None
    currency_assumed: bool = False  # submissionCurrency was missing and taken as USD
    fx_rate: FxRate | None = None  # the rate every converted figure used
