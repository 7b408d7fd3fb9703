"""Long lists set as lines (issue 20): a section of 30 items or more is a header line and one line
per item, in 1-3 columns by the lines' length; every item reads back from the PDF whole, the
3,000-item record takes far fewer pages than as grids, and a short list keeps its grid."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fakes.records import make_record

from reporter.api.saved import validate_record
from reporter.config import BuildConfig
from reporter.jsonio import dumps_exact, loads_exact
from reporter.pipeline import render_packet
from reporter.render.dense_lists import DENSE_ROWS, dense_columns, dense_fields, given
from reporter.sections import SECTIONS

SPEC = {s.key: s for s in SECTIONS}


def long_record() -> dict:
    """The benchmark's 3,000-item record (``tests/benchmarks/bench_e2e.py``): 1,000 offices and
    custom questions, 500 CSI codes and regions."""
    csi = [{"primaryCode": f"{i % 49 + 1:02d}", "secondaryCode": f"{i % 97:02d}", "tertiaryCode": f"{i % 13:02d}",
            "codeDescription": f"Work category {i + 1}"} for i in range(500)]
    return make_record(23, offices=1000, questions=1000, csiCodesForWorkPerformed=csi,
                       regionsServed=[{"region": f"Region {i + 1}"} for i in range(500)])


def squash(text: str) -> str:
    return "".join(text.split()).replace("-", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    raw = long_record()
    source = validate_record(loads_exact(dumps_exact(raw)), "long.json")
    packet = render_packet(source, BuildConfig(out_dir=Path("/nonexistent"), formats=("pdf", "html")), "long")
    folder = tmp_path_factory.mktemp("dense")
    pdf = folder / "long.pdf"
    pdf.write_bytes(packet.outputs["pdf"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                            check=True).stdout).group(1))
    return raw, packet.outputs["html"].decode(), text, pages


def test_every_item_of_every_long_list_reads_back_whole(built):
    raw, _html, text, _pages = built
    flat = squash(text)
    probes = (
        [f"{o['address1']}·" for o in raw["companyOfficeAddresses"]["results"]]
        + [f"{o['city']}·" for o in raw["companyOfficeAddresses"]["results"]]
        + [q["question"] for q in raw["customQuestions"]["results"]]
        + [f"{c['primaryCode']}·{c['secondaryCode']}·{c['tertiaryCode']}·{c['codeDescription']}"
           for c in raw["csiCodesForWorkPerformed"]]
        + [f"Region{i + 1}·" for i in range(499)] + ["Region500"]
    )
    missing = [p for p in probes if squash(p) not in flat]
    assert not missing, missing[:5]


def test_the_3000_item_record_takes_far_fewer_pages_than_as_grids(built):
    _raw, _html, text, pages = built
    assert pages <= 30  # 44 as grids (tests/benchmarks/README.md)
    # a page the list continues on names the fields again, at its top (the page header)
    continued = [p for p in text.split("\f") if "Custom questions, continued: Section · Question" in p]
    assert len(continued) >= 3
    assert not any("continued:" in p for p in text.split("\f")[:2])  # not before any list starts


def test_long_lists_are_lines_in_columns_by_their_length_and_short_lists_stay_grids(built):
    _raw, html, _text, _pages = built
    assert 'class="dense csiCodes cols-3"' in html  # "01 · 00 · 00 · Work category 1": short lines
    assert '<p class="dense-run regions">' in html  # one field: runs on as a paragraph
    assert re.search(r'class="dense offices cols-[12]"', html)
    assert ('<p class="dense-head" data-continued="Office addresses, continued: ">'
            "Main · Address · Address 2 · City · State / province · Postal code</p>") in html
    assert 'class="grid offices' not in html and 'class="grid csiCodes' not in html  # long lists: no grid
    assert 'class="grid markets' in html  # a short list keeps its grid
    assert ' dir="auto"' not in html  # no per-cell attribute: left-to-right is the packet's own


def test_a_blank_field_keeps_its_place_in_the_line(built):
    raw, html, _text, _pages = built
    second = raw["companyOfficeAddresses"]["results"][1]
    assert second["address2"] == ""
    line = f"No · {second['address1']} · <span class=\"missing\">—</span> · {second['city']} · "
    assert line in html


def test_dense_columns_counts_by_the_lines_length():
    csi, offices, questions = SPEC["csiCodes"].columns, SPEC["offices"].columns, SPEC["customQuestions"].columns
    short = [{"primaryCode": "26", "secondaryCode": "05", "tertiaryCode": "19", "codeDescription": "Wire"}] * 40
    assert dense_columns(csi, short) == 3
    medium = [{"primaryCode": "26", "secondaryCode": "05", "tertiaryCode": "19",
               "codeDescription": "Low-voltage electrical conductors and cables"}] * 40
    assert dense_columns(csi, medium) == 2
    long = [{"section": "Safety", "question": "Describe your safety program in detail, with examples",
             "textResponse": "x" * 200, "numberResponse": None, "booleanResponse": None}] * 40
    assert dense_columns(questions, long) == 1
    # nine in ten decide: a few long lines wrap rather than forcing one column on the whole list
    mostly_short = short * 9 + medium[:4]
    assert dense_columns(csi, mostly_short) == 3
    assert dense_columns(SPEC["regions"].columns, [{"region": "West"}] * 40) == 1
    address = {"isMainOffice": False, "address1": "1775 Sherman Street", "address2": "Suite 210",
               "city": "Denver", "state": "Colorado", "zipCode": "80202"}
    assert dense_columns(offices, [address] * 40) == 1  # 65 characters: over 62 at 8 pt
    assert dense_columns(offices, [address] * 40, small=True) == 2  # the appendix's 7 pt fits 70
    assert DENSE_ROWS == 30


def test_a_right_to_left_item_keeps_its_direction_in_a_dense_list():
    from datetime import date

    from reporter.render.html import render_html
    from reporter.transform.model import ReportContext
    from reporter.transform.report import build_report

    hebrew, arabic = "חברת בנייה", "نقابة البنائين"
    raw = make_record(4, marketsServed=[{"market": f"Market {i}"} for i in range(34)] + [{"market": hebrew}],
                      unions=[{"unionName": f"Local union {i}", "unionNumber": str(i)} for i in range(34)]
                      + [{"unionName": arabic, "unionNumber": "7"}])
    source = validate_record(loads_exact(dumps_exact(raw)), "rtl.json")
    html = render_html(build_report(source.model, ReportContext(as_of=date(2026, 11, 28))))
    assert '<p class="dense-run markets">' in html and f'<span dir="rtl">{hebrew}</span>' in html
    assert 'class="dense unions' in html and f'<span dir="rtl">{arabic}</span>' in html
    assert html.count('<span dir="rtl">') == 2  # the left-to-right items carry none


def test_a_custom_questions_answer_is_the_one_given_not_three_columns_of_dashes(built):
    """A custom question is answered as text, a number or yes/no: a line shows what was given
    under one "Answer" (before: "S Corporation · — · —"), every answer given when there are
    several, and one "—" when none was. The workbook keeps the three typed columns."""
    raw, html, _text, _pages = built
    assert "Section · Question · Answer</p>" in html
    results = raw["customQuestions"]["results"]
    text_only = next(q for q in results if q["textResponse"] and q["numberResponse"] is None and q["booleanResponse"] is None)
    assert f"{text_only['question']} · {text_only['textResponse']}</span>" in html or \
        f"{text_only['question']} · {text_only['textResponse']}</p>" in html
    assert "— · —" not in html.replace('<span class="missing">—</span>', "—")
    columns = SPEC["customQuestions"].columns
    fields = dense_fields(columns)
    assert [f.header for f in fields] == ["Section", "Question", "Answer"] and fields[2].merged
    row = {"section": "General", "question": "Union shop?", "textResponse": "", "numberResponse": 0, "booleanResponse": False}
    assert [c.field for c in given(row, fields[2].columns)] == ["numberResponse", "booleanResponse"]  # 0 and No are answers
    assert given({"textResponse": None, "numberResponse": None, "booleanResponse": None}, fields[2].columns) == []
    assert [c.field for c in columns] == ["section", "question", "textResponse", "numberResponse", "booleanResponse"]
