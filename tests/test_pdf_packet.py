"""The PDF packet of every sample: valid (qpdf), archival (PDF/A-3b with the source record and the
workbook attached), navigable (bookmarks, metadata, lang), page one on one page, nothing beyond the
right margin, table headers repeated on continued pages; ``--pdf-variant none`` gives a plain PDF."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from conftest import EXAMPLE, sample_paths
from helpers import needs_tools, pdftotext, require_tool

from reporter.cli import main
from reporter.sections import SECTIONS
from reporter.transform.privacy import mask_tax_fields

pytestmark = needs_tools("pdftotext", "qpdf")

PROJECT = ["--as-of", "2026-11-28", "--project-value", "2000000", "--project-end", "2027-09-30",
           "--project-name", "Mission Tower", "--project-number", "24-117"]
RIGHT_EDGE = 595.28 - 14 * 72 / 25.4  # A4 width minus the right page margin, in points


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("packets")
    status = main(["build", *map(str, sample_paths()), "--out", str(out), "--formats", "pdf,xlsx", "-q", *PROJECT])
    assert status == 0
    manifest = json.loads((out / "manifest.json").read_text())
    items = [(i, out / i["files"]["pdf"]["path"]) for i in manifest["items"]]
    assert len(items) >= 9
    return out, items


@pytest.fixture(scope="module")
def readers(built):
    return {path.name: pypdf.PdfReader(path) for _item, path in built[1]}


def page_texts(path: Path) -> list[str]:
    text = pdftotext(path, "-layout")
    return text.split("\f")[:-1]


def source_records(sample: Path) -> list[dict]:
    doc = json.loads(sample.read_text(encoding="utf-8"), parse_float=Decimal)
    return doc["results"] if isinstance(doc, dict) and isinstance(doc.get("results"), list) else [doc]


def test_qpdf_check_passes(built):
    for _item, path in built[1]:
        run = subprocess.run([require_tool("qpdf"), "--check", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, (path.name, run.stdout[-500:], run.stderr[-500:])
        assert "No syntax or stream encoding errors" in run.stdout


def test_pdfa3b_with_source_record_and_workbook_attached(built, readers):
    out, items = built
    by_id = {r["id"]: r for p in sample_paths() for r in source_records(p)}
    for item, path in items:
        reader = readers[path.name]
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        assert re.search(rb"pdfaid:part[^0-9]{1,3}3", xmp) and re.search(rb"pdfaid:conformance[^A-Z]{1,3}B", xmp)
        atts = reader.attachments
        json_names = [n for n in atts if n.endswith(".source.json")]
        assert len(json_names) == 1, list(atts)
        embedded = json.loads(atts[json_names[0]][0], parse_float=Decimal)
        source = by_id[item["companyId"]]
        # The source record exactly, except that tax ids leave the machine masked (no --show-tax-id).
        assert embedded == mask_tax_fields(source)
        tax_id = source.get("federalTaxId")
        if tax_id:
            assert embedded["federalTaxId"] == "*" * (len(tax_id) - 4) + tax_id[-4:]
            assert f"\"{tax_id}\"".encode() not in atts[json_names[0]][0]
        xlsx_names = [n for n in atts if n.endswith(".xlsx")]
        assert len(xlsx_names) == 1
        workbook = atts[xlsx_names[0]][0]
        assert workbook == (out / item["files"]["xlsx"]["path"]).read_bytes()
        assert zipfile.ZipFile(io.BytesIO(workbook)).testzip() is None


def outline_titles(outline) -> list[str]:
    titles = []
    for entry in outline:
        titles.extend(outline_titles(entry) if isinstance(entry, list) else [entry.title])
    return titles


def test_bookmarks_metadata_and_lang(built, readers):
    for item, path in built[1]:
        reader = readers[path.name]
        titles = outline_titles(reader.outline)
        assert titles[0] == f"Decision sheet: {item['companyName']}"
        for expected in ["Company", "Qualification decision", "Bonding, bank and brokers", "All flags"]:
            assert any(t.startswith(expected) for t in titles), (path.name, expected)
        for spec in SECTIONS:
            title = ("Appendix: " if spec.appendix else "") + spec.title
            assert any(t.startswith(title + " (") for t in titles), (path.name, title)
        meta = reader.metadata
        assert meta.title == f"Prequalification packet: {item['companyName']}"
        assert meta.author.startswith("reporter")
        assert item["companyName"] in meta.subject and "2026-11-28" in meta.subject
        assert "prequalification" in meta["/Keywords"] and item["companyId"] in meta["/Keywords"]
        assert reader.trailer["/Root"]["/Lang"] in ("en", "fr", "en-US")


def test_page_one_is_one_page_and_reads_like_the_decision_sheet(built):
    for _item, path in built[1]:
        pages = page_texts(path)
        one = pages[0]
        assert "Reviewed by" in one and "Approved by" in one, path.name
        order = [one.index(s) for s in ("SUBCONTRACTOR PREQUALIFICATION", "Capacity (",
                                          "Safety (rates per 200,000 hours)", "Insurance", "Flags (", "Reviewed by")]
        assert order == sorted(order), path.name
        assert re.search(r"\b(RED|AMBER|GREEN)\b", one)
        assert "24-117 Mission Tower" in one and re.search(r"Award \([A-Z]{3}\): 2,000,000\.00", one)
        assert "Company name" in pages[1] and "Company name" not in one  # the details start on page two
        # running header and footer on every page
        for n, page in enumerate(pages, start=1):
            assert f"Page {n} of {len(pages)}" in page, (path.name, n)
            assert "As of 2026-11-28" in page and "reporter " in page


def test_no_text_beyond_the_right_margin(built):
    for _item, path in built[1]:
        bbox = pdftotext(path, "-bbox")
        xmax = [float(x) for x in re.findall(r'xMax="([0-9.]+)"', bbox)]
        # The page's own width (the default size follows the locale: Letter for en_US) minus the margin.
        width = float(re.search(r'<page width="([0-9.]+)"', bbox)[1])
        right_edge = RIGHT_EDGE + (width - 595.28)
        assert xmax and max(xmax) <= right_edge + 1, (path.name, max(xmax))


def test_table_headers_repeat_on_continued_pages(built):
    path = next(p for _i, p in built[1] if "summit" in p.name)
    pages = page_texts(path)
    office_pages = [p for p in pages if re.search(r"\b8\d{4}\b", p) and "Address 2" in p]
    assert len(office_pages) >= 2  # 120 offices span pages, each with the header
    continued = [p for p in pages if "Appendix: Office addresses" not in p and "Suite 2" in p]
    assert all("Postal code" in p for p in continued)
    question_pages = [p for p in pages if "Section · Question · Answer" in p]  # the head line, then each page's
    assert len(question_pages) >= 2


def test_plain_pdf_variant(tmp_path):
    assert main(["build", str(EXAMPLE), "--out", str(tmp_path), "--formats", "pdf", "--pdf-variant", "none", "-q",
                 "--as-of", "2026-11-28"]) == 0
    (path,) = tmp_path.glob("*.pdf")
    reader = pypdf.PdfReader(path)
    meta = reader.trailer["/Root"].get("/Metadata")
    assert meta is None or b"pdfaid" not in meta.get_object().get_data()
    assert any(n.endswith(".source.json") for n in reader.attachments)
    assert subprocess.run([require_tool("qpdf"), "--check", str(path)], capture_output=True).returncode == 0


def test_letter_pages_keep_the_decision_sheet_on_page_one(tmp_path):
    out = tmp_path / "letter"
    large = str(EXAMPLE.parent / "summit-electrical-large.json")
    assert main(["build", large, str(EXAMPLE), "--out", str(out), "--formats", "pdf", "--page-size", "letter",
                 "--project-value", "2000000", "--project-end", "2027-09-30", "--project-name", "Mission Tower",
                 "--as-of", "2026-11-28", "--jobs", "1", "-q"]) == 0
    for pdf in out.glob("*.pdf"):
        reader = pypdf.PdfReader(pdf)
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (612, 792)
        first = pdftotext(pdf, "-f", "1", "-l", "1")
        assert "Reviewed by" in first and "Page 1 of" in first
