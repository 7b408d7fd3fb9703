"""The workbook opens without repair prompts: well-formed XML, loaded by openpyxl and by an
independent reader (python-calamine) that agree cell for cell; every sheet one table whose range is
exactly its header and data; unique valid table names and column names; frozen headers; widths;
workbook properties. A section with no items keeps its table with one empty row."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import openpyxl
import pytest
import python_calamine
from conftest import sample_paths
from openpyxl.utils import get_column_letter

from reporter.api.saved import load_file
from reporter.render.xlsx import render_xlsx
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report

CTX = ReportContext(as_of=date(2026, 11, 28), timezone="America/New_York")


@pytest.fixture(scope="module")
def books():
    out = []
    for p in sample_paths():
        for rec in load_file(p):
            report = build_report(rec.model, CTX)
            out.append((report, render_xlsx(report)))
    return out


def test_xml_parts_are_well_formed(books):
    for _, data in books:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None
            for name in z.namelist():
                if name.endswith((".xml", ".rels")):
                    ElementTree.fromstring(z.read(name))


def _calamine_value(v):
    return None if v == "" else v


def _openpyxl_value(v):
    if isinstance(v, datetime) and v.time() == datetime.min.time():
        return v.date()
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


def test_two_readers_agree_cell_for_cell(books):
    for report, data in books:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        assert cal.sheet_names == wb.sheetnames
        for ws in wb:
            ours = [[_openpyxl_value(c) for c in row] for row in ws.iter_rows(values_only=True)]
            theirs = [[_calamine_value(c) for c in row] for row in cal.get_sheet_by_name(ws.title).to_python()]
            width = len(ours[0])
            theirs = [r + [None] * (width - len(r)) for r in theirs]
            while ours and all(v is None for v in ours[-1]):
                ours.pop()
            assert theirs == ours, (report.company_name, ws.title)


def test_every_sheet_is_one_table_over_exactly_its_data(books):
    for _report, data in books:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
        names = []
        for ws in wb:
            assert len(ws.tables) == 1, ws.title
            table = next(iter(ws.tables.values()))
            names.append(table.displayName.casefold())
            headers = [c.value for c in ws[1]]
            n_items = sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r))
            assert table.ref == f"A1:{get_column_letter(len(headers))}{max(n_items, 1) + 1}", ws.title
            assert [c.name for c in table.tableColumns] == headers
            assert len({h.casefold() for h in headers}) == len(headers) and all(headers)
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", table.displayName)
            ct = cal.get_table_by_name(table.displayName)
            assert ct.sheet == ws.title and ct.columns == headers
            assert ct.height == max(n_items, 1)
            assert ws.freeze_panes == "A2", ws.title
            for i in range(1, len(headers) + 1):
                assert ws.column_dimensions[get_column_letter(i)].width >= 6, (ws.title, i)
        assert len(names) == len(set(names))


def test_a_section_without_items_keeps_one_empty_table_row(books):
    report, data = next((r, d) for r, d in books if not r.sections["unions"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Unions"]
    assert ws.tables["unions"].ref == "A1:B2"
    assert all(c.value is None for c in ws[2])


def test_workbook_properties(books):
    report, data = books[0]
    props = openpyxl.load_workbook(io.BytesIO(data)).properties
    assert props.title == f"Prequalification: {report.company_name}"
    assert report.company_name in props.subject and report.as_of.isoformat() in props.subject
    assert props.creator.startswith("reporter ")
    assert report.company_id in props.keywords
