"""End to end: `reporter build samples/*.json` writes a PDF, a workbook and a manifest entry per
record; the PDF text holds every nested item; the workbook has one sheet per nested section with one
row per item."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import sample_paths
from helpers import needs_tools, pdftotext

from reporter.api.saved import load_file
from reporter.cli import main
from reporter.fsio import sha256_bytes
from reporter.render.labels import label
from reporter.sections import SECTIONS, sheet_columns

pytestmark = needs_tools("pdftotext")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    status = main(["build", *map(str, sample_paths()), "--out", str(out), "--as-of", "2026-11-28", "-q"])
    manifest = json.loads((out / "manifest.json").read_text())
    return status, out, manifest


def records():
    return [rec for p in sample_paths() for rec in load_file(p)]


def test_exit_zero_and_one_manifest_item_per_record(built):
    status, out, manifest = built
    assert status == 0
    recs = records()
    assert len(recs) >= 9
    assert [i["companyId"] for i in manifest["items"]] == [r.model.id for r in recs]
    assert all(i["status"] == "ok" and i["error"] is None for i in manifest["items"])
    assert manifest["reporterVersion"]
    for item in manifest["items"]:
        assert set(item["files"]) == {"pdf", "xlsx"}
        for entry in item["files"].values():
            data = (out / entry["path"]).read_bytes()
            assert entry["bytes"] == len(data)
            assert entry["sha256"] == sha256_bytes(data)
    assert not list(out.glob("*.part")) and not list(out.glob(".*"))


def pdf_text(path: Path) -> str:
    return pdftotext(path)


def squash(text: str) -> str:
    # pdftotext joins a word broken at a line end and drops the hyphen; drop hyphens on both sides.
    return "".join(text.split()).replace("-", "")


@pytest.mark.parametrize("rec", records(), ids=lambda r: r.model.id)
def test_pdf_holds_company_status_pages_and_every_nested_item(built, rec):
    _, out, manifest = built
    item = next(i for i in manifest["items"] if i["companyId"] == rec.model.id)
    text = pdf_text(out / item["files"]["pdf"]["path"])
    flat = squash(text)
    m = rec.model
    assert squash(m.companyName) in flat
    if m.qualification.status:
        # The status reads in words in the PDF (Qualification decision and page one); the raw code
        # stays where a column is for codes: the workbook's Company sheet (field / value).
        words = label(m.qualification.status)
        assert re.search(r"Status\s+" + re.escape(words), text), words
        if "_" in m.qualification.status:
            assert m.qualification.status not in text
        company = openpyxl.load_workbook(out / item["files"]["xlsx"]["path"])["Company"]
        assert m.qualification.status in [c.value for row in company.iter_rows() for c in row]
    assert "Page 1 of" in text
    # One distinctive value per item of every nested section, the last office of 120 included.
    probes = (
        [o.address1 for o in m.companyOfficeAddresses.results]
        + [q.question for q in m.customQuestions.results]
        + [r.projectName for r in m.completedReferences]
        + [c.contactName for c in m.companyContacts]
        + [c.codeDescription for c in m.csiCodesForWorkPerformed]
        + [r.region for r in m.regionsServed]
        + [k.market for k in m.marketsServed]
        + [c.number for c in m.certificates]
        + [u.unionName for u in m.unions]
        + [lic.number for lic in m.professionalLicenses]
        + [c.carrier for c in m.insuranceCoverages]
        + [str(e.year) for e in m.experienceModificationRatings]
        + [f"{o.totalHoursWorked:,}" for o in m.osha300Results if o.totalHoursWorked is not None]
    )
    missing = [p for p in probes if p and squash(p) not in flat]
    # Right-to-left runs are reordered by pdftotext, and a code wrapped inside a narrow cell is read
    # interleaved with its neighbours: compare those by their pieces instead.
    missing = [p for p in missing if not all(squash(w) in flat for w in re.split(r"[\s-]+", p) if w)]
    assert not missing, missing[:5]


def test_large_sample_has_all_120_offices(built):
    _, out, manifest = built
    item = next(i for i in manifest["items"] if i["companyName"].startswith("Summit"))
    rec = next(r for r in records() if r.model.id == item["companyId"])
    offices = rec.model.companyOfficeAddresses.results
    assert len(offices) == 120
    text = squash(pdf_text(out / item["files"]["pdf"]["path"]))
    assert squash(offices[-1].address1) in text and squash(offices[-1].city) in text


@pytest.mark.parametrize("rec", records(), ids=lambda r: r.model.id)
def test_workbook_has_a_sheet_per_section_with_one_row_per_item(built, rec):
    _, out, manifest = built
    item = next(i for i in manifest["items"] if i["companyId"] == rec.model.id)
    wb = openpyxl.load_workbook(out / item["files"]["xlsx"]["path"])
    assert len(SECTIONS) == 14
    assert {"Summary", "Flags"} <= set(wb.sheetnames)
    for spec in SECTIONS:
        ws = wb[spec.sheet_name]
        source = getattr(rec.model, spec.api_field)
        items = source.results if hasattr(source, "results") else source
        rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
        assert len(rows) == len(items), spec.key
        assert [c.value for c in ws[1]] == [c.header for c in sheet_columns(spec)]
