"""Fetch stage: pydantic models of the TradeTapp qualification record as it travels on the wire.

Input: a dict decoded from the API's JSON **with** ``parse_float=Decimal`` (``reporter.jsonio.loads_exact``).
Output: ``Qualification`` models. This is the only module that knows the API's field names.

Tolerance rules (a long-lived client must survive the API growing):
- every scalar may be null;
- unknown fields are kept (``extra="allow"``) and reach the outputs as "other fields";
- enum-like strings (``status``, ``insuranceType``, ``taxIdType``...) stay plain strings: a value we
  do not know is kept and shown raw; ``KNOWN_*`` sets say which ones we know;
- both spellings of ``professionalLicenses`` items and of the surety broker agency name are read;
- money is ``Decimal`` (never float), datetimes are aware UTC, date-only fields are ``date``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from reporter.dates import parse_api_date, parse_api_datetime

KNOWN_QUALIFICATION_STATUSES = frozenset(
    {"QUALIFIED", "QUALIFIED_WITH_EXCEPTIONS", "DENIED", "EXPIRED"}
)
KNOWN_INSURANCE_TYPES = frozenset(
    {"GENERAL_LIABILITY", "AUTOMOBILE_LIABILITY", "UMBRELLA_EXCESS", "WORKERS_COMPENSATION"}
)
KNOWN_TAX_ID_TYPES = frozenset({"US_FEIN", "US_SSN", "CAN_BN", "OTHER"})
KNOWN_CONTACT_TYPES = frozenset({"COMPANY", "PREQUAL"})


def _money(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected an amount, got a boolean")
    if isinstance(value, float):
        # Only reached when a caller skipped parse_float=Decimal; keep the shortest repr, not the
        # binary expansion, so 0.1 stays 0.1.
        return Decimal(repr(value))
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected an integer, got a boolean")
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: Any) -> Any:
    # Phone numbers, codes and ids are strings on the wire; a number sent instead is kept as text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value


Money = Annotated[Decimal | None, BeforeValidator(_money)]
Number = Annotated[Decimal | None, BeforeValidator(_number)]
Int = Annotated[int | None, BeforeValidator(_int)]
Text = Annotated[str | None, BeforeValidator(_text)]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_api_datetime)]
DateOnly = Annotated[date | None, BeforeValidator(parse_api_date)]


class WireModel(BaseModel):
    """Base of every wire model: unknown fields kept, names as on the wire."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False, defer_build=True)

    @property
    def other_fields(self) -> dict[str, Any]:
        """Fields the API sent that this version does not know (kept, shown raw)."""
        return dict(self.model_extra or {})


class Pagination(WireModel):
    limit: Int = None
    cursorState: Text = None
    totalResults: Int = None
    nextUrl: Text = None
    previousUrl: Text = None

    @property
    def has_next(self) -> bool:
        """Missing, null or empty ``cursorState``/``nextUrl`` all mean: last page (as ``paging.has_next``
        reads a raw body; this reads a validated page of the saved BuildingConnected and flag files)."""
        return bool(self.cursorState) and bool(self.nextUrl)


T = TypeVar("T")


class Page(WireModel, Generic[T]):
    pagination: Pagination = Field(default_factory=Pagination)
    results: list[T] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if data.get("pagination") is None:
                data["pagination"] = {}
            if data.get("results") is None:
                data["results"] = []
        elif isinstance(data, list):  # a saved file may hold the complete list bare
            data = {"pagination": {}, "results": data}
        return data


class QualificationDecision(WireModel):
    status: Text = None
    internalSingleLimit: Money = None
    internalTotalLimit: Money = None
    dateExpires: Timestamp = None
    summary: Text = None
    denialReason: Text = None
    preExpirationStatus: Text = None


class CsiCode(WireModel):
    primaryCode: Text = None
    secondaryCode: Text = None
    tertiaryCode: Text = None
    codeDescription: Text = None


class Region(WireModel):
    region: Text = None


class Market(WireModel):
    market: Text = None


class CompletedReference(WireModel):
    projectName: Text = None
    location: Text = None
    yearCompleted: Int = None
    value: Money = None
    scope: Text = None
    referenceContactCompany: Text = None
    referenceContactName: Text = None
    referenceContactPhone: Text = None
    referenceContactEmail: Text = None
    isLargestProject: bool | None = None


class CompanyContact(WireModel):
    positionTitle: Text = None
    contactName: Text = None
    contactPhone: Text = None
    contactEmail: Text = None
    contactFax: Text = None
    contactType: Text = None


class InsuranceCoverage(WireModel):
    insuranceType: Text = None
    carrier: Text = None
    perOccurrenceLimit: Money = None
    aggregateLimit: Money = None
    policyExpirationDate: DateOnly = None
    isNotApplicable: bool | None = None


class ExperienceModificationRating(WireModel):
    year: Int = None
    experienceModificationRating: Number = None


class Osha300Result(WireModel):
    year: Int = None
    totalNumberDeathsBoxG: Int = None
    totalNumberCasesDaysAwayBoxH: Int = None
    totalNumberCasesRestrictionTransferBoxI: Int = None
    otherRecordableCasesBoxJ: Int = None
    totalHoursWorked: Int = None


class NamedRef(WireModel):
    id: Text = None
    name: Text = None


class Agency(WireModel):
    id: Text = None
    name: Text = None
    website: Text = None


class Certificate(WireModel):
    id: Text = None
    type: NamedRef | None = None
    agency: Agency | None = None
    number: Text = None
    expiresAt: Timestamp = None
    fileName: Text = None


class Union(WireModel):
    unionName: Text = None
    unionNumber: Text = None


