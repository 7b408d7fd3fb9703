"""Render stage: page one's "TradeTapp analysis" block -- its view model and the lines it takes.

Input: a ``Report`` (its ``tradetapp`` part) and whether page one needs it compact (measured by
``reporter.render.page_one_fit``). Output: a ``TradeTappBlock`` for
``templates/page_one/tradetapp.html.j2``: full (a small table: risk score and benchmark, "TradeTapp
recommends X / GC limit Y / this award Z" for single and aggregate, working capital, current ratio,
latest statement) when there is room, else compact (the same facts in one or two lines), so the
block never pushes the sign-off off page one. ``None`` when no financials or flags were saved or
fetched with the record (the block is not shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reporter.transform.model import Report
from reporter.transform.model_tradetapp import TradeTappAnalysis, TradeTappCapacity
from reporter.transform.money import format_compact

FULL_LINES = 7  # header, score and benchmark, single, aggregate, working capital and statement, margins
COMPACT_LINES = 3
NOT_FOUND_LINES = 2


@dataclass(frozen=True)
class TradeTappBlock:
    a: TradeTappAnalysis
    compact: bool
    lines: int
    single: TradeTappCapacity | None
    aggregate: TradeTappCapacity | None
    active: dict[str, int]  # active GC flags by priority
    currency: str

    def money(self, amount: Decimal | None) -> str:
        """Page one's dense figure (``USD 32.0M``), or ``not provided``."""
        return "not provided" if amount is None else format_compact(amount, self.currency)

    @property
    def active_text(self) -> str:
        n = sum(self.active.values())
        if not n:
            return "none active"
        return ", ".join(f"{v} {k}" for k, v in self.active.items() if v) + " active"

    @property
    def has_financials(self) -> bool:
        return self.a.financials_status == "present"


def tradetapp_block(report: Report, *, compact: bool = False) -> TradeTappBlock | None:
    """The block for ``report``: full, or ``compact`` when page one is short of room (the fit in
    ``reporter.render.page_one_fit`` decides by measuring)."""
    a = report.tradetapp
    if a is None:
        return None
    cap = {c.key: c for c in a.capacity}
    active = {p: a.active_count(p) for p in ("HIGH", "MEDIUM", "LOW")}
    if a.financials_status != "present":
        lines, compact = NOT_FOUND_LINES, True
    else:
        lines = COMPACT_LINES if compact else FULL_LINES
    return TradeTappBlock(a, compact, lines, cap.get("single"), cap.get("aggregate"), active, report.currency)
