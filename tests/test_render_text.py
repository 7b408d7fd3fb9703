"""The PDF's words and numbers as a PM reads them (issue 16), read back from real PDFs: one money
style per context (tables: symbol-free amounts under a currency; prose: the locale's style),
revenue change only between consecutive years, each thing said once on page one, statuses in
words."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal as D

import openpyxl
import pytest
from conftest import SAMPLES
from helpers import needs_tools, pdftotext

from reporter.api.saved import load_file, validate_record
from reporter.render.amounts import format_amount
from reporter.render.html import render_html
from reporter.render.page_one import page_one_flags, said_in_banner, verdict_reasons
from reporter.render.pdf import render_pdf
from reporter.render.xlsx import render_xlsx
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report

pytestmark = needs_tools("pdftotext")
AS_OF = datetime.date(2026, 11, 28)


def pdf_of(report, tmp_path, name="p.pdf"):
    path = tmp_path / name
    path.write_bytes(render_pdf(render_html(report), variant="none").data)
    return path


def flat(text: str) -> str:
    return " ".join(text.split())


def details(text: str) -> str:
    """The pages after page one."""
    return text.split("\f", 1)[1]


def test_symbol_free_amounts_follow_the_locale_grouping():
    assert format_amount(D("12384711.37"), "USD", "en_US") == "12,384,711.37"
    assert format_amount(D("1000000"), "CAD", "fr_CA") == "1\u00a0000\u00a0000,00"
    assert format_amount(D("1500"), "JPY", "en_US") == "1,500"  # ISO 4217: no minor unit
    assert format_amount(D("-310000"), "USD", "en_US") == "-310,000.00"


def test_detail_tables_carry_no_currency_symbol(example_raw, tmp_path):
    report = build_report(validate_record(example_raw, "t").model, ReportContext(as_of=AS_OF))
    text = pdftotext(pdf_of(report, tmp_path))
    rest = flat(details(text))
    assert "$" not in rest.split("All flags", 1)[0]  # flag messages (prose) keep the locale's style
    assert "Internal single limit (USD) 50,000.00" in rest
    assert "Line of credit outstanding (USD) 500,000.00" in rest
    # The insurance table: the currency said once under the money headers, figures without symbols.
    ins = rest.split("Insurance coverages", 1)[1].split("Experience modification", 1)[0]
    head, body = ins.split("Automobile liability", 1)
    assert "Per occurrence" in head and "Aggregate" in head
    assert (head + body).count("USD") == 2  # once under each money header, never in a cell
    assert "2,000,000.00 2,000,000.00 2017-07-21" in body


def test_converted_amounts_keep_their_original_with_its_code(tmp_path):
    (src,) = load_file(SAMPLES / "internationale-batiment.json")
    fx = FxTable((FxRate(datetime.date(2026, 11, 27), "CAD", "USD", D("0.7150")),))
    report = build_report(src.model, ReportContext(as_of=AS_OF, report_currency="USD", fx=fx))
    rest = flat(details(pdftotext(pdf_of(report, tmp_path))))
    assert "CA$" not in rest and "US$" not in rest.split("All flags", 1)[0]
    assert re.search(r"\(USD\) [\d,]+\.\d\d \([\d,]+\.\d\d CAD as submitted\)", rest)


def test_canadian_record_has_no_ca_dollar_sign_beside_cad(tmp_path):
    (src,) = load_file(SAMPLES / "internationale-batiment.json")
    report = build_report(src.model, ReportContext(as_of=AS_OF, locale="fr_CA"))
    text = pdftotext(pdf_of(report, tmp_path))
    tables = flat(details(text)).split("All flags", 1)[0]
    assert report.currency == "CAD"
    assert "CA$" not in tables and "$" not in tables
    assert "(CAD)" in tables


def _revenue_record(example_raw):
    return dict(example_raw, annualVolumeRevenues=[
        {"year": 2021, "estimatedVolumeRevenue": 10_000_000},
        {"year": 2023, "estimatedVolumeRevenue": 10_000_000},
        {"year": 2024, "estimatedVolumeRevenue": 11_000_000},
    ])


def test_revenue_change_is_only_between_consecutive_years(example_raw, tmp_path):
    report = build_report(validate_record(_revenue_record(example_raw), "t").model, ReportContext(as_of=AS_OF))
    rows = {r["year"]: r["change"] for r in report.sections["revenue"]}
    assert rows == {2024: D("0.1"), 2023: None, 2021: None}
    assert [y.change for y in report.financial.revenue] == [None, None, D("0.1")]
    text = flat(pdftotext(pdf_of(report, tmp_path)))
    table = text.split("Annual volume revenue", 1)[1].split("Completed references", 1)[0]
    assert not re.search(r"(?<![\d.])0\.0%", table) and "+10.0%" in table
    assert re.search(r"2023 10,000,000\.00 — 2021 10,000,000\.00", table)
    ws = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))["Revenue"]
    change = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert change[2023] is None and change[2024] == pytest.approx(0.1)


def test_page_one_revenue_says_when_the_year_before_is_missing(example_raw, tmp_path):
    raw = _revenue_record(example_raw)
    raw["annualVolumeRevenues"] = raw["annualVolumeRevenues"][:2]  # latest 2023, no 2022
    report = build_report(validate_record(raw, "t").model, ReportContext(as_of=AS_OF))
    page_one = flat(pdftotext(pdf_of(report, tmp_path), "-f", "1", "-l", "1"))
    assert "Revenue 2023 10.0M no 2022 figure" in page_one


def _gr8():
    (src,) = load_file(SAMPLES / "gr8-builders.json")
    return build_report(src.model, ReportContext(as_of=AS_OF, project=Project(value=D(450000))))


def test_gr8_page_one_says_each_flag_once(tmp_path):
    report = _gr8()
    said = said_in_banner(report)
    listed = page_one_flags(report)
    assert len(said) + len(listed) == len(report.flags)
    assert {f.rule for f in said} >= {"qualification.lapsed", "capacity.single_limit", "capacity.total_limit",
                                      "qualification.exceptions"}
    page_one = flat(pdftotext(pdf_of(report, tmp_path), "-f", "1", "-l", "1"))
    for reason in verdict_reasons(report):
        words = flat(reason.split(" (")[0])
        assert page_one.count(words) == 1, words
    # The lapse is said once, by the status line, not again as a reason or a flag line.
    assert page_one.count("786 days ago") == 1
    assert "Qualified with exceptions · expired 2024-10-03 (786 days ago)" in page_one
    assert page_one.count("Exception will be addressed next week") == 1
    # Prose keeps the locale's money style (a verdict reason); page one's tables are symbol-free.
    assert "Award $450,000.00 exceeds internal single limit $50,000.00 (9.0x)" in page_one
    assert "Award (USD): 450,000.00" in page_one
    assert f"{len(said)} said above; the other {len(listed)}:" in page_one
    # Every flag in full under "All flags".
    all_flags = flat(pdftotext(pdf_of(report, tmp_path, "all.pdf"))).split("All flags", 1)[1]
    assert "Exception will be addressed next week" in all_flags
    assert "Qualification expired 786 days ago" in all_flags


def test_a_legal_answer_is_said_once_on_page_one(tmp_path):
    """Redline's OSHA-citation answer: quoted in the legal box, not again as a flag line on page
    one (in full under All flags)."""
    (src,) = load_file(SAMPLES / "redline-concrete.json")
    report = build_report(src.model, ReportContext(as_of=AS_OF))
    assert report.legal and all(f.rule not in {g.rule for g in report.legal} for f in page_one_flags(report))
    page_one = flat(pdftotext(pdf_of(report, tmp_path), "-f", "1", "-l", "1"))
    assert page_one.count("work-related fatality in the last 5 years") == 1
    all_flags = flat(pdftotext(pdf_of(report, tmp_path, "all.pdf"))).split("All flags", 1)[1]
    assert "work-related fatality in the last 5 years" in all_flags


def test_qualification_decision_reads_in_words(example_raw, tmp_path):
    report = build_report(validate_record(example_raw, "t").model, ReportContext(as_of=AS_OF))
    text = flat(pdftotext(pdf_of(report, tmp_path)))
    decision = text.split("Qualification decision", 1)[1].split("Bonding, bank and brokers", 1)[0]
    assert decision.startswith(" Status Qualified with exceptions Status before expiry Qualified")
    assert "QUALIFIED" not in decision


def test_insurance_limit_not_provided_reads_as_a_sentence(example_raw, tmp_path):
    ins = [dict(i) for i in example_raw["insuranceCoverages"]]
    raw = dict(example_raw, insuranceCoverages=[*ins, {
        "insuranceType": "GENERAL_LIABILITY", "carrier": "Acme Mutual", "perOccurrenceLimit": None,
        "aggregateLimit": 1_500_000, "policyExpirationDate": "2027-12-31"}])
    report = build_report(validate_record(raw, "t").model, ReportContext(as_of=AS_OF))
    messages = [f.message for f in report.flags if f.rule == "insurance.below_minimum"]
    assert "General liability: per-occurrence limit not provided (the minimum is $1,000,000.00)" in messages
    assert "General liability: aggregate limit $1,500,000.00 is below the minimum of $2,000,000.00" in messages
    text = flat(pdftotext(pdf_of(report, tmp_path)))
    assert "not provided below" not in text
    assert "per-occurrence limit not provided (the minimum is $1,000,000.00)" in text


def _sample_page_one(name, tmp_path, **ctx):
    (src,) = load_file(SAMPLES / name)
    report = build_report(src.model, ReportContext(as_of=AS_OF, project=Project(value=D(450000)), **ctx))
    return report, flat(pdftotext(pdf_of(report, tmp_path, name + ".pdf"), "-f", "1", "-l", "1"))


def test_green_page_one_does_not_repeat_the_status_as_its_reason(tmp_path):
    (src,) = [r for r in load_file(SAMPLES / "list-page-two-subs.json") if r.model.companyName.startswith("Keystone")]
    report = build_report(src.model, ReportContext(as_of=AS_OF))
    assert report.verdict == "green"
    page_one = flat(pdftotext(pdf_of(report, tmp_path), "-f", "1", "-l", "1"))
    assert page_one.count("2027-03-31") == 1  # the status line; not again in the reason
    assert "No high or medium flags" in page_one


def test_status_line_says_expiry_once(tmp_path):
    report, page_one = _sample_page_one("harbor-glazing.json", tmp_path)
    assert report.qualification.status == "EXPIRED"
    assert "Expired · 2026-08-31 (89 days ago)" in page_one
    assert page_one.count("2026-08-31") == 1 + page_one.count("Qualification lapsed on 2026-08-31")
    assert "Qualification expired on" not in page_one
    report, page_one = _sample_page_one("sparse-framing.json", tmp_path)
    assert page_one.count("no expiry date") == 1 and "has no expiry date" not in page_one


def test_trade_comparison_said_once_on_page_one(tmp_path):
    (src,) = [r for r in load_file(SAMPLES / "list-page-two-subs.json") if r.model.companyName.startswith("Delgado")]
    report = build_report(src.model, ReportContext(as_of=AS_OF, project=Project(value=D(450000))))
    assert any(f.rule == "safety.trir_trade" for f in report.flags)
    page_one = flat(pdftotext(pdf_of(report, tmp_path), "-f", "1", "-l", "1"))
    assert page_one.count("vs 2.3 for all construction (BLS 2023)") == 1
