"""Test fake data: TradeTapp financials bodies and flag objects (raw dicts, as on the wire).

Input: a company number (``records.company_id(n)``) or id, and a profile. Output: bodies that
validate as ``Financials`` / ``Flag``; non-integer numbers are ``Decimal`` as ``loads_exact`` makes.

    make_financials(3)                       # a strong sub
    make_financials(4, profile="weak")       # liquidity percentile 18, current ratio 0.82
    make_flag(company_id(4), 9001, name="Default on project Harbor Point", priority="HIGH")
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.fakes.records import company_id

GC_USER = {"id": "GCUSER0000000001", "email": "risk.manager@acme-builders.example", "firstName": "Dana",
           "lastName": "Okafor"}

_PROFILES: dict[str, dict[str, Any]] = {
    "strong": {"risk": 1, "bench": (78, 81, 74, 69, 77), "current": "2.41", "d2e": "0.62", "equity": 9_800_000,
               "wc": 7_420_000, "net": 2_310_000, "spc": 14_000_000, "atc": 56_000_000, "type": "AUDITED"},
    "fair": {"risk": 2, "bench": (39, 49, 34, 47, 43), "current": "1.38", "d2e": "1.45", "equity": 3_100_000,
             "wc": 1_950_000, "net": 410_000, "spc": 4_200_000, "atc": 16_800_000, "type": "REVIEWED"},
    "weak": {"risk": 4, "bench": (22, 18, 25, 41, 24), "current": "0.82", "d2e": "3.90", "equity": 640_000,
             "wc": -310_000, "net": -185_000, "spc": 900_000, "atc": 3_600_000, "type": "COMPILED"},
}


def make_statement(profile: str, year: int, scale: int = 1) -> dict[str, Any]:
    p = _PROFILES[profile]
    revenue = p["equity"] * 6 * scale
    current_liabilities = 2_500_000 * scale
    current_assets = int(Decimal(current_liabilities) * Decimal(p["current"]))
    return {
        "period": 12, "type": p["type"], "date": f"{year}-12-31",
        "rawData": {
            "accountsPayable": 1_200_000 * scale, "accountsReceivable": 1_900_000 * scale,
            "amountOfCreditUsed": 250_000 * scale, "billingInExcessOfCost": 340_000 * scale,
            "cashAndCashEquivalents": 610_000 * scale, "costInExcessOfBillings": 120_000 * scale,
            "costsOfGoodsSold": int(revenue * 0.86), "currentLiabilities": current_liabilities,
            "earningsBeforeIncomeTaxes": int(p["net"] * 1.3), "equity": p["equity"],
            "interestExpense": 48_000, "interestIncome": 3_100, "marketableSecurities": 0,
            "netCashFromFinancing": -120_000, "netCashFromInvestments": -260_000,
            "netCashFromOperations": p["net"] + 150_000, "netIncome": p["net"], "revenueSales": revenue,
            "totalAssets": p["equity"] + current_liabilities + 1_000_000,
            "currentAssets": current_assets, "totalLiabilities": current_liabilities + 1_000_000,
            "totalLineOfCredit": 1_000_000,
        },
        "metrics": {
            "accountsReceivableTurnover": Decimal("7.15"), "assetTurnoverRatio": Decimal("1.92"),
            "cashToOverbillings": Decimal("1.79"), "currentRatio": Decimal(p["current"]),
            "daysOfCashOnHand": Decimal("21.4"), "debtLessCashToEquity": Decimal("0.48"),
            "debtRatio": Decimal("0.39"), "debtToEquity": Decimal(p["d2e"]), "equityToSales": Decimal("0.1667"),
            "equityToTotalLiabilities": Decimal("1.12"), "grossProfitMargin": Decimal("0.14"),
            "netProfitMargin": Decimal("0.0393"), "quickRatio": Decimal(p["current"]) - Decimal("0.12"),
            "returnOnAssets": Decimal("0.0817"), "underbillingsToCurrentAssets": Decimal("0.031"),
            "underbillingsToWc": Decimal("0.0611"), "workingCapitalCompression": Decimal("0.0125"),
            "workingCapitalToSales": Decimal("0.0951"), "workingCapitalTurnover": Decimal("10.52"),
            "customRatios": [{"name": "Equity to Largest Project", "value": Decimal("0.2133")}],
        },
    }


def make_financials(n: int | str, profile: str = "strong", *, name: str | None = None,
                    statements: int = 2, latest_year: int = 2025) -> dict[str, Any]:
    """A ``GET /financials/{id}`` body; ``statements=0`` gives a body the fake answers 404 for."""
    cid = n if isinstance(n, str) else company_id(n)
    p = _PROFILES[profile]
    debt, liquidity, profit, turnover, overall = p["bench"]
    year = latest_year
    return {
        "id": cid, "uniqueId": f"u{cid[-12:]}", "companyName": name or f"Company {cid[-4:]}",
        "companyTaxName": None, "doingBusinessAsName": None, "companyNetworkName": name,
        "hasParentCompany": False, "parentCompanyName": None, "taxIdType": "US_FEIN",
        "federalTaxId": "12-3456789", "riskEvaluationScore": p["risk"],
        "benchmarks": {
            "debtScore": debt, "debtYear": year, "liquidityScore": liquidity, "liquidityYear": year,
            "profitabilityScore": profit, "profitabilityYear": year, "turnoverScore": turnover,
            "turnoverYear": year, "overallBenchmarkingScore": overall, "overallBenchmarkingYear": year,
        },
        "keyMetrics": {
            "dartRates": [{"score": Decimal("0.8123"), "year": year}, {"score": Decimal("1.0411"), "year": year - 1}],
            "experienceModificationRatings": [{"score": Decimal("0.87"), "year": year},
                                              {"score": Decimal("0.91"), "year": year - 1}],
            "recordableIncidentRates": [{"score": Decimal("1.6"), "year": year},
                                        {"score": Decimal("2.1"), "year": year - 1}],
            "aggregateTotalCapacity": p["atc"], "singleProjectCapacity": p["spc"],
            "largestProject": p["spc"] * 3 // 4, "largestProjectYear": year - 1,
            "netCashFlow": p["net"] + 90_000, "netCashFlowYear": year,
            "workingCapital": p["wc"], "workingCapitalYear": year,
        },
        "statements": [make_statement(profile, year - i) for i in range(statements)],
    }


def flag_state(value: str, summary: str, at: str, by: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"value": value, "summary": summary, "createdAt": at, "updatedAt": at, "createdBy": by or GC_USER}


def make_flag(cid: str, flag_id: int, *, name: str = "Safety Concern", type_: str = "PROJECT",
              priority: str = "HIGH", event_date: str = "2026-03-14", summary: str = "See notes.",
              resolved: str | None = None, company_name: str = "", created_at: str = "2026-03-15T16:20:00.000Z",
              ) -> dict[str, Any]:
    """One flag as the API stores it; ``resolved`` = the summary of its resolution (then it has a
    two-entry ``stateHistory``: ACTIVE, then RESOLVED)."""
    history = [flag_state("ACTIVE", "Raised by preconstruction", created_at)]
    if resolved:
        history.append(flag_state("RESOLVED", resolved, "2026-05-02T09:05:00.000Z"))
    return {
        "id": flag_id,
        "company": {"id": cid, "uniqueId": f"u{cid[-12:]}", "name": company_name, "taxId": "123456789",
                    "taxType": "US_FEIN"},
        "name": name, "type": type_, "priority": priority, "eventDate": event_date, "summary": summary,
        "triggerAlert": priority == "HIGH", "isVisibleInPlatform": False, "flagProposalId": None,
        "createdAt": created_at, "updatedAt": history[-1]["createdAt"], "createdBy": GC_USER,
        "state": history[-1], "stateHistory": {"results": history},
    }
