"""Render stage (Excel): how a table sheet prints and reads at default zoom.

Input: an openpyxl worksheet whose first ``header_rows`` rows are the header and whose cells are
already written (values and number formats). Output: the same sheet with
- print setup: landscape, fit to one page wide (as many pages tall as it needs), narrow margins,
  the header rows repeated on every printed page (print titles), a footer with page X of Y;
- header rows tall enough to read every header whole (wrapped, height from the longest header
  for its column's width), and rows of wrapped text tall enough to read it;
- columns wide enough for their values: each width from the formatted value's length (as Excel
  shows it with the cell's number format), so no "###" at default zoom.

Used by every workbook (the per-company workbook, leveling.xlsx, and the bid-leveling workbook):
call ``finish_sheet(ws)`` after the cells are written.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from reporter.render.options import default_page_size

LINE_HEIGHT = 15.0  # points per wrapped header line (Calibri 11)
MAX_WIDTH = 60.0
MIN_WIDTH = 6.0
WRAP_WIDTH = 40  # wrapped text widens its column to at most this (a wider column stays as set)
HEADER_WRAP = Alignment(vertical="top", wrap_text=True)
_QUOTED = re.compile(r'"([^"]*)"')


# Excel's paper codes, and the printable width (inches, landscape, 0.4" margins) of each.
PAPER_CODES = {"letter": "1", "a4": "9", "tabloid": "3", "a3": "8"}
PRINTABLE_WIDTH = {"letter": 10.2, "a4": 10.89, "tabloid": 16.2, "a3": 15.74}
LARGER_PAPER = {"letter": "tabloid", "a4": "a3"}
POINTS_PER_WIDTH = 5.6  # one column-width unit (a Calibri 11 digit plus padding) in points
LEGIBLE_SCALE = 0.5  # below this on the locale's paper, the sheet asks for the next size up


def print_scale(ws, paper: str, printed_cols: int | None = None) -> float:
    """About the scale a one-page-wide printout of the sheet's columns has on ``paper``."""
    last = printed_cols or ws.max_column
    width = sum(ws.column_dimensions[get_column_letter(i)].width or 8.43 for i in range(1, last + 1))
    return min(1.0, PRINTABLE_WIDTH[paper] * 72 / max(width * POINTS_PER_WIDTH, 1))


def choose_paper(ws, locale: str | None, printed_cols: int | None = None) -> str:
    """The locale's paper (Letter for US and Canadian locales, A4 elsewhere, as the PDF), or the
    next size up (Tabloid / A3, the paper a GC's office prints leveling sheets on) when the
    sheet would print below half size on it."""
    paper = default_page_size(locale)
    if print_scale(ws, paper, printed_cols) < LEGIBLE_SCALE:
        paper = LARGER_PAPER[paper]
    return paper


def print_setup(ws, header_rows: int = 1, paper: str | None = None) -> None:
    """Landscape, one page wide, header rows as print titles, page numbers in the footer; the
    ``paper`` size when given (``PAPER_CODES``)."""
    if paper:
        ws.page_setup.paperSize = PAPER_CODES[paper]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_rows}"
    ws.print_options.gridLines = False
    m = ws.page_margins
    m.left = m.right = 0.4
    m.top = m.bottom = 0.6
    m.header = m.footer = 0.3
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def shown_text(value, number_format: str | None) -> str:
    """About what Excel shows for ``value`` in ``number_format`` (for widths only)."""
    if value is None:
        return ""
    fmt = number_format or "General"
    if isinstance(value, datetime):
        return "0000-00-00 00:00:00" if "h" in fmt else "0000-00-00"
    if isinstance(value, date):
        return "0000-00-00"
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, (int, float, Decimal)):
        quoted = " ".join(_QUOTED.findall(fmt.split(";")[0]))
        digits = 0
        body = fmt.split(";")[0]
        if "." in body:
            digits = len(re.findall(r"[0#]", body.split(".", 1)[1].split('"')[0]))
        if "%" in body:
            value = Decimal(str(value)) * 100
        text = f"{Decimal(str(value)):,.{digits}f}" if "," in body else f"{Decimal(str(value)):.{digits}f}"
        if fmt == "General":
            text = str(value)
        return text + (" " + quoted if quoted else "") + ("%" if "%" in body else "")
    return str(value)


HEADER_WORD_MAX = 24  # a header word up to this long is never split across lines


def wrap_cell(cell) -> None:
    """Turn wrapping on, keeping the cell's other alignment (top, so a tall row reads down)."""
    a = cell.alignment
    cell.alignment = Alignment(horizontal=a.horizontal, vertical="top", wrap_text=True, indent=a.indent)