class AnnualVolumeRevenue(WireModel):
    year: Int = None
    estimatedVolumeRevenue: Money = None


class ProfessionalLicense(WireModel):
    """Both spellings are read: ``type/number/issuingState`` (2025 Postman, the example record) and
    ``licenseType/licenseNumber/licenseState`` (v1.4.0 collection)."""

    type: Text = Field(default=None, validation_alias=AliasChoices("type", "licenseType"))
    number: Text = Field(default=None, validation_alias=AliasChoices("number", "licenseNumber"))
    issuingState: Text = Field(
        default=None, validation_alias=AliasChoices("issuingState", "licenseState")
    )
    issuingAgency: Text = None
    additionalDescription: Text = None


class OfficeAddress(WireModel):
    isMainOffice: bool | None = None
    address1: Text = None
    address2: Text = None
    city: Text = None
    state: Text = None
    zipCode: Text = None


class CustomQuestion(WireModel):
    question: Text = None
    section: Text = None
    textResponse: Text = None
    numberResponse: Number = None
    booleanResponse: bool | None = None


def none_to_list(value: Any) -> Any:
    """A list field the API sends as null reads as empty (every wire model module uses this one)."""
    return [] if value is None else value


ListOf = Annotated[list[T], BeforeValidator(none_to_list)]  # a list; null reads as empty


class Qualification(WireModel):
    """One subcontractor's qualification record (``GET /qualifications/{companyId}``)."""

    id: Text = None
    uniqueId: Text = None
    questionnaireVersion: Text = None
    qualification: QualificationDecision = Field(default_factory=QualificationDecision)
    applicationStatus: Text = None
    applicationDetail: Text = None
    companyName: Text = None
    companyTaxName: Text = None
    doingBusinessAsName: Text = None
    companyNetworkName: Text = None
    yearFounded: Int = None
    stateFounded: Text = None
    taxIdType: Text = None
    federalTaxId: Text = None
    submissionCurrency: Text = None
    numberOfHomeOfficeEmployees: Int = None
    numberOfFieldSupervisoryEmployees: Int = None
    hasProfessionalLicenses: bool | None = None
    hasUnionAffiliations: bool | None = None
    hasParentCompany: bool | None = None
    parentCompanyName: Text = None
    currentEstimatedBacklog: Money = None
    insuranceBrokerCompanyName: Text = None
    insuranceBrokerContactName: Text = None
    insuranceBrokerContactPhone: Text = None
    insuranceBrokerContactEmail: Text = None
    suretyBrokerAgencyCompanyName: Text = Field(
        default=None,
        validation_alias=AliasChoices("suretyBrokerAgencyCompanyName", "suretyBrokerCompanyName"),
    )
    suretyBrokerContactName: Text = None
    suretyBrokerContactPhone: Text = None
    suretyCompanyName: Text = None
    suretySingleProjectBondingCapacity: Money = None
    suretyAggregateBondingCapacity: Money = None
    bankName: Text = None
    bankLineOfCreditTotal: Money = None
    bankLineOfCreditOutstanding: Money = None
    bankContactName: Text = None
    bankContactPhone: Text = None
    bankContactEmail: Text = None
    submittedAt: Timestamp = Field(
        default=None, validation_alias=AliasChoices("submittedAt", "dateSubmitted")
    )
    updatedAt: Timestamp = Field(
        default=None, validation_alias=AliasChoices("updatedAt", "dateUpdated")
    )
    csiCodesForWorkPerformed: ListOf[CsiCode] = Field(default_factory=list)
    regionsServed: ListOf[Region] = Field(default_factory=list)
    marketsServed: ListOf[Market] = Field(default_factory=list)
    completedReferences: ListOf[CompletedReference] = Field(default_factory=list)
    companyContacts: ListOf[CompanyContact] = Field(default_factory=list)
    insuranceCoverages: ListOf[InsuranceCoverage] = Field(default_factory=list)
    experienceModificationRatings: ListOf[ExperienceModificationRating] = Field(
        default_factory=list
    )
    osha300Results: ListOf[Osha300Result] = Field(default_factory=list)
    certificates: ListOf[Certificate] = Field(default_factory=list)
    unions: ListOf[Union] = Field(default_factory=list)
    annualVolumeRevenues: ListOf[AnnualVolumeRevenue] = Field(default_factory=list)
    professionalLicenses: ListOf[ProfessionalLicense] = Field(default_factory=list)
    # The pages' defaults are made on call: ``Page[X]`` at class creation would build that
    # parametrized model's validator at import (pydantic rebuilds a generic when it is
    # parametrized), which ``defer_build`` leaves to the first validation.
    companyOfficeAddresses: Page[OfficeAddress] = Field(default_factory=lambda: Page[OfficeAddress]())
    customQuestions: Page[CustomQuestion] = Field(default_factory=lambda: Page[CustomQuestion]())

    @model_validator(mode="before")
    @classmethod
    def _legacy_shapes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # A 2024 example had a flat ``qualificationStatus`` instead of the nested object.
        if data.get("qualification") is None:
            data["qualification"] = (
                {"status": data.pop("qualificationStatus")}
                if "qualificationStatus" in data
                else {}
            )
        for key in ("companyOfficeAddresses", "customQuestions"):
            if data.get(key) is None:
                data[key] = {}
        return data


# Field names of the top-level money amounts, in the order a reader expects them.
TOP_LEVEL_MONEY_FIELDS = (
    "currentEstimatedBacklog",
    "suretySingleProjectBondingCapacity",
    "suretyAggregateBondingCapacity",
    "bankLineOfCreditTotal",
    "bankLineOfCreditOutstanding",
)
QUALIFICATION_MONEY_FIELDS = ("internalSingleLimit", "internalTotalLimit")
