"""Transform stage: copies of a report for wide distribution.

Input: a ``Report`` and what to withhold (``financial``: bank and surety figures and contacts).
Output: the same report with those values removed everywhere they appear (amounts, company facts,
financial ratios, capacity checks, flag messages and evidence, verdict reasons) and a note saying so.
The verdict itself is kept: readers of a redacted copy see the same decision, not the figures.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reporter.transform.model import Company, Flag, Report

REDACTIONS = ("financial",)
WITHHELD = "withheld"

_FINANCIAL_AMOUNTS = (
    "suretySingleProjectBondingCapacity",
    "suretyAggregateBondingCapacity",
    "bankLineOfCreditTotal",
    "bankLineOfCreditOutstanding",
)
_FINANCIAL_FACTS = (
    "suretyBrokerAgencyCompanyName",
    "suretyBrokerContactName",
    "suretyBrokerContactPhone",
    "suretyCompanyName",
    "bankName",
    "bankContactName",
    "bankContactPhone",
    "bankContactEmail",
)
_FINANCIAL_CHECKS = ("bondingSingle", "bondingAggregate")
_FINANCIAL_RULE_PREFIXES = ("financial.loc", "capacity.bonding")
NOTE = "Bank and surety figures are withheld from this copy."


def redact_report(report: Report, what: str) -> Report:
    if what not in REDACTIONS:
        raise ValueError(f"unknown redaction {what!r}")
    company = report.company
    flags: list[Flag] = []
    for f in report.flags:
        if f.rule.startswith(_FINANCIAL_RULE_PREFIXES):
            flags.append(dataclasses.replace(f, message=_generic(f.rule), evidence={"withheld": True}))
        else:
            flags.append(f)
    generic_for = {f.message: g.message for f, g in zip(report.flags, flags, strict=True) if f.message != g.message}
    return dataclasses.replace(
        report,
        amounts=dataclasses.replace(report.amounts, **dict.fromkeys(_FINANCIAL_AMOUNTS)),
        company=_withhold(company),
        financial=dataclasses.replace(report.financial, line_of_credit_utilisation=None),
        capacity=[c for c in report.capacity if c.key not in _FINANCIAL_CHECKS],
        flags=flags,
        verdict_reasons=[_reason(m, generic_for) for m in report.verdict_reasons],
        fx_note=f"{report.fx_note} {NOTE}" if report.fx_note else NOTE,
    )


def _withhold(company: Company) -> Company:
    """The company facts with bank and surety names and contacts (where given) withheld."""
    withheld: dict[str, Any] = {k: WITHHELD for k in _FINANCIAL_FACTS if getattr(company, k)}
    return dataclasses.replace(company, **withheld)


def _reason(message: str, generic_for: dict[str, str]) -> str:
    """A verdict reason is a flag's message, possibly with " (and N more like it)" appended."""
    for original, generic in generic_for.items():
        if message == original or message.startswith(original + " (and "):
            return generic + message[len(original):]
    return message


def _generic(rule: str) -> str:
    return {
        "capacity.bonding_single": "Award exceeds single-project bonding capacity (figures withheld)",
        "capacity.bonding_aggregate": "Backlog + award exceed aggregate bonding capacity (figures withheld)",
    }.get(rule, "Line-of-credit use above the threshold (figures withheld)")
