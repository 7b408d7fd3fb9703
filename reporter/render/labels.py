"""Render stage: the one label table for every enum code a person reads.

Input: a code as the API sends it (``QUALIFIED_WITH_EXCEPTIONS``, ``US_FEIN``, ``PREQUAL``) or a
sentence that may hold such codes (a flag message, a verdict reason). Output: words
(``Qualified with exceptions``, ``US FEIN``, ``Prequalification contact``); a code the table does
not know becomes readable words (``POLLUTION_LIABILITY`` -> ``Pollution liability``).

Used by the PDF's text, the workbook's text columns, the leveling workbook and page one. The raw
code stays only where a column is for codes (the workbook's code columns, the JSON).
"""

from __future__ import annotations

import re

# Known codes -> what a preconstruction team calls them. Unknown codes: ``words``.
LABELS: dict[str, str] = {
    # Qualification and application statuses
    "QUALIFIED": "Qualified",
    "QUALIFIED_WITH_EXCEPTIONS": "Qualified with exceptions",
    "DENIED": "Denied",
    "EXPIRED": "Expired",
    "PENDING": "Pending",
    "UNDECIDED": "Undecided",
    "NOT_STARTED": "Not started",
    "IN_PROGRESS": "In progress",
    "SUBMITTED": "Submitted",
    "IN_REVIEW": "In review",
    "UNDER_REVIEW": "Under review",
    "APPROVED": "Approved",
    "COMPLETED": "Completed",
    "RENEWAL": "Renewal",
    # Insurance types
    "GENERAL_LIABILITY": "General liability",
    "AUTOMOBILE_LIABILITY": "Automobile liability",
    "UMBRELLA_EXCESS": "Umbrella / excess",
    "WORKERS_COMPENSATION": "Workers' compensation",
    "PROFESSIONAL_LIABILITY": "Professional liability",
    "POLLUTION_LIABILITY": "Pollution liability",
    "BUILDERS_RISK": "Builder's risk",
    # Tax ids
    "US_FEIN": "US FEIN",
    "US_SSN": "US SSN",
    "CAN_BN": "Canadian business number",
    "OTHER": "Other",
    # Contacts
    "COMPANY": "Company contact",
    "PREQUAL": "Prequalification contact",
    "ADMIN": "Administrator",
    # Documents and questions
    "ADDENDUM": "Addendum",
    "CERTIFICATION": "Certification",
    "TEXT": "Text",
}

# Words kept in capitals when an unknown code is turned into words.
_ACRONYMS = frozenset({"US", "USA", "CA", "GC", "EMR", "OSHA", "TRIR", "DART", "LTIR", "FEIN", "SSN", "BN",
                       "EIN", "DBA", "LOC", "CSI", "NAICS", "BLS", "ID", "LLC", "MBE", "WBE", "DBE", "SBE"})
# A code in running text: two or more capitalised words joined by underscores.
CODE_IN_TEXT = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
# A known one-word status in capitals inside a sentence ("expired ... (was QUALIFIED before)").
_STATUS_WORDS = frozenset({"QUALIFIED", "DENIED", "EXPIRED", "PENDING", "UNDECIDED", "SUBMITTED", "APPROVED"})
WORD_IN_TEXT = re.compile(r"\b(?:" + "|".join(sorted(_STATUS_WORDS)) + r")\b")


_WHOLE_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def is_code(value: object) -> bool:
    """A value that is one whole enum code (a known one, or capitals joined by underscores)."""
    return isinstance(value, str) and (value in LABELS or bool(_WHOLE_CODE.match(value)))


def words(code: str) -> str:
    """An unknown code as words: ``POLLUTION_LIABILITY`` -> ``Pollution liability``."""
    parts = [p for p in str(code).replace("-", "_").split("_") if p]
    if not parts:
        return str(code)
    out = []
    for i, p in enumerate(parts):
        up = p.upper()
        if up in _ACRONYMS:
            out.append(up)
        else:
            out.append(p.capitalize() if i == 0 else p.lower())
    return " ".join(out)


def label(code: object, missing: str = "not provided") -> str:
    """The words for one code (``missing`` for none or an empty one)."""
    if code is None or code == "":
        return missing
    text = str(code)
    if text in LABELS:
        return LABELS[text]
    if _WHOLE_CODE.match(text):
        return words(text)
    return text


def in_words(text: object) -> str:
    """A sentence with every code in it turned into words (lower-case inside a sentence:
    "though its status is qualified with exceptions")."""
    if text is None:
        return ""
    s = str(text)

    def sub(m: re.Match[str]) -> str:
        w = label(m.group(0))
        start = m.start()
        at_start = start == 0 or s[:start].rstrip().endswith((".", ":", ";", "\n"))
        if at_start or w.split(" ", 1)[0].isupper():
            return w
        return w[0].lower() + w[1:]

    s = CODE_IN_TEXT.sub(sub, s)
    return WORD_IN_TEXT.sub(sub, s)


# TradeTapp's statement figures and ratios by their wire names (``reporter.api.financials_names``):
# the ones camel-case splitting would not say well; the rest read as their words.
FIGURE_LABELS = {
    "revenueSales": "Revenue (sales)",
    "underbillingsToWc": "Underbillings to working capital",
    "billingInExcessOfCost": "Billings in excess of cost",
    "costInExcessOfBillings": "Costs in excess of billings",
    "earningsBeforeIncomeTaxes": "Earnings before income taxes",
    "costsOfGoodsSold": "Cost of goods sold",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def figure_words(name: object) -> str:
    """A statement's figure or ratio name as words: ``daysOfCashOnHand`` -> ``Days of cash on hand``."""
    text = str(name)
    return FIGURE_LABELS.get(text) or words(_CAMEL.sub("_", text))

