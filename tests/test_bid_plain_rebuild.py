"""A plain ``reporter build`` into a folder a bid-package build made (the saved sample, offline): the
manifest keeps ``bidPackages``, ``bidLeveling``, ``awardRecommendations`` and
``bidPackageSources``; a rebuilt bidder's packet still checks its own bid; a bidder rebuilt from a
changed record is marked ``rebuiltVerdict`` with one note saying the award predates it; an unchanged
record is not rebuilt at all; ``reporter verify`` still checks the award files."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from reporter.cli import main
from reporter.jsonio import dumps_exact, loads_exact

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "bid-package"
BID_KEYS = ("bidPackages", "bidLeveling", "awardRecommendations", "bidPackageSources")


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("BUILDINGCONNECTED_BASE_URL", "http://127.0.0.1:9/construction/buildingconnected/v2")
    monkeypatch.setenv("TRADETAPP_BASE_URL", "http://127.0.0.1:9/v2")


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


@pytest.fixture
def bid_folder(tmp_path, offline):
    out = tmp_path / "award"
    assert main(["build", str(SAMPLE), "--out", str(out), "--jobs", "1", "-q", "--formats", "pdf,json"]) == 0
    return out


def _lowest_qualified(manifest: dict) -> tuple[dict, dict]:
    (pkg,) = manifest["bidPackages"]
    row = next(b for b in pkg["bidders"] if b["companyId"] == pkg["lowestQualified"])
    return pkg, row


def test_plain_rebuild_keeps_the_bid_data_and_the_bidders_own_bid(bid_folder, tmp_path, capsys):
    before = _manifest(bid_folder)
    pkg, row = _lowest_qualified(before)
    record = loads_exact((SAMPLE / f"{row['companyId']}.json").read_text())
    record["updatedAt"] = "2026-11-30T09:00:00.000Z"  # a refreshed submission: the qualification lapsed
    record["qualification"]["status"] = "EXPIRED"
    changed = tmp_path / "refreshed.json"
    changed.write_text(dumps_exact(record))
    other = tmp_path / "not-a-bidder.json"
    from tests.fakes.records import make_record

    other.write_text(dumps_exact(make_record(42)))
    capsys.readouterr()
    code = main(["build", str(changed), str(other), "--out", str(bid_folder), "--jobs", "1", "--formats", "pdf,json"])
    err = capsys.readouterr().err
    assert code == 0, err
    after = _manifest(bid_folder)
    for key in BID_KEYS[1:]:
        assert after[key] == before[key], key
    (kept,) = after["bidPackages"]
    assert {k: v for k, v in kept.items() if k != "bidders"} == {k: v for k, v in pkg.items() if k != "bidders"}
    rows = {b["inviteId"]: b for b in kept["bidders"]}
    for was in pkg["bidders"]:  # every invite still there, as the award shows it
        now = dict(rows[was["inviteId"]])
        rebuilt = now.pop("rebuiltVerdict", None)
        assert now == was
        assert (rebuilt == "red") == (was["companyId"] == row["companyId"]), was["companyName"]
    # the note: the award recommendation was made before this packet was rebuilt
    notes = [line for line in err.splitlines() if line.startswith("note: the award recommendation")]
    assert len(notes) == 1 and row["companyName"] in notes[0] and "26 00 00 Electrical" in notes[0]
    assert "reporter build --bid-package" in notes[0]
    # the rebuilt packet still checks the bidder's own bid, in the project's currency
    item = next(i for i in after["items"] if i["companyId"] == row["companyId"])
    report = json.loads((bid_folder / item["files"]["json"]["path"]).read_text())
    price = Decimal(row["leveledTotal"] or row["total"])
    assert Decimal(str(report["project"]["value"])) == price and report["verdict"] == "red"
    assert f"Award (USD): {price:,.2f}" in _pdf_text(bid_folder / row["packet"])
    # a company that is no bidder is built as any plain build builds it: no award
    newcomer = next(i for i in after["items"] if i["companyId"] == make_record(42)["id"])
    assert json.loads((bid_folder / newcomer["files"]["json"]["path"]).read_text())["project"]["value"] is None
    assert main(["verify", str(bid_folder)]) == 0


def test_an_unchanged_bidder_given_plain_is_not_rebuilt(bid_folder, tmp_path, capsys):
    before = _manifest(bid_folder)
    _, row = _lowest_qualified(before)
    alone = tmp_path / "alone"
    alone.mkdir()
    for f in SAMPLE.glob(f"{row['companyId']}*.json"):  # the record and its side files, as the bid build read them
        shutil.copy(f, alone)
    capsys.readouterr()
    assert main(["build", str(alone / f"{row['companyId']}.json"), "--out", str(bid_folder), "--jobs", "1",
                 "--formats", "pdf,json"]) == 0
    err = capsys.readouterr().err
    assert "built 0, unchanged 1" in err and "note: the award" not in err
    after = _manifest(bid_folder)
    assert after["bidPackages"] == before["bidPackages"]
    assert all(after[k] == before[k] for k in BID_KEYS)


def test_a_bid_package_build_makes_the_award_again(bid_folder, tmp_path, capsys):
    _, row = _lowest_qualified(_manifest(bid_folder))
    record = loads_exact((SAMPLE / f"{row['companyId']}.json").read_text())
    record["updatedAt"] = "2026-11-30T09:00:00.000Z"
    record["qualification"]["status"] = "EXPIRED"
    changed = tmp_path / "refreshed.json"
    changed.write_text(dumps_exact(record))
    assert main(["build", str(changed), "--out", str(bid_folder), "--jobs", "1", "-q", "--formats", "pdf,json"]) == 0
    # a second plain build of another company: the award is still out of date, and still said so
    from tests.fakes.records import make_record

    other = tmp_path / "other.json"
    other.write_text(dumps_exact(make_record(43)))
    assert main(["build", str(other), "--out", str(bid_folder), "--jobs", "1", "-q", "--formats", "pdf,json"]) == 0
    (pkg,) = _manifest(bid_folder)["bidPackages"]
    assert next(b for b in pkg["bidders"] if b["companyId"] == row["companyId"])["rebuiltVerdict"] == "red"
    # the bid-package build again (the saved sample's record): a fresh award, nothing out of date
    assert main(["build", str(SAMPLE), "--out", str(bid_folder), "--jobs", "1", "-q", "--formats", "pdf,json"]) == 0
    (pkg,) = _manifest(bid_folder)["bidPackages"]
    assert not any("rebuiltVerdict" in b for b in pkg["bidders"])
    assert pkg["lowestQualified"] == row["companyId"]
