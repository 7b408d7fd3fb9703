"""Every workbook as an estimator opens it (issue 16): the per-company workbooks built WITH their
TradeTapp side files (so the Financials, Statements, TradeTapp Flags and Flag History sheets exist),
leveling.xlsx, and bid-leveling.xlsx from the saved sample bid package. Each is read back with
openpyxl: print setup on every sheet, header words never split, rows tall enough for their wrapped
text, every number typed with a number format (money naming its currency, whole numbers without a
dangling decimal point), and no enum code where a person reads words."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES, sample_paths

from reporter.api.bid_package import load_package_dir
from reporter.api.saved import load_file
from reporter.api.side_files import side_files_for
from reporter.render.bid_leveling import render_bid_leveling
from reporter.render.bid_rows import build_view, report_facts
from reporter.render.leveling import render_leveling
from reporter.render.xlsx import render_xlsx
from reporter.render.xlsx_print import HEADER_WORD_MAX, LINE_HEIGHT, header_lines
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report

CTX = ReportContext(as_of=date(2026, 11, 28), project=Project(value=Decimal("450000")))
BID_PACKAGE = SAMPLES / "bid-package"
CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
TRADETAPP_STATUS_CODES = {"present", "not_found", "not_fetched", "withheld"}


def _reports(paths: list[Path], ctx: ReportContext = CTX) -> list:
    return [build_report(r.model, ctx, side_files_for(p, r.model.id)) for p in paths for r in load_file(p)]


@pytest.fixture(scope="module")
def reports():
    return _reports(sample_paths())


@pytest.fixture(scope="module")
def bid_book():
    """bid-leveling.xlsx of the saved sample package, each bidder's facts from its real report."""
    (data,) = load_package_dir(BID_PACKAGE)
    paths = [BID_PACKAGE / f"{cid}.json" for cid, q in data.qualifications.items() if q is not None]
    facts = {}
    for path, report in zip(paths, _reports(paths), strict=True):
        csi = load_file(path)[0].model.csiCodesForWorkPerformed or ()
        facts[report.company_id] = report_facts(report, csi)
    view = build_view(data, facts, {}, {}, now=datetime(2026, 12, 2, tzinfo=UTC))
    return openpyxl.load_workbook(io.BytesIO(render_bid_leveling([view], CTX)))


def _books(reports, bid_book):
    yield "leveling", openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))
    yield "bid-leveling", bid_book
    for rep in reports:
        yield rep.company_id, openpyxl.load_workbook(io.BytesIO(render_xlsx(rep)))


def _cells(ws):
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value is not None:
                yield cell


def test_samples_with_side_files_have_the_tradetapp_sheets(reports):
    sheets = {s for rep in reports for s in openpyxl.load_workbook(io.BytesIO(render_xlsx(rep))).sheetnames}
    assert {"Financials", "Statements", "TradeTapp Flags", "Flag History"} <= sheets


def test_every_sheet_of_every_workbook_prints_landscape_one_page_wide_with_titles(reports, bid_book):
    for name, wb in _books(reports, bid_book):
        for ws in wb.worksheets:
            where = f"{name}/{ws.title}"
            assert ws.page_setup.orientation == "landscape", where
            assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, where
            assert ws.print_title_rows in ("1:1", "$1:$1"), where
            assert ws.oddFooter.right.text or ws.oddFooter.center.text, where


def test_header_words_are_never_split_and_the_header_row_fits_them(reports, bid_book):
    """"TradeTap / p risk score", "Overall benchmar / k": a header word wider than its column."""
    for name, wb in _books(reports, bid_book):
        for ws in wb.worksheets:
            height = ws.row_dimensions[1].height
            most = 1
            for cell in ws[1]:
                width = ws.column_dimensions[cell.column_letter].width
                where = f"{name}/{ws.title}/{cell.value!r} in {width}"
                for word in str(cell.value).split():
                    assert width >= min(len(word), HEADER_WORD_MAX) + 1, where
                most = max(most, header_lines(cell.value, width))
                assert height >= LINE_HEIGHT * header_lines(cell.value, width), where
            assert height <= LINE_HEIGHT * (most + 1), f"{name}/{ws.title}: {height} pt for {most} lines"


def test_rows_of_wrapped_text_are_tall_enough_to_read_it(reports, bid_book):
    """bid-leveling's top reasons were cut off at the row's bottom."""
    for name, wb in _books(reports, bid_book):
        for ws in wb.worksheets:
            for cell in _cells(ws):
                if not (isinstance(cell.value, str) and cell.alignment.wrap_text):
                    continue
                width = ws.column_dimensions[cell.column_letter].width
                lines = min(12, sum(header_lines(part, width * 1.1) for part in cell.value.split("\n")))
                height = ws.row_dimensions[cell.row].height or LINE_HEIGHT
                assert height >= LINE_HEIGHT * lines, f"{name}/{ws.title}/{cell.coordinate}: {lines} lines in {height}"


