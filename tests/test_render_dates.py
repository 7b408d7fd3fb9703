"""A date-only dateExpires names a day: no display zone may move it (HTML and workbook)."""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
from helpers import pdftotext

from reporter.api.saved import validate_record
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.xlsx import render_xlsx
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report


def test_bare_date_keeps_its_day_west_of_utc(example_raw):
    raw = dict(example_raw, qualification=dict(example_raw["qualification"], dateExpires="2027-01-01"))
    report = build_report(validate_record(raw, "t").model,
                          ReportContext(as_of=datetime.date(2026, 11, 28), timezone="America/Los_Angeles"))
    html = render_html(report)
    assert "2027-01-01" in html and "2026-12-31" not in html
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    values = [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert datetime.datetime(2027, 1, 1) in values or datetime.date(2027, 1, 1) in values


def test_an_instant_is_shown_in_the_report_zone(example_raw):
    raw = dict(example_raw, qualification=dict(example_raw["qualification"], dateExpires="2027-01-01T03:00:00Z"))
    report = build_report(validate_record(raw, "t").model,
                          ReportContext(as_of=datetime.date(2026, 11, 28), timezone="America/Los_Angeles"))
    html = render_html(report)
    # 03:00 UTC on Jan 1 is 19:00 on Dec 31 in Los Angeles: the packet shows that day, as a day
    # (no clock time), and says once how it found it (the UTC day differs).
    assert "expires 2026-12-31" in html
    assert "19:00" not in html
    decision = html.split('id="qualification"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<th scope=\"row\">Expires</th><td[^>]*><span class=\"num\">2026-12-31</span>", decision)
    assert "its day in America/Los_Angeles; sent as 2027-01-01 03:00 UTC" in decision


def test_expiry_day_in_the_pdf_has_no_clock_time(example_raw, tmp_path):
    """Read back from the PDF: an expiry is a day; instants (submitted, updated, generated) keep their time."""
    raw = dict(example_raw, qualification=dict(example_raw["qualification"], dateExpires="2027-01-01T03:00:00Z"))
    report = build_report(validate_record(raw, "t").model,
                          ReportContext(as_of=datetime.date(2026, 11, 28), timezone="America/Los_Angeles"))
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(render_pdf(render_html(report), variant="none").data)
    text = " ".join(pdftotext(pdf).split())
    assert re.search(r"Expires 2026-12-31 \(its day in America/Los_Angeles; sent as 2027-01-01 03:00 UTC\)", text)
    assert not re.search(r"2026-12-31 \d\d:\d\d", text)
    assert re.search(r"Submitted 2017-05-04 \d\d:\d\d P[SD]T", text)  # an instant keeps its time
