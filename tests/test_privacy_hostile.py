"""Issue 14 item 1: no full tax id leaves the machine, whatever key or JSON type carries it.

A hostile record hides tax ids under keys the models do not know (``ownerSSN``, ``SIN``, ``itin``,
``employerIdentificationNumber``, ``businessNumber``...), in nested items (a contact's ``ssn``), in
lists and objects below a tax-looking key (``taxIds: [...]``, ``tin: {"value": ...}``) and as a JSON
number with a fraction (``federalTaxId: 654321987.0``, a US_SSN). A real ``python -m reporter build``
writes the PDF, the workbook and the report JSON; every byte of every file is searched: the files
themselves, the PDF's text (pdftotext), the files embedded in the PDF (pypdf) and the workbooks'
cells (openpyxl), the kept ``sources/`` copy and the manifest.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLE, ROOT
from pypdf import PdfReader

from reporter.jsonio import dumps_exact

# Each hostile id, as written in the record; none shares 5 digits in a row with another.
IDS = {
    "federalTaxId": "654321987",  # written as the JSON number 654321987.0
    "contact ssn": "521-44-7301",
    "ownerSSN": "583920174",
    "applicantSsn": "602813945",  # a JSON integer
    "SIN": "046 454 286",
    "itin": "912-70-3388",
    "employerIdentificationNumber": "36-7145209",
    "businessNumber": "881234565RT0001",
    "taxIds[0]": "731-55-0162",
    "taxIds[1]": "744913605",  # a JSON integer inside a list
    "tin.value": "419-27-6650",
    "tin.history[0]": "428807716",
    "office owner_ssn": "637-20-9154",
    "question applicant SSN": "671-94-2283",
    "qualification fein": "45-9981720",
}


def hostile_record() -> dict:
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    raw.update(
        taxIdType="US_SSN",
        federalTaxId=Decimal("654321987.0"),
        ownerSSN=IDS["ownerSSN"],
        applicantSsn=int(IDS["applicantSsn"]),
        SIN=IDS["SIN"],
        itin=IDS["itin"],
        employerIdentificationNumber=IDS["employerIdentificationNumber"],
        businessNumber=IDS["businessNumber"],
        taxIds=[IDS["taxIds[0]"], int(IDS["taxIds[1]"])],
        tin={"value": IDS["tin.value"], "history": [int(IDS["tin.history[0]"])], "verified": True},
    )
    raw["companyContacts"][0]["ssn"] = IDS["contact ssn"]
    raw["companyOfficeAddresses"]["results"][0]["owner_ssn"] = IDS["office owner_ssn"]
    raw["customQuestions"]["results"][0]["applicant SSN"] = IDS["question applicant SSN"]
    raw["qualification"]["fein"] = IDS["qualification fein"]
    return raw


def forms(tax_id: str) -> set[str]:
    """The id as written and as its digits alone (``521-44-7301`` and ``521447301``)."""
    digits = re.sub(r"\D", "", tax_id)
    return {tax_id, digits} if len(digits) >= 8 else {tax_id}


def workbook_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def readable(out: Path) -> dict[str, str]:
    """Everything a reader of the folder could see, by where it was found."""
    seen: dict[str, str] = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file():
            continue
        rel = str(p.relative_to(out))
        data = p.read_bytes()
        seen[rel] = data.decode("latin-1")
        if p.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(p), "-"], capture_output=True, check=True).stdout
            seen[f"{rel} (text)"] = text.decode("utf-8", "replace")
            for name, contents in PdfReader(p).attachments.items():
                for blob in contents:
                    seen[f"{rel} embedded {name}"] = blob.decode("latin-1")
                    if name.endswith(".xlsx"):
                        seen[f"{rel} embedded {name} (cells)"] = workbook_text(blob)
                        z = zipfile.ZipFile(io.BytesIO(blob))
                        seen[f"{rel} embedded {name} (xml)"] = "".join(z.read(n).decode("utf-8") for n in z.namelist())
        if p.suffix == ".xlsx":
            seen[f"{rel} (cells)"] = workbook_text(data)
            z = zipfile.ZipFile(p)
            seen[f"{rel} (xml)"] = "".join(z.read(n).decode("utf-8") for n in z.namelist())
    return seen


def build(tmp_path: Path, *extra: str) -> tuple[Path, dict]:
    raw = hostile_record()
    src = tmp_path / "hostile.json"
    src.write_text(dumps_exact(raw), encoding="utf-8")
    assert "654321987.0" in src.read_text()  # the number really is a JSON number with a fraction
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "reporter", "build", str(src), "--out", str(out), "--formats", "pdf,xlsx,json",
         "--jobs", "1", "-q", *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return out, raw


@pytest.fixture(scope="module")
def masked_build(tmp_path_factory):
    return build(tmp_path_factory.mktemp("masked"))


def test_no_full_tax_id_in_any_output(masked_build):
    out, _ = masked_build
    seen = readable(out)
    assert any(k.startswith("sources/") for k in seen) and any(k.endswith("(cells)") for k in seen)
    assert any("embedded" in k and k.endswith(".source.json") for k in seen)
    leaks = [(what, form, where) for what, tax_id in IDS.items() for form in forms(tax_id)
             for where, text in seen.items() if form in text]
    assert leaks == []


def test_every_hostile_id_is_kept_to_its_last_4(masked_build):
    out, _ = masked_build
    (kept,) = (out / "sources").glob("*.json")
    doc = json.loads(kept.read_text(), parse_float=Decimal)
    assert doc["federalTaxId"] == "*****1987" and doc["taxIdType"] == "US_SSN"
    assert doc["companyContacts"][0]["ssn"] == "*******7301"
    assert doc["applicantSsn"] == "*****3945"
    assert doc["taxIds"] == ["*******0162", "*****3605"]
    assert doc["tin"] == {"value": "*******6650", "history": ["*****7716"], "verified": True}
    assert doc["qualification"]["fein"] == "******1720"
    report = json.loads(next(p for p in out.glob("*.json") if p.name != "manifest.json").read_text())
    assert report["company"]["federalTaxId"] == "*****1987"
    assert report["otherFields"]["SIN"] == "******* 286"  # the last 4 characters, as written


def test_show_tax_id_keeps_them_whole(tmp_path):
    out, raw = build(tmp_path, "--show-tax-id")
    (kept,) = (out / "sources").glob("*.json")
    assert json.loads(kept.read_text(), parse_float=Decimal) == raw
    embedded = [c[0] for n, c in PdfReader(next(out.glob("*.pdf"))).attachments.items() if n.endswith(".source.json")]
    assert json.loads(embedded[0], parse_float=Decimal) == raw
    cells = workbook_text(next(out.glob("*.xlsx")).read_bytes())
    assert IDS["contact ssn"] in cells and IDS["ownerSSN"] in cells
