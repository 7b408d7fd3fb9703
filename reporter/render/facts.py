"""Render stage: the record's top-level facts, listed once for the packet and the workbook.

Input: a ``Report``. Output: ``company_fact_groups(report)``: the groups the packet's Company part
shows (``company``, ``qualification``, ``finance``), each a list of ``Fact(label, value, kind,
field)``. The packet prints them as label/value tables; the workbook's Company sheet lists the
same facts, with the same labels, plus the record's unknown fields.

``kind`` is a ``reporter.sections.KINDS`` name, or ``enum`` (a code shown as words) or
``datetime`` (an instant in the report's zone: generated, submitted, updated) or ``day`` (a
day such as an expiry: its calendar day in the report's zone, no clock time); ``field`` is the record's field
(``qualification.<name>`` inside the qualification).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reporter.transform.model import Report


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any
    kind: str = "text"  # a reporter.sections.KINDS name, "enum", "enum_code" (words, then the code), "datetime", "day" or "ratio"
    field: str | None = None  # the record's field, where the fact is one


@dataclass(frozen=True)
class FactSpec:
    label: str
    field: str
    kind: str
    get: Callable[[Report], Any]


def _company(label: str, name: str, kind: str = "text") -> FactSpec:
    return FactSpec(label, name, kind, lambda r: getattr(r.company, name))


def _amount(label: str, name: str, qualification: bool = False) -> FactSpec:
    field = f"qualification.{name}" if qualification else name
    return FactSpec(label, field, "money", lambda r: getattr(r.amounts, name))


def _decision(label: str, name: str, attr: str, kind: str) -> FactSpec:
    return FactSpec(label, f"qualification.{name}", kind, lambda r: getattr(r.qualification, attr))


FACT_GROUPS: dict[str, tuple[FactSpec, ...]] = {
    "company": (
        _company("Company name", "companyName"),
        _company("Legal / tax name", "companyTaxName"),
        _company("Doing business as", "doingBusinessAsName"),
        _company("Builders Network name", "companyNetworkName"),
        _company("BuildingConnected id", "id", "code"),
        _company("GC unique id", "uniqueId", "code"),
        _company("Questionnaire", "questionnaireVersion"),
        _company("Application status", "applicationStatus", "enum"),
        _company("Application detail", "applicationDetail", "enum"),
        _company("Year founded", "yearFounded", "year"),
        _company("State / province founded", "stateFounded"),
        _company("Tax id type", "taxIdType", "enum"),
        _company("Tax id", "federalTaxId", "code"),
        _company("Submission currency", "submissionCurrency", "code"),
        _company("Home office employees", "numberOfHomeOfficeEmployees", "int"),
        _company("Field supervisory employees", "numberOfFieldSupervisoryEmployees", "int"),
        _company("Has professional licenses", "hasProfessionalLicenses", "bool"),
        _company("Has union affiliations", "hasUnionAffiliations", "bool"),
        _company("Has parent company", "hasParentCompany", "bool"),
        _company("Parent company", "parentCompanyName"),
        _company("Submitted", "submittedAt", "datetime"),
        _company("Last updated", "updatedAt", "datetime"),
    ),
    "qualification": (
        _decision("Status", "status", "status", "enum"),  # words; the code is in the JSON and the Company sheet
        _decision("Status before expiry", "preExpirationStatus", "pre_expiration_status", "enum"),
        _decision("Expires", "dateExpires", "date_expires", "day"),  # a day, not a clock time
        _amount("Internal single limit", "internalSingleLimit", qualification=True),
        _amount("Internal total limit", "internalTotalLimit", qualification=True),
        _decision("Summary", "summary", "summary", "longtext"),
        _decision("Denial reason", "denialReason", "denial_reason", "longtext"),
    ),
    "finance": (
        _amount("Current estimated backlog", "currentEstimatedBacklog"),
        _company("Surety company", "suretyCompanyName"),
        _amount("Single-project bonding capacity", "suretySingleProjectBondingCapacity"),
        _amount("Aggregate bonding capacity", "suretyAggregateBondingCapacity"),
        _company("Surety broker agency", "suretyBrokerAgencyCompanyName"),
        _company("Surety broker contact", "suretyBrokerContactName"),
        _company("Surety broker phone", "suretyBrokerContactPhone", "phone"),
        _company("Bank", "bankName"),
        _amount("Line of credit total", "bankLineOfCreditTotal"),
        _amount("Line of credit outstanding", "bankLineOfCreditOutstanding"),
        _company("Bank contact", "bankContactName"),
        _company("Bank phone", "bankContactPhone", "phone"),
        _company("Bank email", "bankContactEmail", "email"),
        _company("Insurance broker", "insuranceBrokerCompanyName"),
        _company("Insurance broker contact", "insuranceBrokerContactName"),
        _company("Insurance broker phone", "insuranceBrokerContactPhone", "phone"),
        _company("Insurance broker email", "insuranceBrokerContactEmail", "email"),
    ),
}


def company_fact_groups(report: Report) -> dict[str, list[Fact]]:
    """Every group of ``FACT_GROUPS`` with this report's values."""
    return {
        key: [Fact(s.label, s.get(report), s.kind, s.field) for s in specs] for key, specs in FACT_GROUPS.items()
    }
