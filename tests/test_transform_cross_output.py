"""The PDF, the workbook and the report JSON show the same numbers for one record.

Summit Electrical (samples/summit-electrical-large.json) with an award of 4,500,000 USD:
- 3-year TRIR pooled over 2023-2025 = 1.8328 (JSON, 4 decimals) -> "1.83" on page one and in the
  Summary sheet rounded to 2 decimals;
- EMR latest 1.04 (2025);
- internal single limit 40,000,000 USD -> "Internal single limit (USD) 40,000,000.00" in the packet;
- award / single limit = 4,500,000 / 40,000,000 = 0.1125 -> "0.11x" on page one; backlog + award
  = 128,500,000 + 4,500,000 = 133,000,000 vs total limit 150,000,000 = 0.8867 -> "0.89x".
"""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from helpers import needs_tools, pdftotext

from reporter.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "summit-electrical-large.json"

pytestmark = needs_tools("pdftotext")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("cross")
    status = main(["build", str(SAMPLE), "--out", str(out), "--formats", "pdf,xlsx,json",
                   "--as-of", "2026-11-28", "--project-value", "4500000", "-q"])
    assert status == 0
    item = json.loads((out / "manifest.json").read_text())["items"][0]
    files = {fmt: out / entry["path"] for fmt, entry in item["files"].items()}
    doc = json.loads(files["json"].read_text())
    wb = openpyxl.load_workbook(files["xlsx"])
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=2, values_only=True) if row[0]}
    text = pdftotext(files["pdf"])
    return doc, summary, text


def cell(summary: dict, *words: str):
    """The Summary value whose label holds every one of ``words`` (labels may be reworded)."""
    hits = [v for k, v in summary.items() if all(w.lower() in str(k).lower() for w in words)]
    assert hits, f"no Summary row labelled with {words}: {list(summary)}"
    return hits[0]


def test_three_year_trir(outputs):
    doc, summary, text = outputs
    trir = D(doc["safety"]["threeYear"]["trir"])
    assert trir == D("1.8328") and doc["safety"]["threeYear"]["years"] == [2023, 2024, 2025]
    assert round(D(str(cell(summary, "TRIR", "pooled"))), 2) == D("1.83")
    assert "1.83" in text


def test_emr_latest(outputs):
    doc, summary, text = outputs
    assert doc["safety"]["emrLatest"] == {"year": 2025, "value": "1.04"}
    assert D(str(cell(summary, "EMR latest"))) == D("1.04")
    assert "EMR 1.04 in 2025" in text


def test_internal_single_limit(outputs):
    doc, summary, text = outputs
    assert doc["amounts"]["internalSingleLimit"] == {"amount": "40000000", "currency": "USD", "converted": None}
    assert cell(summary, "Internal single limit") == 40000000
    # A table's amounts are symbol-free under their currency (one money style per context).
    assert re.search(r"Internal single limit \(USD\)\s+40,000,000\.00", text)


def test_capacity_ratios(outputs):
    doc, summary, text = outputs
    cap = {c["key"]: c for c in doc["capacity"]}
    assert cap["singleLimit"]["ratio"] == "0.1125" and cap["singleLimit"]["exceeded"] is False
    assert cap["totalLimit"]["measured"] == "133000000" and cap["totalLimit"]["ratio"] == "0.8867"
    assert round(D(str(cell(summary, "single limit", "ratio"))), 4) == D("0.1125")
    assert round(D(str(cell(summary, "total limit", "ratio"))), 4) == D("0.8867")
    assert "0.11x" in text and "0.89x" in text
