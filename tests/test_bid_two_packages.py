"""A company invited to two bid packages of one project, one bid on each (``--bc-project`` against the
loopback BuildingConnected and TradeTapp fakes): one qualification packet per company, whose award
is the sum of its bids and whose project line names each package's bid; each package's rows
(manifest ``bidPackages``, ``bid-leveling.xlsx``, its award PDF) price that package's bid alone."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reporter import cli
from tests.fakes.bc_scenario import make_bid_package_scenario
from tests.fakes.tradetapp import DEFAULT_TOKEN

SINGLE_LIMIT = Decimal(4_000_000)  # every scenario bidder's internal single limit


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


@pytest.fixture(scope="module")
def scenario():
    return make_bid_package_scenario(8, second_package=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory, scenario):
    from reporter.api.settings import ApiSettings

    out = tmp_path_factory.mktemp("two")
    mp = pytest.MonkeyPatch()
    original = ApiSettings.from_env.__func__
    mp.setattr(ApiSettings, "from_env", classmethod(lambda cls, base_url=None, **kw: dataclasses.replace(
        original(cls, base_url, **kw), backoff_base=0.005, requests_per_minute=1_000_000, timeout=5)))
    mp.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    mp.delenv("TRADETAPP_BASE_URL", raising=False)
    try:
        with scenario.tradetapp() as tt, scenario.buildingconnected() as bc:
            code = cli.main(["build", "--bc-project", scenario.project_id, "--out", str(out), "--base-url",
                             tt.base_url, "--bc-base-url", bc.base_url, "--jobs", "1", "-q", "--as-of", "2026-11-28"])
    finally:
        mp.undo()
    assert code == 0
    return out, json.loads((out / "manifest.json").read_text())


def _price(b) -> Decimal:
    return b.leveled_total if b.leveled_total is not None else b.total


def test_one_packet_per_company_and_each_package_lists_its_own_bid(built, scenario):
    out, manifest = built
    packages = {p["id"]: p for p in manifest["bidPackages"]}
    assert set(packages) == {scenario.package_id, scenario.second_package_id}
    lq = scenario.bidder("lowest-qualified")
    assert [i["companyId"] for i in manifest["items"]].count(lq.company_id) == 1
    rows = {pid: {b["companyId"]: b for b in p["bidders"]} for pid, p in packages.items()}
    electrical, comms = rows[scenario.package_id][lq.company_id], rows[scenario.second_package_id][lq.company_id]
    assert Decimal(electrical["total"]) == lq.total
    assert Decimal(comms["total"]) == scenario.second_bids[lq.company_id]
    assert electrical["packet"] == comms["packet"] and (out / comms["packet"]).is_file()
    second = packages[scenario.second_package_id]
    assert second["apparentLow"] == scenario.bidder("red-low").company_id
    assert second["lowestQualified"] == lq.company_id
    assert len(second["bidders"]) == 3


def _sheet_rows(ws):
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, [c.value for c in r], strict=False)) for r in ws.iter_rows(min_row=2)]


def test_each_package_sheet_checks_capacity_against_that_packages_bid(built, scenario):
    out, _ = built
    wb = openpyxl.load_workbook(out / "bid-leveling.xlsx")
    assert wb.sheetnames == ["26 00 00 Electrical", "27 00 00 Communications", "Line Items"]
    for sheet, price_of in (("26 00 00 Electrical", lambda b: _price(b)),
                            ("27 00 00 Communications", lambda b: scenario.second_bids[b.company_id])):
        header, rows = _sheet_rows(wb[sheet])
        (single,) = [h for h in header if h and h.startswith("This bid / ") and "single limit" in h]
        for role in ("lowest-qualified", "revised"):
            b = scenario.bidder(role)
            row = next(r for r in rows if r["Company id"] == b.company_id)
            price = price_of(b)
            assert Decimal(str(row["Leveled total"] or row["Base total"])) == price, (sheet, role)
            assert float(row[single]) == pytest.approx(float(price / SINGLE_LIMIT), abs=0.005), (sheet, role)


def test_each_award_pdf_prices_its_own_package(built, scenario):
    out, manifest = built
    awards = manifest["awardRecommendations"]
    lq, red = scenario.bidder("lowest-qualified"), scenario.bidder("red-low")
    comms = pdf_text(out / awards[scenario.second_package_id]["path"])
    assert "27 00 00 Communications" in comms
    assert f"Lowest qualified: {lq.company_name} at ${scenario.second_bids[lq.company_id]:,.2f}" in comms
    assert f"Apparent low: {red.company_name} at ${scenario.second_bids[red.company_id]:,.2f}" in comms
    assert f"{lq.total:,}" not in comms  # the Electrical bid is not claimed on Communications
    electrical = pdf_text(out / awards[scenario.package_id]["path"])
    assert f"Lowest qualified: {lq.company_name} at ${lq.total:,.2f}" in electrical
    assert f"{scenario.second_bids[lq.company_id]:,}" not in electrical


def test_the_packet_names_each_packages_bid_and_checks_their_sum(built, scenario):
    out, manifest = built
    lq = scenario.bidder("lowest-qualified")
    item = next(i for i in manifest["items"] if i["companyId"] == lq.company_id)
    text = pdf_text(out / item["files"]["pdf"]["path"])
    both = lq.total + scenario.second_bids[lq.company_id]
    # the project line wraps beside the company facts, so its pieces are looked for one by one
    assert f"Mission Bay Medical Office Building · award = both bids: 26 00 00 Electrical {lq.total:,} +" in text
    assert f"Communications {scenario.second_bids[lq.company_id]:,} USD" in text
    assert f"Award (USD): {both:,.2f}" in text
    # a company on one package only: its packet is priced at its one bid, with no such line
    only = next(b for b in scenario.bidders if b.role == "qualified")
    item = next(i for i in manifest["items"] if i["companyId"] == only.company_id)
    text = pdf_text(out / item["files"]["pdf"]["path"])
    assert f"Award (USD): {_price(only):,.2f}" in text and "award =" not in text
