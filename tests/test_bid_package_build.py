"""``reporter build --bid-package`` end to end against the loopback BuildingConnected and TradeTapp
fakes, and offline from the saved sample: every invite accounted for once in the manifest, the
bid-leveling workbook and the award PDF; each bidder's own price as its award; the red apparent low
never the lowest qualified; the offline fetch/build round trip."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest

from reporter import cli
from reporter.api.bid_package import load_package_dir
from reporter.jsonio import loads_exact
from tests.fakes.bc_scenario import make_bid_package_scenario
from tests.fakes.tradetapp import DEFAULT_TOKEN

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "bid-package"


@pytest.fixture
def main(monkeypatch, fast):
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("TRADETAPP_BASE_URL", raising=False)
    monkeypatch.delenv("BUILDINGCONNECTED_BASE_URL", raising=False)
    return cli.main


@pytest.fixture(scope="module")
def scenario():
    return make_bid_package_scenario(8)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def build_online(main, sc, out: Path, *extra: str, **fake_kwargs) -> int:
    with sc.tradetapp() as tt, sc.buildingconnected(**fake_kwargs) as bc:
        return main(["build", "--bid-package", sc.package_id, "--out", str(out), "--base-url", tt.base_url,
                     "--bc-base-url", bc.base_url, "--jobs", "1", "-q", "--as-of", "2026-11-28", *extra])


@pytest.fixture(scope="module")
def built(tmp_path_factory, scenario):
    """One online build shared by the read-only assertions below."""
    out = tmp_path_factory.mktemp("bp")
    mp = pytest.MonkeyPatch()
    try:
        import dataclasses

        from reporter.api.settings import ApiSettings

        original = ApiSettings.from_env.__func__
        mp.setattr(ApiSettings, "from_env", classmethod(lambda cls, base_url=None, **kw: dataclasses.replace(
            original(cls, base_url, **kw), backoff_base=0.005, requests_per_minute=1_000_000, timeout=5)))
        mp.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
        mp.delenv("TRADETAPP_BASE_URL", raising=False)
        code = build_online(cli.main, scenario, out)
    finally:
        mp.undo()
    assert code == 0
    return out, json.loads((out / "manifest.json").read_text())


def test_every_invite_once_in_the_manifest(built, scenario):
    out, manifest = built
    (pkg,) = manifest["bidPackages"]
    assert list(pkg) == ["id", "name", "number", "projectId", "projectName", "currency", "bidsDueAt",
                         "apparentLow", "lowestQualified", "bidders"]
    assert pkg["id"] == scenario.package_id and pkg["projectId"] == scenario.project_id
    assert pkg["projectName"] == "Mission Bay Medical Office Building" and pkg["currency"] == "USD"
    invites = sorted(b["inviteId"] for b in pkg["bidders"])
    assert invites == sorted(b.invite_id for b in scenario.bidders)
    by_role = {b.role: b for b in scenario.bidders}
    rows = {b["inviteId"]: b for b in pkg["bidders"]}
    ghost = rows[by_role["ghost"].invite_id]
    assert ghost["companyId"] is None and ghost["total"] is None and ghost["packet"] is None
    assert ghost["companyName"] == by_role["ghost"].company_name
    assert rows[by_role["not-bidding"].invite_id]["total"] is None
    assert rows[by_role["no-tradetapp"].invite_id]["verdict"] == "red"
    assert rows[by_role["no-tradetapp"].invite_id]["packet"] is None
    revised = rows[by_role["revised"].invite_id]
    assert Decimal(revised["total"]) == by_role["revised"].total
    assert Decimal(revised["leveledTotal"]) == by_role["revised"].leveled_total
    for row in pkg["bidders"]:
        if row["packet"]:
            assert (out / row["packet"]).is_file()


def test_red_apparent_low_is_not_the_lowest_qualified(built, scenario):
    _, manifest = built
    (pkg,) = manifest["bidPackages"]
    red, lq = scenario.bidder("red-low"), scenario.bidder("lowest-qualified")
    assert pkg["apparentLow"] == red.company_id
    assert pkg["lowestQualified"] == lq.company_id
    verdicts = {b["companyId"]: b["verdict"] for b in pkg["bidders"]}
    assert verdicts[red.company_id] == "red" and verdicts[lq.company_id] == "green"


def test_each_bidder_is_checked_against_its_own_price(built, scenario):
    out, manifest = built
    for b in scenario.bidders:
        if b.role not in ("lowest-qualified", "revised", "red-low"):
            continue
        item = next(i for i in manifest["items"] if i["companyId"] == b.company_id)
        pdf = pdf_text(out / item["files"]["pdf"]["path"])
        price = b.leveled_total if b.leveled_total is not None else b.total
        assert f"{price:,}" in pdf.replace("\n", " "), (b.role, price)


def test_workbook_lists_every_invite_sorted_by_price(built, scenario):
    out, _ = built
    wb = openpyxl.load_workbook(out / "bid-leveling.xlsx")
    assert wb.sheetnames == ["26 00 00 Electrical", "Line Items"]
    ws = wb["26 00 00 Electrical"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=False)) for r in ws.iter_rows(min_row=2)]
    assert sorted(r["Invite id"] for r in rows) == sorted(b.invite_id for b in scenario.bidders)
    priced = [r["Leveled total"] or r["Base total"] for r in rows if r["Base total"] is not None]
    assert priced == sorted(priced) and len(priced) == sum(1 for b in scenario.bidders if b.total is not None)
    assert rows[0]["Mark"] == "apparent low" and rows[0]["Verdict"] == "RED"
    lq = next(r for r in rows if r["Company id"] == scenario.bidder("lowest-qualified").company_id)
    assert lq["Mark"] == "lowest qualified" and lq["Delta to low"] > 0
    assert any(h.startswith("This bid / ") for h in header)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1" and ws.row_dimensions[1].height >= 30
    lines = wb["Line Items"]
    texts = [str(c.value) for row in lines.iter_rows() for c in row if c.value is not None]
    assert "Temporary power" in texts and "not included" not in texts[:6]
    plug_cells = [c for row in lines.iter_rows(min_row=2) for c in row if c.number_format.endswith('"(plug)"')]
    assert len(plug_cells) == 1 and plug_cells[0].value == scenario.bidder("revised").leveled_total - \
        scenario.bidder("revised").total


def test_award_pdf_names_both_and_the_difference(built, scenario):
    out, _ = built
    (pdf,) = out.glob("*_award-recommendation.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "Pages:          1" in info or "Pages: 1" in " ".join(info.split())
    text = " ".join(pdf_text(pdf).split())
    red, lq = scenario.bidder("red-low"), scenario.bidder("lowest-qualified")
    assert f"Apparent low: {red.company_name}" in text
    assert f"Lowest qualified: {lq.company_name}" in text
    assert f"${lq.total - red.total:,.2f}" in text
    for b in scenario.bidders:
        assert text.count(b.company_name) >= 1, b.company_name
    assert "Reason the apparent low was passed over" in text
    reader = pypdf.PdfReader(pdf)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part[^0-9]{1,3}3", xmp) and re.search(rb"pdfaid:conformance[^A-Z]{1,3}B", xmp)
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0


def test_award_pdf_table_is_symbol_free_and_reads_in_words(built, scenario):
    """Issue 16: the bidders table carries figures under "amounts in USD" (no "$" in a cell; the
    summary sentence keeps the locale's style), and no enum code reaches the reader."""
    out, _ = built
    (pdf,) = out.glob("*_award-recommendation.pdf")
    text = " ".join(pdf_text(pdf).split())
    table, summary = text.split("Top reason", 1)[1].split("Apparent low:", 1)
    red = scenario.bidder("red-low")
    assert "amounts in USD" in text
    assert f"{red.total:,.2f}" in table
    # the bid column is symbol-free; a "$" in the table can only be inside a quoted reason (prose)
    for b in scenario.bidders:
        if getattr(b, "total", None):
            assert f"${b.total:,.2f}" not in table, b.company_name
    assert "$" in summary
    assert not re.search(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text)
    assert not re.search(r"\b(AUDITED|REVIEWED|COMPILED)\b", text)


def test_sample_builds_offline_and_fetch_round_trips(main, tmp_path, scenario, monkeypatch):
    out = tmp_path / "offline"
    monkeypatch.setenv("BUILDINGCONNECTED_BASE_URL", "http://127.0.0.1:9/construction/buildingconnected/v2")
    monkeypatch.setenv("TRADETAPP_BASE_URL", "http://127.0.0.1:9/v2")
    assert main(["build", str(SAMPLE), "--out", str(out), "--jobs", "1", "-q"]) == 0
    (pkg,) = json.loads((out / "manifest.json").read_text())["bidPackages"]
    assert len(pkg["bidders"]) == 6 and pkg["apparentLow"] != pkg["lowestQualified"] is not None
    saved = tmp_path / "saved"
    with scenario.tradetapp() as tt, scenario.buildingconnected() as bc:
        assert main(["fetch", "--bid-package", scenario.package_id, "--out", str(saved), "--base-url", tt.base_url,
                     "--bc-base-url", bc.base_url, "-q"]) == 0
    (data,) = load_package_dir(saved)
    assert len(data.invites) == len(scenario.bidders)
    assert data.qualifications[scenario.bidder("no-tradetapp").company_id] is None
    assert loads_exact((saved / f"{scenario.bidder('red-low').company_id}.json").read_text())["id"]
    rebuilt = tmp_path / "rebuilt"
    assert main(["build", "--bid-package-dir", str(saved), "--out", str(rebuilt), "--jobs", "1", "-q",
                 "--as-of", "2026-11-28"]) == 0
    (again,) = json.loads((rebuilt / "manifest.json").read_text())["bidPackages"]
    assert again["lowestQualified"] == scenario.bidder("lowest-qualified").company_id


def test_bad_bid_package_id_is_one_line(main, capsys, tmp_path):
    assert main(["build", "--bid-package", "not-an-id", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "not a BuildingConnected bid package id" in err and "Traceback" not in err


def _addresses(msg, *headers):
    from email.utils import getaddresses

    return {a.lower() for _, a in getaddresses([v for h in headers for v in msg.get_all(h, [])])}


def test_send_project_team_addresses_exactly_the_team(built, scenario, tmp_path, main):
    from email import policy
    from email.parser import BytesParser

    out, _ = built
    eml = tmp_path / "award.eml"
    assert main(["send", str(out), "--project-team", "--dry-run", str(eml), "--from", "gc@acme.example"]) == 0
    msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert _addresses(msg, "To", "Cc") == scenario.recipients
    assert len(msg.get_all("To")[0].split(",")) == len(scenario.recipients)  # de-duplicated
    subject = " ".join(str(msg["Subject"]).split())
    red, lq = scenario.bidder("red-low"), scenario.bidder("lowest-qualified")
    assert "26 00 00 Electrical" in subject and red.company_name in subject and lq.company_name in subject
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert f"apparent low {red.company_name}" in " ".join(body.split())
    names = {p.get_filename() for p in msg.iter_attachments()}
    assert "bid-leveling.xlsx" in names and any(n.endswith("_award-recommendation.pdf") for n in names)
    external = tmp_path / "ext.eml"
    assert main(["send", str(out), "--project-team", "--include-external", "--cc", "ESTIMATING@acme.example",
                 "--dry-run", str(external), "--from", "gc@acme.example"]) == 0
    msg = BytesParser(policy=policy.default).parsebytes(external.read_bytes())
    assert _addresses(msg, "To") == scenario.recipients | {"olga@owner-rep.example"}
    assert _addresses(msg, "Cc") == {"estimating@acme.example"}


def _package_data(sc, package_id, project_index=0):
    from reporter.api.bid_package import PackageData, latest_bids

    pkg = next(p for p in sc.bc.bid_packages if p["id"] == package_id)
    project = next(p for p in sc.bc.projects if p["id"] == pkg["projectId"])
    return PackageData(project, pkg, [i for i in sc.bc.invites if i["bidPackageId"] == package_id],
                       latest_bids([b for b in sc.bc.bids if b["bidPackageId"] == package_id]), [])


def test_award_pdf_stays_one_page_with_30_bidders(tmp_path):
    from reporter.config import BuildConfig
    from reporter.render.award import render_award
    from reporter.render.bid_rows import BidderFacts, build_view

    sc = make_bid_package_scenario(30)
    facts = {b.company_id: BidderFacts(verdict="amber", top_reasons=["Insurance certificate " * 12])
             for b in sc.bidders if b.company_id}
    view = build_view(_package_data(sc, sc.package_id), facts, {}, {}, now=sc.now)
    assert len(view.rows) == 30 and view.lowest_qualified is view.apparent_low
    assert view.lowest_qualified.mark == "apparent low + lowest qualified (with conditions)"
    pdf = tmp_path / "award.pdf"
    pdf.write_bytes(render_award(view, BuildConfig(out_dir=tmp_path)))
    assert len(pypdf.PdfReader(pdf).pages) == 1
    text = " ".join(pdf_text(pdf).split())
    assert all(b.company_name in text for b in sc.bidders)


def test_sealed_bids_are_said_to_be_sealed():
    from reporter.render.bid_rows import build_view

    sc = make_bid_package_scenario(6)
    view = build_view(_package_data(sc, sc.sealed_package_id), {}, {}, {}, now=sc.now)
    assert view.sealed and view.apparent_low is None and len(view.rows) == 2
    assert all(r.price is None and r.status == "bid sealed until the due date" for r in view.rows)


def test_verify_checks_the_award_files(built, main, capsys):
    out, manifest = built
    listed = {e["path"] for e in manifest["bidPackageSources"]}
    assert any(p.startswith("sources/bc-team.") for p in listed)
    assert main(["verify", str(out)]) == 0
    assert "not listed" not in capsys.readouterr().err


def test_bidders_packets_judge_their_financials_and_the_gcs_flags(main, tmp_path, monkeypatch):
    """A bid build reads each bidder's TradeTapp financials and the GC's own flags, as a plain build of
    the same files does: the packet's report carries TradeTapp's analysis, and verify checks the side
    files kept in sources/."""
    monkeypatch.setenv("TRADETAPP_BASE_URL", "http://127.0.0.1:9/v2")
    monkeypatch.setenv("BUILDINGCONNECTED_BASE_URL", "http://127.0.0.1:9/construction/buildingconnected/v2")
    out = tmp_path / "award"
    assert main(["build", str(SAMPLE), "--out", str(out), "--jobs", "1", "-q", "--formats", "pdf,json",
                 "--as-of", "2026-11-28"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    with_side = {p.name.split(".")[0] for p in SAMPLE.glob("*.financials.json")}
    assert with_side
    for item in manifest["items"]:
        if item["companyId"] not in with_side:
            continue
        report = json.loads((out / item["files"]["json"]["path"]).read_text())
        assert report["tradetapp"] is not None, item["companyId"]
        assert item.get("sideRecords"), item["companyId"]
    plain = tmp_path / "plain"
    cid = sorted(with_side)[0]
    for f in SAMPLE.glob(f"{cid}*.json"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    assert main(["build", str(tmp_path / f"{cid}.json"), "--out", str(plain), "--jobs", "1", "-q",
                 "--formats", "json", "--as-of", "2026-11-28"]) == 0
    (alone,) = json.loads((plain / "manifest.json").read_text())["items"]
    bid_item = next(i for i in manifest["items"] if i["companyId"] == cid)
    assert json.loads((plain / alone["files"]["json"]["path"]).read_text())["tradetapp"] == \
        json.loads((out / bid_item["files"]["json"]["path"]).read_text())["tradetapp"]
    assert main(["verify", str(out)]) == 0


def test_award_pdf_uses_one_typeface_footer_included(built):
    """The page footer (a margin box) inherits the page's typeface instead of falling back to a serif."""
    out, _ = built
    (pdf,) = out.glob("*_award-recommendation.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    families = {line.split()[0].split("+", 1)[-1].split("-")[0] for line in fonts if line.strip()}
    assert families == {"DejaVu"}, families
