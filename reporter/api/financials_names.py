"""Fetch stage: the names TradeTapp's financials and flags use on the wire, without pydantic.

Input: none (constants). Output: the ``KNOWN_*`` values of the financials and flags bodies and the
field names of a statement's raw figures and ratios (``RAW_DATA_FIELDS``, ``METRIC_FIELDS``) and of
the benchmark scores (``BENCHMARK_NAMES``), in the reference's order. The transform and the
workbook read them; ``reporter.api.financials_models`` (the pydantic models, re-exporting these
names) is imported only where a financials or flags body is validated, so a build of a record
without side files never builds those models.
"""

from __future__ import annotations

KNOWN_FLAG_TYPES = frozenset(
    {"GENERAL", "INSURANCE", "SAFETY", "FINANCIAL", "PROJECT", "COMMUNICATION", "OTHER"}
)
KNOWN_FLAG_PRIORITIES = ("HIGH", "MEDIUM", "LOW")  # the API's "priority desc" order
KNOWN_FLAG_STATES = frozenset({"ACTIVE", "RESOLVED"})
KNOWN_STATEMENT_TYPES = frozenset({"REVIEWED", "AUDITED", "COMPILED"})  # only REVIEWED is documented
KNOWN_TAX_TYPES = frozenset({"US_FEIN", "US_SSN", "CAN_BN", "OTHER"})

# The names of the 22 raw figures and 19 ratios of a statement, in the reference's order.
RAW_DATA_FIELDS = (
    "accountsPayable", "accountsReceivable", "amountOfCreditUsed", "billingInExcessOfCost",
    "cashAndCashEquivalents", "costInExcessOfBillings", "costsOfGoodsSold", "currentLiabilities",
    "earningsBeforeIncomeTaxes", "equity", "interestExpense", "interestIncome", "marketableSecurities",
    "netCashFromFinancing", "netCashFromInvestments", "netCashFromOperations", "netIncome",
    "revenueSales", "totalAssets", "currentAssets", "totalLiabilities", "totalLineOfCredit",
)
METRIC_FIELDS = (
    "accountsReceivableTurnover", "assetTurnoverRatio", "cashToOverbillings", "currentRatio",
    "daysOfCashOnHand", "debtLessCashToEquity", "debtRatio", "debtToEquity", "equityToSales",
    "equityToTotalLiabilities", "grossProfitMargin", "netProfitMargin", "quickRatio", "returnOnAssets",
    "underbillingsToCurrentAssets", "underbillingsToWc", "workingCapitalCompression",
    "workingCapitalToSales", "workingCapitalTurnover",
)
BENCHMARK_NAMES = ("debt", "liquidity", "profitability", "turnover", "overallBenchmarking")
