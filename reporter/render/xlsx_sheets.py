"""Render stage (Excel): sheet names, table names, header rows and tables that open cleanly.

Input: an openpyxl worksheet, wanted names and the header/row counts. Output: the sheet with a
styled, frozen header row, column widths and one Excel table whose range is exactly the header
plus the data rows.

Excel's rules kept here:
- sheet names: 1-31 characters, none of ``[]:*?/\\``, no leading or trailing apostrophe, unique
  ignoring case, not the reserved "History" (``safe_sheet_name``);
- table names: letters, digits, ``_`` and ``.``, starting with a letter or ``_``, not a cell
  reference (``A1``, ``R1C1``), unique in the workbook ignoring case (``safe_table_name``);
- table column names (the header cells) unique within the table, never empty;
- a table has at least one data row: a section with no items gets one empty row (the state Excel
  itself leaves a new table in), so the table still opens without a repair prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from reporter.render.xlsx_cells import clean_text, set_text

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="14365D")
HEADER_ALIGN = Alignment(vertical="top", wrap_text=True)
MAX_SHEET_NAME = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_CELL_REF = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


@dataclass(frozen=True)
class SheetColumn:
    """One column of a table sheet: header, width, how to get its value from a row, cell kind."""

    header: str
    width: float
    get: Callable[[Any], Any]
    kind: str = "text"


def safe_sheet_name(name: str, used: set[str]) -> str:
    """A valid sheet name close to ``name``, unique against ``used`` (case-folded names; the
    result is added to it)."""
    base = _SHEET_FORBIDDEN.sub("_", clean_text(name).replace("\n", " ").replace("\r", " ").replace("\t", " "))
    base = base.strip().strip("'").strip() or "Sheet"
    if base.casefold() == "history":
        base = "History_"
    base = base[:MAX_SHEET_NAME].rstrip("'") or "Sheet"
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
        n += 1
    used.add(candidate.casefold())
    return candidate


def safe_table_name(name: str, used: set[str]) -> str:
    """A valid, workbook-unique table name built from ``name`` (result added to ``used``)."""
    base = re.sub(r"[^A-Za-z0-9_.]", "_", name)[:200]
    if not base or not (base[0].isalpha() or base[0] == "_") or _CELL_REF.match(base):
        base = "t_" + base
    candidate, n = base, 2
    while candidate.casefold() in used:
        candidate = f"{base}_{n}"
        n += 1
    used.add(candidate.casefold())
    return candidate


def unique_headers(headers: list[str]) -> list[str]:
    """Table column names must be unique (ignoring case) and non-empty."""
    out: list[str] = []
    seen: set[str] = set()
    for h in headers:
        h = clean_text(h).strip() or "Column"
        candidate, n = h, 2
        while candidate.casefold() in seen:
            candidate = f"{h} {n}"
            n += 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def write_header(ws, headers: list[str], widths: Sequence[float]) -> list[str]:
    """Styled header row, column widths, frozen below the header; returns the headers written."""
    headers = unique_headers(headers)
    for i, (h, w) in enumerate(zip(headers, widths, strict=False), start=1):
        c = ws.cell(row=1, column=i)
        set_text(c, h)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = HEADER_ALIGN
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    return headers


def add_table(ws, name: str, n_cols: int, n_rows: int, used: set[str]) -> Table:
    """An Excel table over the header and ``n_rows`` data rows (one empty row when there are none)."""
    ref = f"A1:{get_column_letter(n_cols)}{max(n_rows, 1) + 1}"
    table = Table(displayName=safe_table_name(name, used), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    return table


def fit_width(header: str, values: list[str], lo: float = 8, hi: float = 60) -> float:
    """A column width (characters) that fits the header and most values, within ``lo..hi``."""
    longest = max([len(header)] + [len(v) for v in values[:500]])
    return float(min(hi, max(lo, longest + 2)))