def test_every_number_has_a_number_format_and_money_names_its_currency(reports, bid_book):
    """leveling's "TradeTapp single-project capacity" read 14000000, General, with no currency."""
    for name, wb in _books(reports, bid_book):
        for ws in wb.worksheets:
            headers = {c.column: str(c.value) for c in ws[1]}
            for cell in _cells(ws):
                if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float, Decimal)):
                    continue
                where = f"{name}/{ws.title}/{cell.coordinate} ({headers[cell.column]})"
                assert cell.number_format != "General", where
                if "capacity" in headers[cell.column].lower() and "(x)" not in headers[cell.column]:
                    assert re.search(r'"[A-Z]{3}"', cell.number_format), where


def test_whole_numbers_show_no_dangling_decimal_point(reports, bid_book):
    """Excel shows 4 in "#,##0.####" as "4." (the Financials scores, the statements' ratios)."""
    for name, wb in _books(reports, bid_book):
        for ws in wb.worksheets:
            for cell in _cells(ws):
                if isinstance(cell.value, (int, float, Decimal)) and not isinstance(cell.value, bool) \
                        and cell.value == int(cell.value):
                    body = cell.number_format.split(";")[0]
                    assert not re.search(r"\.#+($|[\s\"])", body), f"{name}/{ws.title}/{cell.coordinate}: {body}"


def test_tradetapp_amounts_carry_the_records_currency(reports):
    rep = next(r for r in reports if r.tradetapp is not None and r.tradetapp.statements)
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(rep)))
    st = wb["Statements"]
    headers = [c.value for c in st[1]]
    cell = st.cell(row=2, column=headers.index("revenueSales") + 1)
    assert isinstance(cell.value, (int, float, Decimal)) and f'"{rep.submission_currency}"' in cell.number_format
    fin = wb["Financials"]
    rows = {r[1].value: r[2] for r in fin.iter_rows(min_row=2)}
    assert f'"{rep.submission_currency}"' in rows["Working capital"].number_format


def test_no_code_where_a_person_reads_words(reports, bid_book):
    """"not_found" in leveling's Overall band, "present"/"not_fetched" in Financials, "COST_BREAKDOWN"
    in Line Items, "Qualification EXPIRED" in bid-leveling's top reasons."""
    level = openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))["Leveling"]
    band = next(c.column for c in level[1] if c.value == "Overall band")
    assert not {c.value for c in level[level.cell(1, band).column_letter][1:]} & TRADETAPP_STATUS_CODES
    for rep in reports:
        wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(rep)))
        if "Financials" in wb.sheetnames:
            values = {r[2].value for r in wb["Financials"].iter_rows(min_row=2) if r[0].value == "TradeTapp"}
            assert not values & TRADETAPP_STATUS_CODES, values
    for ws in bid_book.worksheets:
        readable = [i for i, c in enumerate(ws[1], start=1) if c.value in ("Top reasons", "Insurance gaps", "Type")]
        for col in readable:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                text = str(cell.value or "")
                assert not CODE.search(text) and "EXPIRED" not in text, f"{ws.title}/{cell.coordinate}: {text}"


def test_bid_leveling_shows_tradetapps_risk_score(bid_book):
    ws = bid_book.worksheets[0]
    col = next(c.column for c in ws[1] if c.value == "Risk score (TradeTapp)")
    scores = [r[0].value for r in ws.iter_rows(min_row=2, min_col=col, max_col=col) if r[0].value is not None]
    assert scores and all(isinstance(s, int) for s in scores)


def test_bid_leveling_prints_the_decision_columns_not_the_ids(bid_book):
    ws = bid_book.worksheets[0]
    headers = [c.value for c in ws[1]]
    area = str(ws.print_area)
    last = re.search(r":\$?([A-Z]+)\$?\d+", area).group(1)
    assert openpyxl.utils.column_index_from_string(last) == headers.index("Company id")


def test_summary_labels_sit_on_the_first_line_of_a_wrapped_value(reports):
    ws = openpyxl.load_workbook(io.BytesIO(render_xlsx(reports[0])))["Summary"]
    for label, value in ws.iter_rows(min_row=2, max_col=2):
        if value.alignment.wrap_text:
            assert label.alignment.vertical == "top", label.value