def fit_columns(ws, header_rows: int = 1, hi: float = MAX_WIDTH, grow_wrapped: bool = True) -> None:
    """Widen every column to its widest shown value and to its header's longest word (up to
    ``HEADER_WORD_MAX``: "TradeTapp" never reads "TradeTap / p"); never narrower than it is.
    ``grow_wrapped=False``: wrapped text keeps its column's width (its row grows instead), for the
    wide comparison sheets that must stay legible printed one page wide."""
    widest: dict[int, int] = {}
    for row in ws.iter_rows(max_row=header_rows):
        for cell in row:
            if isinstance(cell.value, str):
                word = max((len(w) for w in cell.value.split()), default=0)
                widest[cell.column] = max(widest.get(cell.column, 0), min(word, HEADER_WORD_MAX))
    for row in ws.iter_rows(min_row=header_rows + 1):
        for cell in row:
            if cell.value is None:
                continue
            text = shown_text(cell.value, cell.number_format)
            longest = max((len(line) for line in text.split("\n")), default=0)
            if isinstance(cell.value, str) and longest > hi and not cell.alignment.wrap_text:
                wrap_cell(cell)  # wider than any column may be: wrapped, its row grows (fit_rows)
            if cell.alignment is not None and cell.alignment.wrap_text and not isinstance(cell.value, (int, float, Decimal)):
                if not grow_wrapped:
                    continue
                longest = min(longest, WRAP_WIDTH)  # wrapped text: 40 characters a line, the row grows
            widest[cell.column] = max(widest.get(cell.column, 0), longest)
    for col, n in widest.items():
        dim = ws.column_dimensions[get_column_letter(col)]
        want = min(hi, max(MIN_WIDTH, n * 1.1 + 2))
        if dim.width is None or dim.width < want:
            dim.width = want


def header_lines(text: str, width: float) -> int:
    """Lines a wrapped header needs in a column ``width`` characters wide (wraps at spaces; a
    word longer than the column takes as many lines as it needs)."""
    per_line = max(1, int(width) - 1)
    lines, used = 0, per_line  # "used" starts full so the first word opens line one
    for word in str(text or "").split():
        n = len(word)
        if used + 1 + n <= per_line:
            used += 1 + n
            continue
        extra = math.ceil(n / per_line)
        lines += extra
        used = n - (extra - 1) * per_line
    return max(lines, 1)


def fit_header(ws, header_rows: int = 1) -> None:
    """Wrap the header cells and make each header row tall enough for its longest header."""
    for r in range(1, header_rows + 1):
        lines = 1
        for cell in ws[r]:
            if cell.value is None:
                continue
            width = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43
            cell.alignment = HEADER_WRAP
            lines = max(lines, header_lines(str(cell.value), width))
        ws.row_dimensions[r].height = math.ceil(lines * LINE_HEIGHT)


MAX_ROW_LINES = 12  # a very long text: its row shows this many lines (the cell holds it all)


def fit_rows(ws, header_rows: int = 1) -> None:
    """Rows holding wrapped text tall enough to show it (spreadsheet programs do not grow a row
    an openpyxl file left at the default height), and every value at the top of its row."""
    for row in ws.iter_rows(min_row=header_rows + 1):
        lines = 1
        for cell in row:
            if cell.value is not None and cell.alignment.vertical is None:
                cell.alignment = _top(cell.alignment)  # a tall row reads across its first line
            if isinstance(cell.value, str) and cell.alignment is not None and cell.alignment.wrap_text:
                width = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43
                n = sum(header_lines(part, width * 1.1) for part in cell.value.split("\n"))
                lines = max(lines, min(n, MAX_ROW_LINES))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = math.ceil(lines * LINE_HEIGHT)


def _top(a: Alignment) -> Alignment:
    return Alignment(horizontal=a.horizontal, vertical="top", wrap_text=a.wrap_text, indent=a.indent)


def finish_sheet(ws, header_rows: int = 1, printed_cols: int | None = None, grow_wrapped: bool = True,
                 locale: str | None = None) -> None:
    """Widths from the values, rows and header rows tall enough, and the print setup;
    ``printed_cols`` limits the print area to the first columns (ids and file names after them);
    ``grow_wrapped``: see ``fit_columns``; ``locale``: the paper (``choose_paper``)."""
    fit_columns(ws, header_rows, grow_wrapped=grow_wrapped)
    fit_header(ws, header_rows)
    fit_rows(ws, header_rows)
    print_setup(ws, header_rows, choose_paper(ws, locale, printed_cols))
    if printed_cols:
        ws.print_area = f"A1:{get_column_letter(printed_cols)}{max(ws.max_row, header_rows + 1)}"
