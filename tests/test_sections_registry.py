"""The section registry obeys its rules, and both outputs follow it."""

from __future__ import annotations

import datetime
import re

import openpyxl
import pytest
from conftest import sample_paths

from reporter.api.saved import load_file
from reporter.render.dense_lists import dense_fields
from reporter.render.html import render_html
from reporter.render.xlsx import render_xlsx
from reporter.sections import KINDS, SECTIONS, WORKBOOK_COLUMNS, sheet_columns
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report


def test_keys_titles_and_sheet_names_are_unique_and_valid():
    keys = [s.key for s in SECTIONS]
    assert len(keys) == len(set(keys)) == 14
    sheets = [s.sheet_name.lower() for s in SECTIONS] + ["summary", "flags"]
    assert len(sheets) == len(set(sheets))
    for s in SECTIONS:
        assert 0 < len(s.sheet_name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", s.sheet_name)
        assert not s.sheet_name.startswith("'") and not s.sheet_name.endswith("'")
        assert s.sheet_name.lower() != "history"
        for c in sheet_columns(s):
            assert c.kind in KINDS, (s.key, c.field)
            assert c.width > 0
        assert all(c.pdf for c in s.columns) and not any(c.pdf for c in WORKBOOK_COLUMNS.get(s.key, ()))
        fields = [c.field for c in sheet_columns(s)]
        assert len(fields) == len(set(fields)), s.key
    assert set(WORKBOOK_COLUMNS) <= set(keys)


@pytest.fixture(scope="module")
def reports():
    ctx = ReportContext(as_of=datetime.date(2026, 11, 28))
    return [build_report(r.model, ctx) for p in sample_paths() for r in load_file(p)]


def test_every_column_field_exists_in_the_rows(reports):
    for report in reports:
        for spec in SECTIONS:
            for row in report.sections[spec.key]:
                missing = [c.field for c in sheet_columns(spec) if c.field not in row]
                assert not missing, (spec.key, missing)


def test_pdf_table_headers_match_sheet_headers(reports, tmp_path):
    """The sheet shows the PDF's columns first, in the same order, then the workbook-only ones."""
    report = max(reports, key=lambda r: sum(len(v) for v in r.sections.values()))
    html = render_html(report)
    path = tmp_path / "w.xlsx"
    path.write_bytes(render_xlsx(report))
    wb = openpyxl.load_workbook(path)
    for spec in SECTIONS:
        sheet_headers = [c.value for c in wb[spec.sheet_name][1]]
        assert sheet_headers[: len(sheet_columns(spec))] == [c.header for c in sheet_columns(spec)]
        sheet_headers = [h for h, c in zip(sheet_headers, sheet_columns(spec), strict=False) if c.pdf]
        block = html.split(f'id="s-{spec.key}"', 1)[1].split("</section>", 1)[0]
        if report.sections[spec.key] and '<p class="dense-head"' in block:  # a long list: its header line
            head = block.split('<p class="dense-head"', 1)[1].split(">", 1)[1].split("</p>", 1)[0]
            fields = dense_fields([c for c in sheet_columns(spec) if c.pdf])
            assert re.sub(r" \([A-Z]{3}\)", "", head).split(" · ") == [f.header for f in fields], spec.key
            assert [c.header for f in fields for c in f.columns] == sheet_headers, spec.key  # one answer: its columns
        elif report.sections[spec.key]:
            thead = block.split("<thead>", 1)[1].split("</thead>", 1)[0]
            html_headers = re.findall(r"<th[^>]*>(.*?)</th>", thead)
            assert html_headers == sheet_headers, spec.key
