"""The side files a build keeps in ``sources/`` (a record's TradeTapp financials and flags) are listed
in the manifest with their SHA-256 and size, and ``reporter verify`` checks them like the packets;
an older manifest without them still verifies, and a rebuild lists them."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from conftest import SAMPLES

from reporter.cli import main
from reporter.deliver.manifest import read_manifest

RECORD = "northern-lights-mechanical"  # saved with both a .financials.json and a .flags.json


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    for suffix in (".json", ".financials.json", ".flags.json"):
        shutil.copy(SAMPLES / f"{RECORD}{suffix}", src / f"{RECORD}{suffix}")
    shutil.copy(SAMPLES / "redline-concrete.json", src)  # no side files
    out = tmp_path_factory.mktemp("built") / "out"
    assert main(["build", str(src / f"{RECORD}.json"), str(src / "redline-concrete.json"), "--out", str(out),
                 "--as-of", "2026-11-28", "--formats", "json", "--jobs", "1", "-q"]) == 0
    return out


@pytest.fixture
def folder(built, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(built, copy)
    return copy


def _item(folder, name):
    return next(i for i in read_manifest(folder).items if name in (i.input or ""))


def test_the_side_files_kept_in_sources_are_listed_with_sha256_and_size(folder):
    item = _item(folder, RECORD)
    assert sorted(item.side_records) == ["financials", "flags"]
    for key, entry in item.side_records.items():
        path = folder / entry.path
        assert entry.path.startswith("sources/") and entry.path.endswith(f".{key}.json")
        assert entry.bytes == path.stat().st_size
        assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert _item(folder, "redline").side_records == {}
    raw = json.loads((folder / "manifest.json").read_text())
    listed = next(i for i in raw["items"] if RECORD in i["input"])
    assert set(listed["sideRecords"]) == {"financials", "flags"}
    assert all("sideRecords" not in i for i in raw["items"] if "redline" in i["input"])


def test_verify_passes_without_a_note_about_the_side_files(folder, capsys):
    assert main(["verify", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "not listed" not in err


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_changed_or_missing_side_file_fails_verify_by_name(folder, capsys, damage):
    entry = _item(folder, RECORD).side_records["flags"]
    path = folder / entry.path
    if damage == "changed":
        path.write_bytes(path.read_bytes().replace(b"{", b"{ ", 1))
    else:
        path.unlink()
    assert main(["verify", str(folder)]) == 1
    err = capsys.readouterr().err
    problem = [line for line in err.splitlines() if entry.path in line]
    assert len(problem) == 1
    assert ("missing" if damage == "missing" else "manifest says") in problem[0]
    assert "1 of" in err  # one file failed, the rest verified


def _strip_side_records(folder):
    doc = json.loads((folder / "manifest.json").read_text())
    for item in doc["items"]:
        item.pop("sideRecords", None)
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2))


def test_an_old_manifest_without_side_records_still_verifies(folder, capsys):
    _strip_side_records(folder)
    assert main(["verify", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "note:" in err and ".financials.json" in err  # beside the listed files, as before


def test_a_rebuild_over_an_old_manifest_lists_the_side_files(folder):
    _strip_side_records(folder)
    src = folder.parent / "in"
    src.mkdir()
    for suffix in (".json", ".financials.json", ".flags.json"):
        shutil.copy(SAMPLES / f"{RECORD}{suffix}", src / f"{RECORD}{suffix}")
    assert main(["build", str(src / f"{RECORD}.json"), "--out", str(folder), "--as-of", "2026-11-28",
                 "--formats", "json", "--jobs", "1", "-q"]) == 0
    assert sorted(_item(folder, RECORD).side_records) == ["financials", "flags"]
    assert main(["verify", str(folder)]) == 0
