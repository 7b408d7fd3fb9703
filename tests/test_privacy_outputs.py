"""Tax ids leave the machine masked to their last 4 characters, in every output, unless
--show-tax-id: PDF text and its attachments, workbook cells, report JSON, HTML, kept sources."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal

import pytest
from conftest import SAMPLES
from helpers import pdftotext
from pypdf import PdfReader

from reporter.cli import main

SSN = "666428193"  # the sole proprietor in samples/list-page-two-subs.json (US_SSN)


def everything_written(out) -> bytes:
    """Every byte a user could read: files, PDF text, PDF attachments, the workbooks' XML."""
    blobs = []
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        data = p.read_bytes()
        blobs.append(data)
        if p.suffix == ".pdf":
            blobs.append(pdftotext(p).encode("utf-8"))
            for name, contents in PdfReader(p).attachments.items():
                blobs.extend(contents)
                if name.endswith(".xlsx"):
                    z = zipfile.ZipFile(__import__("io").BytesIO(contents[0]))
                    blobs.extend(z.read(n) for n in z.namelist())
        if p.suffix == ".xlsx":
            z = zipfile.ZipFile(p)
            blobs.extend(z.read(n) for n in z.namelist())
    return b"\n".join(blobs)


@pytest.fixture(scope="module")
def source():
    doc = json.loads((SAMPLES / "list-page-two-subs.json").read_text(), parse_float=Decimal)
    rec = next(r for r in doc["results"] if r["taxIdType"] == "US_SSN")
    assert rec["federalTaxId"] == SSN
    return rec


def test_masked_everywhere_by_default(tmp_path, source):
    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "list-page-two-subs.json"), "--out", str(out),
                 "--formats", "pdf,xlsx,json,html", "--jobs", "1", "-q"]) == 0
    blob = everything_written(out)
    assert SSN.encode() not in blob
    assert b"*****8193" in blob


def test_shown_in_full_when_asked(tmp_path, source):
    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "list-page-two-subs.json"), "--out", str(out),
                 "--formats", "pdf,json", "--show-tax-id", "--jobs", "1", "-q"]) == 0
    report = json.loads(next(out.glob("*keystone*.json")).read_text())
    assert report["company"]["federalTaxId"] == SSN
    pdf = next(out.glob("*keystone*.pdf"))
    (embedded,) = [c[0] for n, c in PdfReader(pdf).attachments.items() if n.endswith(".source.json")]
    assert json.loads(embedded, parse_float=Decimal) == source
