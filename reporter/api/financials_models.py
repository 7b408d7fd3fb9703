"""Fetch stage: pydantic models of TradeTapp's financial analysis and the GC's risk flags, as on the wire.

Input: dicts decoded with ``reporter.jsonio.loads_exact`` from ``GET /financials/{companyId}`` and
``GET /flags?filter[company.id]=...&include=stateHistory`` (one list page). Output: ``Financials`` and
``FlagPage`` (``Page[Flag]``) models. Field names are TradeTapp's own
(``/work/shared/reference/tradetapp-financials-flags.md``).

Tolerance rules as in ``reporter.api.models``: every scalar may be null, unknown fields are kept
(``extra="allow"``), enum-like strings (``type``, ``priority``, ``state.value``, statement ``type``) stay
plain strings (``KNOWN_*`` say which ones we know), money and ratios are exact ``Decimal``, years and
scores that are whole numbers are ``int``, dates go through ``reporter.dates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

# The wire names, re-exported beside their models (the transform imports them from
# ``financials_names``, which needs no pydantic).
from reporter.api.financials_names import (  # noqa: F401
    BENCHMARK_NAMES,
    KNOWN_FLAG_PRIORITIES,
    KNOWN_FLAG_STATES,
    KNOWN_FLAG_TYPES,
    KNOWN_STATEMENT_TYPES,
    KNOWN_TAX_TYPES,
    METRIC_FIELDS,
    RAW_DATA_FIELDS,
)
from reporter.api.models import (
    DateOnly,
    Int,
    Money,
    Number,
    Page,
    Text,
    Timestamp,
    WireModel,
    none_to_list,
)

ListCustomRatio = Annotated[list["CustomRatio"], BeforeValidator(none_to_list)]
ListStatement = Annotated[list["Statement"], BeforeValidator(none_to_list)]
ListYearScore = Annotated[list["YearScore"], BeforeValidator(none_to_list)]


class Benchmarks(WireModel):
    """Percentiles 0-100, each with the year it was computed for."""

    debtScore: Number = None
    debtYear: Int = None
    liquidityScore: Number = None
    liquidityYear: Int = None
    profitabilityScore: Number = None
    profitabilityYear: Int = None
    turnoverScore: Number = None
    turnoverYear: Int = None
    overallBenchmarkingScore: Number = None
    overallBenchmarkingYear: Int = None

    def score_and_year(self, name: str) -> tuple[Any, int | None]:
        """``(score, year)`` of one of ``BENCHMARK_NAMES``."""
        return getattr(self, f"{name}Score"), getattr(self, f"{name}Year")


class YearScore(WireModel):
    score: Number = None
    year: Int = None


class KeyMetrics(WireModel):
    dartRates: ListYearScore = Field(default_factory=list)
    experienceModificationRatings: ListYearScore = Field(default_factory=list)
    recordableIncidentRates: ListYearScore = Field(default_factory=list)
    aggregateTotalCapacity: Money = None
    singleProjectCapacity: Money = None
    largestProject: Money = None
    largestProjectYear: Int = None
    netCashFlow: Money = None
    netCashFlowYear: Int = None
    workingCapital: Money = None
    workingCapitalYear: Int = None


class RawData(WireModel):
    accountsPayable: Money = None
    accountsReceivable: Money = None
    amountOfCreditUsed: Money = None
    billingInExcessOfCost: Money = None
    cashAndCashEquivalents: Money = None
    costInExcessOfBillings: Money = None
    costsOfGoodsSold: Money = None
    currentLiabilities: Money = None
    earningsBeforeIncomeTaxes: Money = None
    equity: Money = None
    interestExpense: Money = None
    interestIncome: Money = None
    marketableSecurities: Money = None
    netCashFromFinancing: Money = None
    netCashFromInvestments: Money = None
    netCashFromOperations: Money = None
    netIncome: Money = None
    revenueSales: Money = None
    totalAssets: Money = None
    currentAssets: Money = None
    totalLiabilities: Money = None
    totalLineOfCredit: Money = None


class CustomRatio(WireModel):
    name: Text = None
    value: Number = None


class StatementMetrics(WireModel):
    accountsReceivableTurnover: Number = None
    assetTurnoverRatio: Number = None
    cashToOverbillings: Number = None
    currentRatio: Number = None
    daysOfCashOnHand: Number = None
    debtLessCashToEquity: Number = None
    debtRatio: Number = None
    debtToEquity: Number = None
    equityToSales: Number = None
    equityToTotalLiabilities: Number = None
    grossProfitMargin: Number = None
    netProfitMargin: Number = None
    quickRatio: Number = None
    returnOnAssets: Number = None
    underbillingsToCurrentAssets: Number = None
    underbillingsToWc: Number = None
    workingCapitalCompression: Number = None
    workingCapitalToSales: Number = None
    workingCapitalTurnover: Number = None
    customRatios: ListCustomRatio = Field(default_factory=list)


class Statement(WireModel):
    """One financial statement: ``period`` in months, ``type`` (REVIEWED, ...), its closing ``date``."""

    period: Int = None
    type: Text = None
    date: DateOnly = None
    rawData: RawData = Field(default_factory=RawData)
    metrics: StatementMetrics = Field(default_factory=StatementMetrics)

    @model_validator(mode="before")
    @classmethod
    def _null_parts(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("rawData", "metrics"):
                if data.get(key) is None:
                    data[key] = {}
        return data


class Financials(WireModel):
    """``GET /financials/{companyId}``: TradeTapp's analysis of one sub's statements."""

    id: Text = None
    uniqueId: Text = None
    companyName: Text = None
    companyTaxName: Text = None
    doingBusinessAsName: Text = None
    companyNetworkName: Text = None
    hasParentCompany: bool | None = None
    parentCompanyName: Text = None
    taxIdType: Text = None
    federalTaxId: Text = None
    riskEvaluationScore: Int = None  # an integer; its labels are not documented: show the number
    benchmarks: Benchmarks = Field(default_factory=Benchmarks)
    keyMetrics: KeyMetrics = Field(default_factory=KeyMetrics)
    statements: ListStatement = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _null_parts(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("benchmarks", "keyMetrics"):
                if data.get(key) is None:
                    data[key] = {}
        return data

    @property
    def latest_statement(self) -> Statement | None:
        """The statement with the latest ``date`` (undated ones only when none is dated)."""
        dated = [s for s in self.statements if s.date is not None]
        if dated:
            return max(dated, key=lambda s: s.date)  # type: ignore[arg-type, return-value]
        return self.statements[0] if self.statements else None


class FlagUser(WireModel):
    id: Text = None
    email: Text = None
    firstName: Text = None
    lastName: Text = None

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.firstName, self.lastName) if p)
        return name or (self.email or self.id or "")


class FlagCompany(WireModel):
    id: Text = None
    uniqueId: Text = None
    name: Text = None
    taxId: Text = None  # a number in the examples, a string in the body docs: kept as text
    taxType: Text = None


class FlagState(WireModel):
    """``value`` is ACTIVE or RESOLVED; ``summary`` is why it was set."""

    value: Text = None
    summary: Text = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    createdBy: FlagUser | None = None


class Flag(WireModel):
    """One flag the GC's people raised on a company in TradeTapp."""

    id: Int = None
    company: FlagCompany | None = None
    name: Text = None
    type: Text = None
    priority: Text = None
    eventDate: DateOnly = None
    summary: Text = None
    triggerAlert: bool | None = None
    isVisibleInPlatform: bool | None = None
    flagProposalId: Int = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    createdBy: FlagUser | None = None
    state: FlagState | None = None
    stateHistory: Page[FlagState] | None = None  # only with include=stateHistory

    @property
    def is_active(self) -> bool:
        return self.state is not None and self.state.value == "ACTIVE"




# ``FlagPage`` (``Page[Flag]``) and ``StateHistoryPage`` (``Page[FlagState]``) are made on first use
# (PEP 562): parametrizing a generic pydantic model builds its validator at once, ignoring
# ``defer_build``, and a module-level alias would pay that at import. pydantic caches the
# parametrization, so every use gets the same class.
_PAGES = {"FlagPage": "Flag", "StateHistoryPage": "FlagState"}


if TYPE_CHECKING:  # what the checker sees; at run time the aliases are made by __getattr__
    FlagPage = Page[Flag]
    StateHistoryPage = Page[FlagState]


def __getattr__(name: str) -> Any:
    if name in _PAGES:
        item: Any = globals()[_PAGES[name]]
        return Page[item]  # type: ignore[valid-type]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
