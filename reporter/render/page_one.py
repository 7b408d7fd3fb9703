"""Render stage: page one's view models and its line budget (no Jinja here).

Input: a ``Report`` and the page size. Output: the rows page one shows (``insurance_overview``:
the four usual coverages first, ``MissingCoverage`` where one is absent; ``safety_years``: the last
three years of EMR and OSHA figures merged per year), the clip limits its template uses, and how
many flags fit before "and N more" (``page_one_flag_count``), so that page one stays one page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reporter.render.options import PAGE_SIZE_LINES
from reporter.transform.model import InsuranceRow, Report
from reporter.transform.sections_data import INSURANCE_LABELS

# Page one must stay one page: the flag list takes what the variable blocks above it leave.
# Estimated in text lines of 8.5 pt (calibrated on the samples, with a margin of about two lines).
PAGE_ONE_LINES = 22
REASON_CHARS, FLAG_CHARS, CARRIER_CHARS, AKA_CHARS = 95, 115, 26, 120
MIN_FLAGS = 1  # the verdict reasons above already name the worst ones
# Page one clips the company name and the DBA / legal names. A name longer than NAME_CHARS (what
# fits a line at 17 pt) is set smaller (class "long", about NAME_CHARS_LONG a line, even in wide
# letters); each extra line costs about two flag lines.
NAME_MAX, AKA_MAX, NAME_CHARS, NAME_CHARS_LONG, NAME_LINE_COST, HEADER_MAX = 90, 80, 42, 30, 2, 60
# Page one also clips the denial reason and carrier names, and lists at most INSURANCE_ROWS
# coverages (the four usual ones first), with "and N more" pointing to the Insurance section.
DENIAL_MAX, CARRIER_MAX, TYPE_MAX, TYPE_CHARS, INSURANCE_ROWS = 320, 60, 40, 20, 6
LINE_MAX = 240  # a verdict reason or flag message on page one (in full under "All flags")

# The limits the templates read (Jinja globals of the same names).
TEMPLATE_LIMITS = {
    "NAME_MAX": NAME_MAX, "NAME_CHARS": NAME_CHARS, "HEADER_MAX": HEADER_MAX, "AKA_MAX": AKA_MAX,
    "DENIAL_MAX": DENIAL_MAX, "CARRIER_MAX": CARRIER_MAX, "TYPE_MAX": TYPE_MAX, "LINE_MAX": LINE_MAX,
}


@dataclass(frozen=True)
class MissingCoverage:
    """One of the four usual coverages the record does not list (page one says "not provided")."""

    label: str
    carrier: None = None


OverviewRow = InsuranceRow | MissingCoverage


@dataclass(frozen=True)
class SafetyColumn:
    """One year of page one's safety table."""

    year: int
    emr: Decimal | None
    has_osha: bool
    trir: Decimal | None = None
    dart: Decimal | None = None
    ltir: Decimal | None = None
    hours_worked: int | None = None


def clip(value: Any, limit: int) -> str:
    """Page one's names: at most ``limit`` characters (``…`` marks the cut; the full text is in the
    Company section), so a very long name cannot push page one onto a second page."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def insurance_overview(report: Report) -> list[OverviewRow]:
    """Page one's insurance rows: the four usual coverages always (``MissingCoverage`` when
    missing), then any other coverage the record lists."""
    rows = list(report.insurance)
    out: list[OverviewRow] = []
    for code, label in INSURANCE_LABELS.items():
        found = [r for r in rows if r.insurance_type == code]
        out.extend(found or [MissingCoverage(label)])
    out.extend(r for r in rows if r.insurance_type not in INSURANCE_LABELS)
    return out


def safety_years(report: Report, n: int = 3) -> list[SafetyColumn]:
    """The last ``n`` years that have an EMR or an OSHA 300A entry, oldest first, merged per year."""
    emr = {e.year: e.value for e in report.safety.emr}
    osha = {y.year: y for y in report.safety.years if y.year is not None}
    out = []
    for year in sorted(set(emr) | set(osha))[-n:]:
        o = osha.get(year)
        out.append(SafetyColumn(
            year, emr.get(year), o is not None,
            o.trir if o else None, o.dart if o else None, o.ltir if o else None, o.hours_worked if o else None,
        ))
    return out


def _lines(text: str | None, per_line: int) -> int:
    # Capitals and wide letters take about a third more room than the average the limits assume.
    width = sum(1.35 if c.isupper() or c in "mw" else 1 for c in text or "")
    return max(1, math.ceil(width / per_line))


def page_one_flag_count(report: Report, insurance_rows: Sequence[OverviewRow], page_size: str = "a4") -> int:
    """How many flags page one lists before "and N more" (at least ``MIN_FLAGS``)."""
    q = report.qualification
    used = sum(_lines(clip(r, LINE_MAX), REASON_CHARS) for r in report.verdict_reasons)
    if q.denial_reason and q.status == "DENIED":
        used += _lines(clip(q.denial_reason, DENIAL_MAX) + " (in full under Qualification decision)", REASON_CHARS)
    used += sum(
        max(_lines(clip(r.carrier, CARRIER_MAX), CARRIER_CHARS), _lines(clip(r.label, TYPE_MAX), TYPE_CHARS))
        for r in insurance_rows[:INSURANCE_ROWS]
    )
    used += 1 if len(insurance_rows) > INSURANCE_ROWS else 0
    c = report.company
    aka = " ".join(clip(v, AKA_MAX) for v in (c.doingBusinessAsName, c.companyTaxName, c.uniqueId))
    used += _lines(aka, AKA_CHARS) - 1
    name = clip(report.company_name, NAME_MAX)
    used += NAME_LINE_COST * (_lines(name, NAME_CHARS if len(name) <= NAME_CHARS else NAME_CHARS_LONG) - 1)
    left = PAGE_ONE_LINES + PAGE_SIZE_LINES[page_size] - used
    if sum(_lines(clip(f.message, LINE_MAX), FLAG_CHARS) for f in report.flags) <= left:
        return len(report.flags)
    left -= 1  # the "and N more" line
    shown = 0
    for f in report.flags:
        left -= _lines(clip(f.message, LINE_MAX), FLAG_CHARS)
        if left < 0:
            break
        shown += 1
    return max(shown, MIN_FLAGS)


def trade_summary(report: Report, limit: int = 4) -> str | None:
    """The trade as CSI divisions: ``03 Cast-in-place concrete; 09 Gypsum board`` (each division
    once, with the first description given for it; ``and N more`` past ``limit``)."""
    seen: dict[str, str] = {}
    for row in report.sections.get("csiCodes", []):
        code = str(row.get("primaryCode") or "").strip()
        if code and code not in seen:
            seen[code] = str(row.get("codeDescription") or "").strip()
    if not seen:
        return None
    parts = [f"{k} {v}".strip() for k, v in list(seen.items())[:limit]]
    more = len(seen) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
