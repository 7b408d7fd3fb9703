"""Render stage (Excel): the leveling workbook's TradeTapp columns.

Input: the run's ``Report`` values. Output: ``tradetapp_columns`` -> ``SheetColumn`` values for
``reporter.render.leveling``: TradeTapp's risk evaluation score, the overall benchmark and its band,
TradeTapp's recommended single-project capacity and the award against it, and the GC's active
flags by priority (blank for a company without TradeTapp analysis; no columns when no company has one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reporter.render.xlsx_sheets import SheetColumn
from reporter.render.xlsx_tradetapp import status_words
from reporter.transform.model import Report
from reporter.transform.money import Money


def _tt(get: Callable[[Any], Any]) -> Callable[[Report], Any]:
    def value(r: Report) -> Any:
        a = getattr(r, "tradetapp", None)
        return None if a is None else get(a)

    return value


def _single(a: Any) -> Any:
    return next((c for c in a.capacity if c.key == "single"), None)


def _award_ratio(a: Any) -> Any:
    c = _single(a)
    if c is None or not c.recommended or c.measured is None:
        return None
    return c.measured / c.recommended


def _capacity(r: Report) -> Money | None:
    """TradeTapp's recommended single-project capacity as money: in the report's currency when it
    was converted for the award check, else as TradeTapp sent it (the record's currency)."""
    a = getattr(r, "tradetapp", None)
    if a is None:
        return None
    c = _single(a)
    if c is not None and c.recommended is not None:
        return Money(c.recommended, r.currency)
    raw = a.key_metrics.single_project_capacity if a.key_metrics else None
    return None if raw is None else Money(raw, r.submission_currency)


def _active(priority: str) -> Callable[[Report], Any]:
    return _tt(lambda a: a.active_count(priority) if a.flags_status == "present" else None)


def tradetapp_columns(reports: Sequence[Report]) -> list[SheetColumn]:
    if not any(getattr(r, "tradetapp", None) is not None for r in reports):
        return []
    C = SheetColumn
    return [
        C("TradeTapp risk score", 9, _tt(lambda a: a.risk_evaluation_score), "int"),
        C("Overall benchmark", 9, _tt(lambda a: a.overall.score if a.overall else None), "number"),
        C("Overall band", 10, _tt(lambda a: a.overall.band if a.overall else status_words(a.financials_status, short=True)), "text"),
        C("TradeTapp single-project capacity", 18, _capacity, "money"),
        C("Award vs TradeTapp single (x)", 12, _tt(_award_ratio), "ratio"),
        C("GC flags active HIGH", 8, _active("HIGH"), "int"),
        C("GC flags active MEDIUM", 8, _active("MEDIUM"), "int"),
        C("GC flags active LOW", 8, _active("LOW"), "int"),
    ]