def test_leveling_prints_what_an_estimator_compares_legibly(reports):
    """41 columns on one page wide printed at about 17%: the id column now sits outside the print
    area, long texts wrap in their set widths and amounts show in whole units."""
    ws = openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))["Leveling"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "BC id"
    last = re.search(r":\$?([A-Z]+)\$?\d+", str(ws.print_area)).group(1)
    assert openpyxl.utils.column_index_from_string(last) == len(headers) - 1
    for h in ("Company", "Trade (CSI divisions)", "Insurance gaps", "Insurance expiries"):
        col = headers.index(h) + 1
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width <= 31, h
        assert all(r[0].alignment.wrap_text for r in ws.iter_rows(min_row=2, min_col=col, max_col=col) if r[0].value)
    money = [c for row in ws.iter_rows(min_row=2) for c in row if '"USD"' in c.number_format or '"CAD"' in c.number_format]
    assert money and all("." not in c.number_format for c in money)


def test_paper_follows_the_locale_and_a_wide_sheet_takes_the_next_size_up(reports):
    """No paper size at all before: the printer's default. Now the PDF's (Letter for en_US, A4
    elsewhere), and Tabloid / A3 for a sheet that would print below half size."""
    us = openpyxl.load_workbook(io.BytesIO(render_xlsx(reports[0])))
    assert us["Summary"].page_setup.paperSize == 1  # Letter
    level = openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))["Leveling"]
    assert level.page_setup.paperSize == 3  # Tabloid: 40 printed columns
    fr_ctx = ReportContext(as_of=date(2026, 11, 28), locale="fr_FR", project=Project(value=Decimal("450000")))
    fr = _reports(sample_paths()[:2], fr_ctx)
    assert openpyxl.load_workbook(io.BytesIO(render_xlsx(fr[0])))["Summary"].page_setup.paperSize == 9  # A4
    assert openpyxl.load_workbook(io.BytesIO(render_leveling(fr)))["Leveling"].page_setup.paperSize == 8  # A3


def test_leveling_gives_a_currency_a_column_only_where_it_has_amounts():
    """A run mixing USD and CAD without --project-value printed two empty Award columns."""
    reports = _reports(sample_paths(), ReportContext(as_of=date(2026, 11, 28)))
    ws = openpyxl.load_workbook(io.BytesIO(render_leveling(reports)))["Leveling"]
    headers = [c.value for c in ws[1]]
    assert "Award" in headers  # the one empty column says there was no award to check
    for col, header in enumerate(headers, start=1):
        if header.endswith((" (USD)", " (CAD)")):
            values = [r[0].value for r in ws.iter_rows(min_row=2, min_col=col, max_col=col)]
            assert any(v is not None for v in values), header
    assert "Backlog (CAD)" in headers and "Backlog (USD)" in headers


def test_extreme_records_wrap_within_capped_widths_and_sensible_row_heights():
    """Every extreme at once (long names, a long denial, 920-character carriers, 31 coverages) and
    1,000 offices: a text longer than any column may be wide wraps (it ran on, unwrapped, past its
    60-character column), widths stay capped, rows grow to at most twelve lines."""
    from test_limits import with_offices
    from test_pdf_page_one_limits import _variants

    from reporter.api.models import Qualification

    raws = [_variants()["everything"], with_offices(1000)]
    reps = [build_report(Qualification.model_validate(raw), CTX) for raw in raws]
    books = [openpyxl.load_workbook(io.BytesIO(render_xlsx(r))) for r in reps]
    books.append(openpyxl.load_workbook(io.BytesIO(render_leveling(reps))))
    assert books[1]["Offices"].max_row == 1001
    for wb in books:
        for ws in wb.worksheets:
            for cell in _cells(ws):
                width = ws.column_dimensions[cell.column_letter].width
                if isinstance(cell.value, str) and len(cell.value) > width:
                    assert cell.alignment.wrap_text or "\n" in cell.value, \
                        f"{ws.title}/{cell.coordinate}: {len(cell.value)} characters in {width}"
            for letter, dim in ws.column_dimensions.items():
                assert (dim.width or 0) <= 70, f"{ws.title}/{letter}"
            for r in range(2, ws.max_row + 1):
                assert (ws.row_dimensions[r].height or 0) <= 12 * LINE_HEIGHT, f"{ws.title}/row {r}"
    carrier = books[0]["Insurance"]
    col = next(c.column for c in carrier[1] if c.value == "Carrier")
    assert carrier.cell(row=2, column=col).alignment.wrap_text
    assert carrier.row_dimensions[2].height >= 3 * LINE_HEIGHT


def test_every_value_sits_at_the_top_of_its_row(reports, bid_book):
    """In a row made tall by a wrapped name, the verdict and the figures sat at its bottom."""
    for name, wb in _books(reports, bid_book):
        for ws in wb.worksheets:
            for cell in _cells(ws):
                assert cell.alignment.vertical == "top", f"{name}/{ws.title}/{cell.coordinate}"
