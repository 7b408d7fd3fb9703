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
    # Every extreme at once: long names, a long denial, long carriers, many coverages, many flags.
    d = copy.deepcopy(out["long-denial"])
    for key in ("companyName", "doingBusinessAsName", "companyTaxName"):
        d[key] = out["long-name"][key]
    d["qualification"]["summary"] = "Summary " * 120
    d["currentEstimatedBacklog"] = huge
    for c in d["insuranceCoverages"]:
        c["carrier"] = "Mutual Insurance Company of the Long Name " * 6
    d["insuranceCoverages"] += [
        {"insuranceType": "GENERAL_LIABILITY", "carrier": "C", "perOccurrenceLimit": 1, "aggregateLimit": 1,
         "policyExpirationDate": f"2026-{m:02d}-01"} for m in range(1, 12)]
    out["everything"] = d
    return out


@pytest.mark.parametrize("size", ["a4", "letter"])
@pytest.mark.parametrize("name", ["long-name", "long-denial", "huge", "everything"])
def test_page_one_stays_one_page(tmp_path, name, size):
    src = tmp_path / f"{name}.json"
    src.write_text(json.dumps(_variants()[name]), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(src), "--out", str(out), "--formats", "pdf", "-q", "--page-size", size, *PROJECT]) == 0
    pdf = next(out.glob("*.pdf"))
    first = pdftotext(pdf, "-f", "1", "-l", "1", "-layout")
    second = pdftotext(pdf, "-f", "2", "-l", "2", "-layout")
    assert "Reviewed by" in first  # the sign-off closes page one, not page two
    assert "Reviewed by" not in second and "Company" in second.split("\n", 3)[-1]  # page two: the details
    assert "100000000000.0B" not in first
    assert "1000000.0B" not in first


def test_the_fit_shortens_in_order_and_measures_each_try():
    """A fake layout that fits only with at most 3 flags and short carriers: flags are tried first
    (binary search), then the carriers shortened and the flags searched again."""
    from reporter.render.page_one_fit import Fit, fit_page_one

    tried = []

    def render(fit: Fit) -> str:
        tried.append(fit)
        return f"{fit.flags}|{fit.carrier_max}"

    def pages(html: str) -> int:
        flags, carrier = html.split("|")
        return 1 if carrier != "None" and flags != "None" and int(flags) <= 3 else 2

    fit, layouts = fit_page_one(render, 10, pages)
    assert fit.flags == 3 and fit.carrier_max is not None and fit.name_max is None
    assert layouts == len(tried) and tried[0] == Fit()


def test_page_size_follows_the_locale_unless_given():
    from reporter.render.options import default_page_size

    assert default_page_size("en_US") == "letter" and default_page_size("en_CA") == "letter"
    assert default_page_size("fr_CA") == "letter" and default_page_size("en_GB") == "a4"
    assert default_page_size("de_DE") == "a4" and default_page_size(None) == "a4"
