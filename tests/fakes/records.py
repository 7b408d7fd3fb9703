"""Test fake data: a factory of TradeTapp qualification records (raw dicts, as on the wire).

Input: a number (each gives a distinct, stable company) and optional sizes / overrides.
Output: complete records -- ``companyOfficeAddresses``/``customQuestions`` hold *every* item in a
``{pagination, results}`` object with no next page -- that validate as ``Qualification``. Non-integer
numbers are ``Decimal`` (as ``loads_exact`` produces), including one with more digits than a float
keeps, so tests can check that nothing goes through a float.

    make_record(3, offices=120, questions=75)       # the large record of the fetch acceptance test
    make_records(30, big={7: (120, 75)})
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

EXACT_NUMBER = Decimal("5600.89650000000000000001")  # a float would lose the tail
BASE_TIME = datetime(2024, 1, 1, 9, 0, 0, tzinfo=UTC)
_STATES = ("California", "Oregon", "Nevada", "Arizona", "Washington", "Texas")
_NAMES = ("Summit", "Harbor", "Granite", "Cascade", "Pioneer", "Redwood", "Mesa", "Keystone")
_TRADES = ("Electrical", "Mechanical", "Plumbing", "Concrete", "Drywall", "Roofing")


def company_id(n: int) -> str:
    """A 24-hex BuildingConnected-style id, stable for ``n``."""
    return f"59d2b866{n:016x}"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def office(n: int, i: int) -> dict[str, Any]:
    return {
        "isMainOffice": i == 0,
        "address1": f"{100 + i} Market Street",
        "address2": "" if i % 3 else f"Suite {i}",
        "city": f"City {n}-{i}",
        "state": _STATES[i % len(_STATES)],
        "zipCode": f"{94000 + i:05d}",
    }


def question(n: int, i: int) -> dict[str, Any]:
    return {
        "question": f"Question {i} for company {n}?",
        "section": "Financial" if i % 2 else "General",
        "textResponse": None if i % 4 == 3 else f"Answer {i}",
        "numberResponse": EXACT_NUMBER if i == 0 else (Decimal(f"{i}.25") if i % 3 == 0 else None),
        "booleanResponse": None if i % 5 == 4 else bool(i % 2),
    }


def complete(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "pagination": {"limit": 50, "cursorState": None, "totalResults": len(items), "nextUrl": None, "previousUrl": None},
        "results": items,
    }


def make_record(
    n: int,
    *,
    offices: int = 2,
    questions: int = 3,
    updated_at: datetime | None = None,
    name: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A complete record for company number ``n``; ``overrides`` replace top-level fields."""
    updated = updated_at or BASE_TIME + timedelta(hours=n)
    record: dict[str, Any] = {
        "id": company_id(n),
        "uniqueId": f"SUB-{n:04d}",
        "questionnaireVersion": "Primary Qualification",
        "qualification": {
            "status": ("QUALIFIED", "QUALIFIED_WITH_EXCEPTIONS", "DENIED", "EXPIRED")[n % 4],
            "internalSingleLimit": 2_000_000 + n * 1000,
            "internalTotalLimit": 8_000_000,
            "dateExpires": "2026-12-31T00:00:00.000Z",
            "summary": f"Summary for company {n}",
            "denialReason": None,
            "preExpirationStatus": None,
        },
        "applicationStatus": "SUBMITTED",
        "applicationDetail": "RENEWAL",
        "companyName": name or f"{_NAMES[n % len(_NAMES)]} {_TRADES[n % len(_TRADES)]} {n}",
        "companyTaxName": f"Company {n} LLC",
        "doingBusinessAsName": None,
        "companyNetworkName": None,
        "yearFounded": 1980 + n % 40,
        "stateFounded": _STATES[n % len(_STATES)],
        "taxIdType": "US_FEIN",
        "federalTaxId": f"{100000000 + n}",
        "submissionCurrency": "USD",
        "numberOfHomeOfficeEmployees": 10 + n,
        "numberOfFieldSupervisoryEmployees": 5,
        "hasProfessionalLicenses": False,
        "hasUnionAffiliations": False,
        "hasParentCompany": n % 5 == 0,
        "parentCompanyName": "Holding Group" if n % 5 == 0 else None,
        "currentEstimatedBacklog": 4_500_000,
        "suretyBrokerAgencyCompanyName": None,
        "suretySingleProjectBondingCapacity": 5_000_000,
        "suretyAggregateBondingCapacity": 15_000_000,
        "bankLineOfCreditTotal": 1_000_000,
        "bankLineOfCreditOutstanding": 250_000,
        "submittedAt": stamp(updated - timedelta(days=1)),
        "updatedAt": stamp(updated),
        "csiCodesForWorkPerformed": [
            {"primaryCode": "26", "secondaryCode": "05", "tertiaryCode": "00", "codeDescription": "Electrical"}
        ],
        "regionsServed": [{"region": "California"}],
        "marketsServed": [{"market": "Education"}],
        "completedReferences": [],
        "companyContacts": [],
        "insuranceCoverages": [],
        "experienceModificationRatings": [{"year": 2023, "experienceModificationRating": Decimal("0.87")}],
        "osha300Results": [],
        "certificates": [],
        "unions": [],
        "annualVolumeRevenues": [{"year": 2023, "estimatedVolumeRevenue": 12_000_000}],
        "professionalLicenses": [],
        "companyOfficeAddresses": complete([office(n, i) for i in range(offices)]),
        "customQuestions": complete([question(n, i) for i in range(questions)]),
    }
    record.update(overrides)
    return record


def make_records(count: int, *, big: dict[int, tuple[int, int]] | None = None, start: int = 1) -> list[dict[str, Any]]:
    """``count`` records numbered from ``start``; ``big`` maps a number to (offices, questions)."""
    big = big or {}
    return [
        make_record(n, offices=big.get(n, (2, 3))[0], questions=big.get(n, (2, 3))[1])
        for n in range(start, start + count)
    ]
