"""Render stage: ``bid-leveling.xlsx`` -- price and prequalification of every invite on one sheet.

Input: the ``PackageView`` of each bid package (``reporter.render.bid_rows``) and the
``ReportContext`` (time zone). Output: XLSX bytes: one sheet per bid package, one row per invite
sorted by price (base total, leveled total, delta to the low bid in money and %, verdict, flag
counts, top reasons, every capacity ratio against that bidder's own price, qualification status and
expiry, EMR, TRIR and its trade's benchmark, insurance gaps, TradeTapp risk score, and the "apparent
low" / "lowest qualified" marks), then a "Line Items" sheet: bidders as columns, line items as rows
(matched by fingerprint), plugs shown as such. Every sheet prints landscape, fit to one page wide,
with its header row repeated and tall enough for its wrapped headers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reporter import __version__
from reporter.api.bc_models import LineItemFingerprint
from reporter.dates import get_zone
from reporter.render.bid_rows import BidderRow, PackageView
from reporter.render.labels import in_words
from reporter.render.labels import label as code_label
from reporter.render.xlsx_cells import money_format, set_text, write_number, write_typed
from reporter.render.xlsx_print import finish_sheet
from reporter.render.xlsx_save import workbook_bytes
from reporter.render.xlsx_sheets import SheetColumn, add_table, safe_sheet_name, write_header

FILLS = {"RED": "F4C7C3", "AMBER": "FCE8B2", "GREEN": "B7E1CD"}
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
PLUG_FONT = Font(italic=True, color="7F3F00")
UNPRINTED = 3  # the last columns (ids, packet file) stay off the printout


def _cap(i: int):
    return lambda r: r.facts.capacity[i][1] if i < len(r.facts.capacity) else None


def bid_columns(view: PackageView) -> list[SheetColumn]:
    C = SheetColumn
    cols = [
        C("Rank", 5, lambda r: r.rank, "int"),
        C("Bidder", 22, lambda r: r.company_name, "longtext"),
        C("Mark", 12, lambda r: r.mark or None, "longtext"),
        C("Invite state", 15, lambda r: r.invite_state, "status"),
        C("Status", 17, lambda r: r.status or None, "longtext"),
        C("Base total", 17, lambda r: r.total, "money"),
        C("Leveled total", 17, lambda r: r.leveled_total, "money"),
        C("Delta to low", 16, lambda r: r.delta, "money"),
        C("Delta %", 7, lambda r: None if r.delta_pct is None else r.delta_pct / 100, "pct"),
        C("Verdict", 8, lambda r: (r.facts.verdict or "").upper() or None, "status"),
        C("High", 5, lambda r: r.facts.flag_counts.get("high"), "int"),
        C("Medium", 8, lambda r: r.facts.flag_counts.get("medium"), "int"),
        C("Low", 5, lambda r: r.facts.flag_counts.get("low"), "int"),
        C("Top reasons", 36, lambda r: "; ".join(map(in_words, r.facts.top_reasons)) or None, "longtext"),
    ]
    labels: list[str] = []
    for r in view.rows:
        for label, _ in r.facts.capacity:
            if label not in labels:
                labels.append(label)
    for label in labels:
        cols.append(C(f"{_short(label)} (x)", 12, _cap_by(label), "ratio"))
    cols += [
        C("Qualification", 12, lambda r: r.facts.qualification_status, "status"),
        C("Qualification expires", 13, lambda r: r.facts.qualification_expires, "date"),
        C("EMR", 5, lambda r: r.facts.emr, "emr"),
        C("TRIR 3-year", 6, lambda r: r.facts.trir, "rate"),
        C("Trade TRIR", 6, lambda r: r.facts.trir_trade, "rate"),
        C("Insurance gaps", 22, lambda r: "; ".join(map(in_words, r.facts.insurance_gaps)) or None, "longtext"),
        C("Risk score (TradeTapp)", 11, lambda r: r.facts.risk_score, "int"),
    ]
    # not printed (outside the print area): ids and the packet's file, for lookups and links
    cols += [
        C("Company id", 26, lambda r: r.company_id, "code"),
        C("Invite id", 26, lambda r: r.invite_id, "code"),
        C("Packet", 40, lambda r: r.packet, "text"),
    ]
    return cols


def _short(label: str) -> str:
    """A capacity check's label with "this bid" for the award (each bidder's award is its own price)."""
    return label.replace("Award vs ", "This bid / ").replace(" + award vs ", " + this bid / ")


def _cap_by(label: str):
    return lambda r: next((ratio for lab, ratio in r.facts.capacity if lab == label), None)


def _write_package(ws, view: PackageView, zone, used_tables: set[str], locale: str | None) -> None:
    cols = bid_columns(view)
    write_header(ws, [c.header for c in cols], [c.width for c in cols])
    fmt = money_format(view.currency)
    for n, r in enumerate(view.rows, start=1):
        values = [col.get(r) for col in cols]
        for i, (col, value) in enumerate(zip(cols, values, strict=True), start=1):
            cell = ws.cell(row=n + 1, column=i)
            if col.kind == "money" and value is not None:
                write_number(cell, value, fmt)
            elif col.kind == "pct" and value is not None:
                write_number(cell, value, "0.0%", exact=False)
            else:
                write_typed(cell, value, "longtext" if col.kind == "longtext" else col.kind, zone)
            cell.alignment = Alignment(wrap_text=col.kind == "longtext", vertical="top",
                                       horizontal=cell.alignment.horizontal)
    add_table(ws, f"bids_{view.package.id or 'package'}", len(cols), len(view.rows), used_tables)
    last = max(len(view.rows), 1) + 1
    vcol = get_column_letter(next(i for i, c in enumerate(cols, start=1) if c.header == "Verdict"))
    for word, colour in FILLS.items():
        ws.conditional_formatting.add(f"{vcol}2:{vcol}{last}", FormulaRule(
            formula=[f'{vcol}2="{word}"'], fill=PatternFill("solid", start_color=colour, end_color=colour)))
    finish_sheet(ws, printed_cols=len(cols) - UNPRINTED, grow_wrapped=False, locale=locale)
    ws.freeze_panes = "C2"


def _line_key(item: Any) -> tuple[str, ...]:
    return item.fingerprint


def _write_line_items(ws, views: list[PackageView], zone, locale: str | None) -> None:
    """Rows: (package, line item); columns: each priced bidder of any package."""
    bidders: list[tuple[PackageView, BidderRow]] = [(v, r) for v in views for r in v.rows if r.bid is not None]
    headers = ["Package", "Section", "Line item", "Type", "Code", "Unit"] + [r.company_name for _, r in bidders]
    write_header(ws, headers, [16, 16, 26, 18, 7, 5] + [21] * len(bidders))
    rows: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for view, r in bidders:
        for li in r.bid.lineItems.results:  # type: ignore[union-attr]
            key = (view.package.id or "", _line_key(li))
            row = rows.setdefault(key, {"view": view, "item": li, "values": {}})
            row["values"][r.invite_id] = ("value", li.value)
        for plug in r.bid.plugs.results:  # type: ignore[union-attr]
            fp = plug.lineItemFingerprint or LineItemFingerprint()
            key = (view.package.id or "", fp.key)
            row = rows.setdefault(key, {"view": view, "item": fp, "values": {}})
            row["values"][r.invite_id] = ("plug", plug.value)
    n = 1
    for _, row in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1][2], kv[0][1][4], kv[0][1][1])):
        n += 1
        item, view = row["item"], row["view"]
        kind = code_label(item.type) if item.type else None  # "Cost breakdown", not COST_BREAKDOWN
        for i, text in enumerate((view.title, item.section, item.description, kind, item.code, item.unit), 1):
            if text:
                set_text(ws.cell(row=n, column=i), str(text))
                ws.cell(row=n, column=i).alignment = WRAP_TOP
        for j, (v, r) in enumerate(bidders, start=7):
            if v is not view:
                continue
            how, value = row["values"].get(r.invite_id, (None, None))
            cell = ws.cell(row=n, column=j)
            if how is None:
                set_text(cell, "not included")
            elif isinstance(value, Decimal):
                fmt = money_format(v.currency)
                if how == "plug":  # "1,234 USD plug": the figure is the GC's leveling plug, not the bid
                    fmt = ";".join(part + ' "(plug)"' for part in fmt.split(";"))
                write_number(cell, value, fmt)
                if how == "plug":
                    cell.font = PLUG_FONT
            elif value is not None:
                set_text(cell, f"{value} (plug)" if how == "plug" else str(value))
    finish_sheet(ws, locale=locale)
    ws.freeze_panes = "D2"


def render_bid_leveling(views: list[PackageView], ctx: Any) -> bytes:
    zone = get_zone(getattr(ctx, "timezone", "UTC"))
    locale = getattr(ctx, "locale", None)  # the paper, as the PDF's (Letter for US and Canada)
    wb = Workbook()
    wb.properties.title = "Bid leveling: " + ", ".join(v.title for v in views)
    wb.properties.subject = "BuildingConnected bids with TradeTapp prequalification"
    wb.properties.creator = wb.properties.lastModifiedBy = f"reporter {__version__}"
    used_sheets: set[str] = set()
    used_tables: set[str] = set()
    first = True
    for view in views:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = safe_sheet_name(view.title or "Package", used_sheets)
        _write_package(ws, view, zone, used_tables, locale)
    ws = wb.create_sheet()
    ws.title = safe_sheet_name("Line Items", used_sheets)
    _write_line_items(ws, views, zone, locale)
    return workbook_bytes(wb)
