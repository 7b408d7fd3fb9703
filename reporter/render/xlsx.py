"""Render stage: a ``Report`` to an Excel workbook with openpyxl.

Input: a ``Report``. Output: XLSX bytes with, in order:
- Summary: label/value rows, typed, with the same facts as page one of the PDF;
- Company: every top-level record field that is not a nested section (label, value, API field);
- Flags: severity, rule, message and evidence;
- one sheet per ``reporter.sections.SECTIONS`` spec, one row per item, with the registry's columns
  (``sheet_columns``: the PDF's, then the workbook-only ones), and where needed: the original
  amount, rate and rate date beside every converted money column, any item field the registry does
  not name yet, and a trailing "Other fields" column (JSON) when any item carries unknown fields.

Every sheet is one Excel table (unique name, exact range) with a frozen header row and column widths.
Cell typing and text safety live in ``xlsx_cells``; sheet/table rules in ``xlsx_sheets``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from reporter import __version__
from reporter.dates import get_zone
from reporter.render import labels
from reporter.render.options import RenderOptions
from reporter.render.xlsx_cells import (
    DATE_FORMAT,
    RATE_FORMAT,
    clean_text,
    money_format,
    plain_text,
    set_text,
    write_number,
    write_typed,
    write_value,
)
from reporter.render.xlsx_facts import Fact, company_facts, summary_facts
from reporter.render.xlsx_print import finish_sheet
from reporter.render.xlsx_save import workbook_bytes
from reporter.render.xlsx_sheets import SheetColumn, add_table, fit_width, safe_sheet_name, write_header
from reporter.render.xlsx_tradetapp import add_tradetapp_sheets
from reporter.sections import SECTIONS, SectionSpec, sheet_columns
from reporter.transform.model import Report, SectionRow
from reporter.transform.money import Money

WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
VALUE_ALIGN = Alignment(horizontal="left", vertical="top", wrap_text=True)
MISSING_FONT = Font(italic=True, color="808080")
FILLS = {
    "red": PatternFill("solid", fgColor="F4C7C3"),
    "amber": PatternFill("solid", fgColor="FCE8B2"),
    "green": PatternFill("solid", fgColor="B7E1CD"),
}
SEVERITY_FILL = {"high": FILLS["red"], "medium": FILLS["amber"], "low": PatternFill("solid", fgColor="E8E8E8")}
NOT_PROVIDED = "not provided"
# Row keys that are derived views of a column already shown (not item fields).
_DERIVED = {"otherFields", "typeKnown"}


class _Book:
    """Names already taken in one workbook."""

    def __init__(self, report: Report) -> None:
        self.zone = get_zone(report.timezone)
        self.locale = report.locale  # the paper the sheets print on, as the PDF's
        self.sheets: set[str] = set()
        self.tables: set[str] = set()


def render_xlsx(report: Report, options: RenderOptions | None = None) -> bytes:
    """The workbook (``options`` are not used: a workbook has no page size, logo or style)."""
    book = _Book(report)
    wb = Workbook()
    _properties(wb, report)
    ws = wb.active
    ws.title = safe_sheet_name("Summary", book.sheets)
    _facts_sheet(ws, book, "Summary", summary_facts(report), report.currency, with_field=False)
    verdict_cell = next(r for r in ws.iter_rows(min_row=2, max_col=2) if r[0].value == "Verdict")[1]
    verdict_cell.fill = FILLS.get(report.verdict, FILLS["amber"])
    verdict_cell.font = Font(bold=True)

    ws = wb.create_sheet(safe_sheet_name("Company", book.sheets))
    _facts_sheet(ws, book, "Company", company_facts(report), report.currency, with_field=True)
    _flags_sheet(wb.create_sheet(safe_sheet_name("Flags", book.sheets)), book, report.flags)
    for spec in SECTIONS:
        rows = report.sections.get(spec.key, [])
        ws = wb.create_sheet(safe_sheet_name(spec.sheet_name, book.sheets))
        _table_sheet(ws, book, spec.key, section_columns(spec, rows), rows)
    add_tradetapp_sheets(wb, book, report)

    return workbook_bytes(wb)


def _properties(wb: Workbook, report: Report) -> None:
    name = clean_text(report.company_name)
    p = wb.properties
    p.title = f"Prequalification: {name}"
    p.subject = f"TradeTapp qualification of {name} as of {report.as_of.isoformat()}"
    p.creator = f"reporter {__version__}"
    p.lastModifiedBy = p.creator
    p.keywords = clean_text(f"prequalification, TradeTapp, {report.company_id}")
    p.description = f"Verdict {report.verdict.upper()}; amounts in {report.currency}"
    p.category = "Subcontractor prequalification"
    stamp = report.generated_at.replace(tzinfo=None) if report.generated_at.tzinfo is None else \
        report.generated_at.astimezone(get_zone("UTC")).replace(tzinfo=None)
    p.created = p.modified = stamp


def section_columns(spec: SectionSpec, rows: list[SectionRow]) -> list[SheetColumn]:
    """The sheet columns of one section for these rows (see the module docstring)."""
    cols: list[SheetColumn] = []
    named = set()
    for c in sheet_columns(spec):
        named.add(c.field)
        cols.append(SheetColumn(c.header, c.width, _getter(c.field), c.kind))
        if c.kind == "money" and any(isinstance(r.get(c.field), Money) and r[c.field].converted for r in rows):
            cols += _original_columns(c.header, c.field)
    extra: dict[str, None] = {}
    for r in rows:
        extra.update((k, None) for k in r if k not in named and k not in _DERIVED)
    for key in extra:
        values = [r.get(key) for r in rows]
        cols.append(SheetColumn(key, fit_width(key, [plain_text(v) for v in values if v is not None]),
                                _getter(key), _infer_kind(values)))
    if any(r.get("otherFields") for r in rows):
        cols.append(SheetColumn("Other fields", 60, lambda r: r.get("otherFields") or None, "longtext"))
    return cols


def _getter(field: str) -> Callable[[dict], Any]:
    return lambda row: row.get(field)


def _original_columns(header: str, field: str) -> list[SheetColumn]:
    def original(row):
        m = row.get(field)
        return Money(m.amount, m.currency) if isinstance(m, Money) else None

    def conv(attr):
        return lambda row: getattr(row[field].converted, attr) if isinstance(row.get(field), Money) and row[field].converted else None

    return [
        SheetColumn(f"{header} (original)", 16, original, "money"),
        SheetColumn(f"{header} (rate)", 10, conv("rate"), "fxrate"),
        SheetColumn(f"{header} (rate date)", 11, conv("rate_date"), "date"),
    ]


def _infer_kind(values: list) -> str:
    for v in values:
        if isinstance(v, Money):
            return "money"
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, (datetime, date)):
            return "date"
        if isinstance(v, int):
            return "int"
        if isinstance(v, (Decimal, float)):
            return "number"
    return "text"


def _table_sheet(ws, book: _Book, key: str, cols: list[SheetColumn], rows: list[dict]) -> None:
    write_header(ws, [c.header for c in cols], [c.width for c in cols])
    zone = book.zone
    for r, row in enumerate(rows, start=2):
        for i, col in enumerate(cols, start=1):
            write_typed(ws.cell(row=r, column=i), col.get(row), col.kind, zone)
    add_table(ws, key, len(cols), len(rows), book.tables)
    finish_sheet(ws, locale=book.locale)


def _facts_sheet(ws, book: _Book, key: str, facts: list[Fact], currency: str, *, with_field: bool) -> None:
    converted = any(isinstance(f.value, Money) and f.value.converted for f in facts)
    headers = ["Item", "Value"] + (["Field"] if with_field else [])
    widths = [38, 44] + ([34] if with_field else [])
    if converted:
        headers += ["Original amount", "Rate", "Rate date"]
        widths += [20, 12, 11]
    write_header(ws, headers, widths)
    zone = book.zone
    for r, fact in enumerate(facts, start=2):
        set_text(ws.cell(row=r, column=1), fact.label)
        ws.cell(row=r, column=1).alignment = TOP  # beside a wrapped value, the label reads on its first line
        cell = ws.cell(row=r, column=2)
        value = fact.value
        if value is None or value == "" or value == [] or value == {}:
            set_text(cell, NOT_PROVIDED)
            cell.font = MISSING_FONT
        elif fact.kind == "money" and isinstance(value, Decimal):
            write_number(cell, value, money_format(currency))
        else:
            write_typed(cell, value, fact.kind, zone)
        cell.alignment = VALUE_ALIGN
        col = 3
        if with_field:
            if fact.field:
                set_text(ws.cell(row=r, column=3), fact.field)
                ws.cell(row=r, column=3).alignment = TOP
            col = 4
        if converted and isinstance(value, Money) and value.converted:
            c = value.converted
            write_value(ws.cell(row=r, column=col), Money(value.amount, value.currency), "money", zone)
            write_number(ws.cell(row=r, column=col + 1), c.rate, RATE_FORMAT, exact=False)
            rd = ws.cell(row=r, column=col + 2)
            rd.value, rd.number_format = c.rate_date, DATE_FORMAT
    add_table(ws, key, len(headers), len(facts), book.tables)
    finish_sheet(ws, locale=book.locale)


def _flags_sheet(ws, book: _Book, flags) -> None:
    write_header(ws, ["Severity", "Rule", "Message", "Evidence"], [10, 28, 70, 60])
    for r, flag in enumerate(flags, start=2):
        sev = ws.cell(row=r, column=1)
        set_text(sev, flag.severity)
        if flag.severity in SEVERITY_FILL:
            sev.fill = SEVERITY_FILL[flag.severity]
        set_text(ws.cell(row=r, column=2), flag.rule)
        msg = ws.cell(row=r, column=3)
        set_text(msg, labels.in_words(flag.message))
        msg.alignment = WRAP
        ev = ws.cell(row=r, column=4)
        set_text(ev, "; ".join(f"{k}={_evidence(v)}" for k, v in flag.evidence.items()))
        ev.alignment = WRAP
    add_table(ws, "flags", 4, len(flags), book.tables)
    finish_sheet(ws, locale=book.locale)


def _evidence(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize() if v == v.to_integral_value() else v, "f")
    if isinstance(v, list):
        return ", ".join(_evidence(x) for x in v)
    return "" if v is None else plain_text(v)
