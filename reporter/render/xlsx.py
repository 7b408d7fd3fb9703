"""Render stage: a ``Report`` to an Excel workbook with openpyxl.

Input: a ``Report``. Output: XLSX bytes: a Summary sheet (label/value rows, typed), a Flags sheet,
and one sheet per ``reporter.sections.SECTIONS`` spec with one row per item, each an Excel table
with a frozen header row. Cells are typed: numbers, real dates, booleans; money with a number
format that names the currency and has its ISO 4217 minor units.

Safety: text from the record is never stored as a formula (a value starting with ``=`` stays a
string cell).
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from reporter import __version__
from reporter.sections import KINDS, SECTIONS, Column
from reporter.transform.dates import get_zone
from reporter.transform.money import Money, minor_units

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="14365D")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def money_format(currency: str) -> str:
    digits = minor_units(currency)
    frac = "." + "0" * digits if digits else ""
    return f'#,##0{frac} "{currency}";-#,##0{frac} "{currency}"'


def set_text(cell, value: str) -> None:
    """Store ``value`` as a plain string cell, never a formula."""
    cell.value = _ILLEGAL.sub("", value)
    cell.data_type = "s"


def write_value(cell, value: Any, kind: str, zone) -> None:
    """Type a cell by the registry's column kind."""
    if value is None or value == "":
        cell.value = None
        return
    if isinstance(value, Money):
        amount, ccy = value.display
        cell.value = amount
        cell.number_format = money_format(ccy)
        return
    if isinstance(value, bool):
        cell.value = value
        return
    if isinstance(value, datetime):
        cell.value = value.astimezone(zone).replace(tzinfo=None)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return
    if isinstance(value, (int, Decimal, float)):
        cell.value = value
        fmt = KINDS[kind].excel_format
        if fmt and fmt != "@":
            cell.number_format = fmt
        return
    set_text(cell, str(value) if not isinstance(value, (dict, list)) else repr(value))


def _table_name(key: str) -> str:
    return "t_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


def _add_table(ws, key: str, n_cols: int, n_rows: int) -> None:
    ref = f"A1:{get_column_letter(n_cols)}{max(n_rows, 1) + 1}"
    table = Table(displayName=_table_name(key), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def _header(ws, headers: list[str], widths: list[float]) -> None:
    for i, (h, w) in enumerate(zip(headers, widths), start=1):
        c = ws.cell(row=1, column=i)
        set_text(c, h)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = Alignment(vertical="top", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def summary_rows(report) -> list[tuple[str, Any, str]]:
    """Label/value rows of the Summary sheet (the same facts as page one of the PDF)."""
    q = report.qualification
    a = report.amounts
    s = report.safety
    f = report.financial
    rows: list[tuple[str, Any, str]] = [
        ("Company", report.company_name, "text"),
        ("BuildingConnected id", report.company_id, "text"),
        ("GC unique id", report.company.get("uniqueId"), "text"),
        ("As of", report.as_of, "date"),
        ("Verdict", report.verdict.upper(), "text"),
        ("Verdict reasons", "; ".join(report.verdict_reasons), "text"),
        ("Qualification status", q["status"], "text"),
        ("Qualification expires", q["dateExpiresLocal"], "date"),
        ("Days to expiry", q["daysToExpiry"], "int"),
        ("Denial reason", q["denialReason"], "text"),
        ("Report currency", report.currency, "text"),
        ("Internal single limit", a["internalSingleLimit"], "money"),
        ("Internal total limit", a["internalTotalLimit"], "money"),
        ("Current estimated backlog", a["currentEstimatedBacklog"], "money"),
        ("Single-project bonding capacity", a["suretySingleProjectBondingCapacity"], "money"),
        ("Aggregate bonding capacity", a["suretyAggregateBondingCapacity"], "money"),
        ("Line of credit total", a["bankLineOfCreditTotal"], "money"),
        ("Line of credit outstanding", a["bankLineOfCreditOutstanding"], "money"),
        ("Line of credit utilisation", f["lineOfCreditUtilisation"], "percent"),
        ("EMR latest", s["emrLatest"]["value"] if s["emrLatest"] else None, "emr"),
        ("EMR latest year", s["emrLatest"]["year"] if s["emrLatest"] else None, "year"),
        ("EMR 3-year average", s["emrAverage3"], "emr"),
        ("TRIR (pooled, latest 3 years)", s["threeYear"]["trir"], "rate"),
        ("DART (pooled, latest 3 years)", s["threeYear"]["dart"], "rate"),
        ("LTIR (pooled, latest 3 years)", s["threeYear"]["ltir"], "rate"),
        ("Latest revenue", f["revenueLatest"]["revenue"] if f["revenueLatest"] else None, "money"),
        ("Latest revenue year", f["revenueLatest"]["year"] if f["revenueLatest"] else None, "year"),
    ]
    if report.project.value is not None:
        rows.append(("Award (project value)", report.project.value, "money"))
        for c in report.capacity:
            rows.append((c.label + " (ratio)", c.ratio, "rate"))
    rows.append(("Flags (high / medium / low)", " / ".join(
        str(sum(1 for fl in report.flags if fl.severity == sev)) for sev in ("high", "medium", "low")), "text"))
    if report.fx_note:
        rows.append(("Currency note", report.fx_note, "text"))
    return rows


def render_xlsx(report) -> bytes:
    zone = get_zone(report.timezone)
    wb = Workbook()
    wb.properties.title = f"Prequalification: {report.company_name}"
    wb.properties.subject = f"TradeTapp qualification of {report.company_name} as of {report.as_of.isoformat()}"
    wb.properties.creator = f"reporter {__version__}"
    wb.properties.keywords = f"prequalification, TradeTapp, {report.company_id}"

    ws = wb.active
    ws.title = "Summary"
    _header(ws, ["Item", "Value"], [36, 60])
    for r, (label, value, kind) in enumerate(summary_rows(report), start=2):
        set_text(ws.cell(row=r, column=1), label)
        cell = ws.cell(row=r, column=2)
        if kind == "money" and isinstance(value, Decimal):
            cell.value = value
            cell.number_format = money_format(report.currency)
        else:
            write_value(cell, value, kind, zone)
        cell.alignment = Alignment(horizontal="left", wrap_text=kind == "text")
    _add_table(ws, "summary", 2, ws.max_row - 1)

    fs = wb.create_sheet("Flags")
    _header(fs, ["Severity", "Rule", "Message", "Evidence"], [10, 28, 70, 60])
    for r, flag in enumerate(report.flags, start=2):
        set_text(fs.cell(row=r, column=1), flag.severity)
        set_text(fs.cell(row=r, column=2), flag.rule)
        set_text(fs.cell(row=r, column=3), flag.message)
        set_text(fs.cell(row=r, column=4), "; ".join(f"{k}={_plain(v)}" for k, v in flag.evidence.items()))
    _add_table(fs, "flags", 4, len(report.flags))

    for spec in SECTIONS:
        sheet = wb.create_sheet(spec.sheet_name)
        cols: list[Column] = list(spec.columns)
        _header(sheet, [c.header for c in cols], [c.width for c in cols])
        rows = report.sections[spec.key]
        for r, row in enumerate(rows, start=2):
            for i, col in enumerate(cols, start=1):
                cell = sheet.cell(row=r, column=i)
                write_value(cell, row.get(col.field), col.kind, zone)
                if col.kind == "longtext":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        _add_table(sheet, spec.key, len(cols), len(rows))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plain(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize() if v == v.to_integral_value() else v, "f")
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return str(v)
