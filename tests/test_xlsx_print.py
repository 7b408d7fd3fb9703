"""Print setup of every workbook sheet (reporter.render.xlsx_print): landscape, one page wide,
the header row as print titles, header rows tall enough for every header, columns wide enough
for every formatted value (no "###" at default zoom)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from conftest import sample_paths

from reporter.api.saved import load_file
from reporter.render.leveling import render_leveling
from reporter.render.xlsx import render_xlsx
from reporter.render.xlsx_print import header_lines, shown_text
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report

CTX = ReportContext(as_of=date(2026, 11, 28), project=Project(value=Decimal("450000")))


@pytest.fixture(scope="module")
def reports():
    return [build_report(r.model, CTX) for p in sample_paths() for r in load_file(p)]


def _books(reports):
    yield "leveling", openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))
    for rep in reports:
        yield rep.company_id, openpyxl.load_workbook(io.BytesIO(render_xlsx(rep)))


def test_every_sheet_prints_landscape_one_page_wide_with_print_titles(reports):
    for name, wb in _books(reports):
        for ws in wb.worksheets:
            where = f"{name}/{ws.title}"
            assert ws.page_setup.orientation == "landscape", where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, where
            assert ws.print_title_rows in ("1:1", "$1:$1"), where


def test_header_rows_are_tall_enough_for_every_header(reports):
    for name, wb in _books(reports):
        for ws in wb.worksheets:
            height = ws.row_dimensions[1].height
            for cell in ws[1]:
                width = ws.column_dimensions[cell.column_letter].width
                assert cell.alignment.wrap_text, f"{name}/{ws.title}/{cell.value}"
                assert height >= 15 * header_lines(cell.value, width), f"{name}/{ws.title}/{cell.value}"


def test_no_column_too_narrow_for_its_values(reports):
    """"###": a number or date wider than its column. Every shown value fits its column."""
    for name, wb in _books(reports):
        for ws in wb.worksheets:
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) or \
                            hasattr(cell.value, "year"):
                        text = shown_text(cell.value, cell.number_format)
                        width = ws.column_dimensions[cell.column_letter].width
                        assert width >= len(text) + 1, f"{name}/{ws.title}/{cell.coordinate}: {text!r} in {width}"


def test_shown_text_follows_the_number_format():
    assert shown_text(144000, "#,##0.00") == "144,000.00"
    assert shown_text(Decimal("12384711.37"), '#,##0.00 "USD";-#,##0.00 "USD"') == "12,384,711.37 USD"
    assert shown_text(date(2026, 1, 2), "yyyy-mm-dd") == "0000-00-00"
    assert header_lines("Internal single limit", 18) == 2 and header_lines("Verdict", 9) == 1


def test_leveling_has_trade_award_and_named_flag_columns(reports):
    ws = openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))["Leveling"]
    headers = [c.value for c in ws[1]]
    for h in ("Trade (CSI divisions)", "High flags", "Medium flags", "Low flags"):
        assert h in headers
    # Money columns carry one currency each ("Award (USD)", "Award (CAD)" when the run mixes them).
    awards = [i for i, h in enumerate(headers) if h == "Award" or h.startswith("Award (")]
    assert awards
    assert [ws.cell(row=2, column=i + 1).value for i in awards if ws.cell(row=2, column=i + 1).value is not None] == [450000]
    statuses = {ws.cell(row=r, column=headers.index("Qualification status") + 1).value for r in range(2, ws.max_row + 1)}
    assert not any(s and "_" in s for s in statuses), statuses
