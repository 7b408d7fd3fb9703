"""Render stage: the bid-leveling workbook (``leveling.xlsx``) of one run's companies.

Input: the ``Report`` of every record built in the run. Output: XLSX bytes with one sheet,
"Leveling": one row per company (qualification status, verdict, flag counts, limits, backlog,
bonding capacity, latest EMR, pooled TRIR and DART, latest revenue, insurance gaps and expiries,
and, when the run had ``--project-value``, every capacity check as a ratio), sorted by verdict
(green first: the best candidates on top), then by company name. Conditional formatting colours
the verdicts, any high flag, and every capacity ratio above its rule's threshold (1x a limit, 2x
the largest completed project: the thresholds of ``reporter.transform.rules``). Print setup,
widths and header heights: ``reporter.render.xlsx_print``; long texts wrap in their set widths
(rows grow), amounts show in whole units with their currency (the cells keep the exact amount),
and the BC id column comes last, outside the print area, so the printed page keeps what an
estimator compares.

Money cells keep each company's own currency in their number format. A run without ``--currency``
that mixes currencies never puts two in one column: each money column is split per currency
("Backlog (USD)", "Backlog (CAD)"), a company's amount in the column of its currency; the packets
keep the original amounts beside any converted figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from reporter import __version__
from reporter.dates import get_zone
from reporter.render.labels import in_words
from reporter.render.leveling_tradetapp import tradetapp_columns
from reporter.render.page_one import trade_summary
from reporter.render.xlsx_cells import clean_text, money_format, write_typed
from reporter.render.xlsx_print import finish_sheet
from reporter.render.xlsx_save import workbook_bytes
from reporter.render.xlsx_sheets import SheetColumn, add_table, safe_sheet_name, write_header
from reporter.transform.model import Report
from reporter.transform.money import Money

ID_HEADER = "BC id"
VERDICT_ORDER = {"green": 0, "amber": 1, "red": 2}
FILL_COLOURS = {"RED": "F4C7C3", "AMBER": "FCE8B2", "GREEN": "B7E1CD"}
_GAP_RULES = ("insurance.missing", "insurance.not_applicable", "insurance.below_minimum")
_EXPIRY_RULES = ("insurance.expired", "insurance.expiring", "insurance.before_project_end")


def sort_key(report: Report) -> tuple[int, str, str]:
    return (VERDICT_ORDER.get(report.verdict, 3), report.company_name.casefold(), report.company_id)


def _count(sev: str):
    return lambda r: sum(1 for f in r.flags if f.severity == sev)


def _messages(rules: tuple[str, ...]):
    return lambda r: "; ".join(in_words(f.message) for f in r.flags if f.rule in rules) or None


def _earliest_expiry(r: Report) -> date | None:
    days = [i.policy_expiration_date for i in r.insurance
            if not i.not_applicable and i.policy_expiration_date is not None]
    return min(days) if days else None


def _award(r: Report) -> Money | None:
    return Money(r.project.value, r.currency) if r.project.value is not None else None


def _amount(name: str):
    return lambda r: getattr(r.amounts, name)


def leveling_columns(reports: Sequence[Report]) -> list[SheetColumn]:
    C = SheetColumn
    cols = [
        C("Company", 26, lambda r: r.company_name, "longtext"),
        C("Trade (CSI divisions)", 30, lambda r: trade_summary(r), "longtext"),
        C("Qualification status", 14, lambda r: r.qualification.status, "longtext"),
        C("Qualification expires", 12, lambda r: r.qualification.date_expires_local, "date"),
        C("Verdict", 9, lambda r: r.verdict.upper(), "status"),
        C("High flags", 8, _count("high"), "int"),
        C("Medium flags", 8, _count("medium"), "int"),
        C("Low flags", 8, _count("low"), "int"),
        C("Amounts in", 8, lambda r: r.currency, "code"),
        C("Award", 16, _award, "money"),
        C("Internal single limit", 18, _amount("internalSingleLimit"), "money"),
        C("Internal total limit", 18, _amount("internalTotalLimit"), "money"),
        C("Backlog", 18, _amount("currentEstimatedBacklog"), "money"),
        C("Bonding single project", 18, _amount("suretySingleProjectBondingCapacity"), "money"),
        C("Bonding aggregate", 18, _amount("suretyAggregateBondingCapacity"), "money"),
        C("EMR latest", 8, lambda r: r.safety.emr_latest.value if r.safety.emr_latest else None, "emr"),
        C("EMR year", 7, lambda r: r.safety.emr_latest.year if r.safety.emr_latest else None, "year"),
        C("TRIR 3-year", 8, lambda r: r.safety.three_year.trir, "rate"),
        C("DART 3-year", 8, lambda r: r.safety.three_year.dart, "rate"),
        C("Latest revenue", 18, lambda r: r.financial.revenue_latest.revenue if r.financial.revenue_latest else None, "money"),
        C("Revenue year", 8, lambda r: r.financial.revenue_latest.year if r.financial.revenue_latest else None, "year"),
        C("Insurance gaps", 30, _messages(_GAP_RULES), "longtext"),
        C("Earliest policy expiry", 12, _earliest_expiry, "date"),
        C("Insurance expiries", 30, _messages(_EXPIRY_RULES), "longtext"),
    ]
    checks: dict[str, str] = {}
    for r in reports:
        for c in r.capacity:
            checks.setdefault(c.key, c.label)
    for key, label in checks.items():
        cols.append(C(f"{label} (x)", 14, _check_ratio(key), "ratio"))
    cols += tradetapp_columns(reports)  # issue 17
    cols.append(C(ID_HEADER, 26, lambda r: r.company_id, "code"))  # last: for lookups, not printed
    return _one_currency_per_column(cols, reports)


def _one_currency_per_column(cols: list[SheetColumn], reports: Sequence[Report]) -> list[SheetColumn]:
    currencies = sorted({r.currency for r in reports})
    if len(currencies) < 2:
        return cols
    out: list[SheetColumn] = []
    for c in cols:
        if c.kind != "money":
            out.append(c)
            continue
        # a currency none of whose companies has this amount gets no column; an amount no company
        # has (the award without --project-value) keeps its one empty column
        held = [ccy for ccy in currencies if any(c.get(r) is not None for r in reports if r.currency == ccy)]
        if not held:
            out.append(c)
        for ccy in held:
            out.append(SheetColumn(f"{c.header} ({ccy})", c.width, _only_in(c.get, ccy), c.kind))
    return out


def _only_in(get: Any, currency: str) -> Any:
    return lambda r: get(r) if r.currency == currency else None


def _check_ratio(key: str):
    def get(r: Report) -> Any:
        c = next((c for c in r.capacity if c.key == key), None)
        return c.ratio if c else None

    return get


def render_leveling(reports: Sequence[Report]) -> bytes:
    ordered = sorted(reports, key=sort_key)
    cols = leveling_columns(ordered)
    wb = Workbook()
    p = wb.properties
    p.title = f"Bid leveling: {len(ordered)} subcontractors"
    p.subject = "TradeTapp prequalification comparison"
    p.creator = p.lastModifiedBy = f"reporter {__version__}"
    p.keywords = clean_text("bid leveling, prequalification, " + ", ".join(r.company_id for r in ordered))
    ws = wb.active
    ws.title = safe_sheet_name("Leveling", set())
    write_header(ws, [c.header for c in cols], [c.width for c in cols])
    zone = get_zone(ordered[0].timezone) if ordered else get_zone("UTC")
    for row, report in enumerate(ordered, start=2):
        for i, col in enumerate(cols, start=1):
            value = col.get(report)
            cell = ws.cell(row=row, column=i)
            write_typed(cell, value, col.kind, zone)
            if isinstance(value, Money) and isinstance(cell.value, (int, Decimal)):
                cell.number_format = money_format(value.display[1], whole=True)
    add_table(ws, "leveling", len(cols), len(ordered), set())
    _conditional_formats(ws, cols, len(ordered), ratio_thresholds(ordered))
    finish_sheet(ws, printed_cols=len(cols) - 1, grow_wrapped=False,
                 locale=ordered[0].locale if ordered else None)
    ws.freeze_panes = "B2"
    return workbook_bytes(wb)


def ratio_thresholds(reports: Sequence[Report]) -> dict[str, Decimal]:
    """Each ratio column's red threshold: the rule's own (``CapacityCheck.threshold``, set from
    ``reporter.transform.rules``: 2x for the largest completed project, 1x for a limit)."""
    out: dict[str, Decimal] = {}
    for r in reports:
        for c in r.capacity:
            out.setdefault(f"{c.label} (x)", c.threshold)
    return out


def _conditional_formats(ws, cols: list[SheetColumn], n: int, thresholds: dict[str, Decimal]) -> None:
    last = max(n, 1) + 1

    def rng(header: str) -> str:
        i = next(i for i, c in enumerate(cols, start=1) if c.header == header)
        letter = get_column_letter(i)
        return f"{letter}2:{letter}{last}"

    def fill(colour: str) -> PatternFill:
        return PatternFill(start_color=colour, end_color=colour, fill_type="solid")

    for word, colour in FILL_COLOURS.items():
        ws.conditional_formatting.add(rng("Verdict"), CellIsRule(operator="equal", formula=[f'"{word}"'], fill=fill(colour)))
    ws.conditional_formatting.add(rng("High flags"), CellIsRule(operator="greaterThan", formula=["0"], fill=fill(FILL_COLOURS["RED"])))
    for c in cols:
        if c.kind == "ratio":
            limit = thresholds.get(c.header, Decimal(1))
            ws.conditional_formatting.add(rng(c.header), CellIsRule(operator="greaterThan", formula=[str(limit)], fill=fill(FILL_COLOURS["RED"])))

