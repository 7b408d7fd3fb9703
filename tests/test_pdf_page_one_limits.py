"""Page one stays one page and readable when the record's text or figures are extreme."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from helpers import needs_tools, pdftotext

from reporter.cli import main
from reporter.limits import MAX_AMOUNT

pytestmark = needs_tools("pdftotext")
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "summit-electrical-large.json"
PROJECT = ["--as-of", "2026-11-28", "--project-value", "2000000", "--project-end", "2027-09-30"]


def _variants() -> dict[str, dict]:
    base = json.loads(SAMPLE.read_text(encoding="utf-8"))
    out = {}
    d = copy.deepcopy(base)
    d["companyName"] = "W" * 300
    d["doingBusinessAsName"] = "Long DBA " * 30
    d["companyTaxName"] = "Tax " * 60
    out["long-name"] = d
    d = copy.deepcopy(base)
    d["qualification"]["status"] = "DENIED"
    d["qualification"]["denialReason"] = "Denied because " + "lots of reasons here " * 150
    d["insuranceCoverages"][0]["carrier"] = "Very long carrier name " * 40
    d["insuranceCoverages"] += [
        {"insuranceType": f"EXTRA_{i}", "carrier": "Carrier " * 10, "perOccurrenceLimit": 1000,
         "aggregateLimit": 2000, "policyExpirationDate": "2027-12-31"} for i in range(20)]
    out["long-denial"] = d
    d = copy.deepcopy(base)
    # The largest figure a record may hold (issue 14: 1e20 is now refused at read, see test_limits).
    huge = float(MAX_AMOUNT)
    d["currentEstimatedBacklog"] = huge
    d["qualification"]["internalSingleLimit"] = huge
    d["suretyAggregateBondingCapacity"] = huge
    d["insuranceCoverages"][0]["perOccurrenceLimit"] = huge
    out["huge"] = d
    return out


@pytest.mark.parametrize("name", ["long-name", "long-denial", "huge"])
def test_page_one_stays_one_page(tmp_path, name):
    src = tmp_path / f"{name}.json"
    src.write_text(json.dumps(_variants()[name]), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(src), "--out", str(out), "--formats", "pdf", "-q", *PROJECT]) == 0
    pdf = next(out.glob("*.pdf"))
    first = pdftotext(pdf, "-f", "1", "-l", "1", "-layout")
    assert "Reviewed by" in first  # the sign-off closes page one, not page two
    assert "100000000000.0B" not in first
    assert "1000000.0B" not in first
