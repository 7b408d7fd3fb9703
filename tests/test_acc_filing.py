"""`reporter file DIR`: a built folder filed into ACC Docs against the Data Management + OSS fake and
the BuildingConnected fake, over real HTTP on 127.0.0.1 (issue 19's "Done when" list)."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from conftest import SAMPLES

from reporter.api.http import Limits
from reporter.api.tokens import StaticToken
from reporter.cli import main
from reporter.deliver.acc_filing import Filer, FilingRequest, file_folder
from reporter.deliver.manifest import FileEntry, read_manifest
from reporter.deliver.manifest_acc import filed_entries
from tests.fakes.aps_data import READ_ONLY_TOKEN, ApsFaults, FakeApsData
from tests.fakes.bc_scenario import ACC_HUB, ACC_PROJECT, make_bid_package_scenario
from tests.fakes.tradetapp import DEFAULT_TOKEN

HUB, PROJECT = "b." + ACC_HUB, "b." + ACC_PROJECT
FAST = Limits(backoff_base=0.002, retry_cap_seconds=0.02, requests_per_minute=1_000_000, timeout=10)
INPUTS = ("gr8-builders.json", "redline-concrete.json")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "Concrete bids"
    inputs = [str(SAMPLES / n) for n in INPUTS]
    assert main(["build", *inputs, "--out", str(out), "--as-of", "2026-11-28", "--formats", "xlsx",
                 "--jobs", "1", "-q"]) == 0
    return out


@pytest.fixture
def folder(built, tmp_path):
    copy = tmp_path / "Concrete bids"
    shutil.copytree(built, copy)
    return copy


@pytest.fixture
def scenario():
    return make_bid_package_scenario(6)


@pytest.fixture
def bc(scenario):
    with scenario.buildingconnected(tokens=(DEFAULT_TOKEN, READ_ONLY_TOKEN)) as fake:
        yield fake


@pytest.fixture
def aps():
    with FakeApsData() as fake:
        fake.add_project(HUB, PROJECT)
        yield fake


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    for name in ("APS_BASE_URL", "BUILDINGCONNECTED_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _cli(folder, aps, bc, *extra):
    return main(["file", str(folder), "--aps-base-url", aps.base_url, "--bc-base-url", bc.base_url, *extra])


def _file(folder, aps, bc, *args):
    return _cli(folder, aps, bc, "--acc-hub", HUB, "--acc-project", ACC_PROJECT, *args)


def _run(folder, aps, bc, token=DEFAULT_TOKEN, **kwargs):
    request = FilingRequest(folder, hub=HUB, project=PROJECT, aps_base_url=aps.base_url, bc_base_url=bc.base_url,
                            **{k: v for k, v in kwargs.items() if k != "say"})
    return asyncio.run(file_folder(request, StaticToken(token), limits=FAST, say=kwargs.get("say", lambda _: None)))


def _target(aps, *names):
    folder = aps.hubs[HUB][PROJECT][0]
    for name in names:
        folder = next(u for u, f in aps.folders.items() if f["parent"] == folder and f["name"] == name)
    return folder


def _expected_names(folder):
    return sorted([e.path for e in filed_entries(read_manifest(folder))] + ["manifest.json"])


def _posts(aps, kind):
    return aps.requests_to("POST", rf"/data/v1/projects/[^/]+/{kind}")


def test_first_filing_creates_the_folder_path_and_one_item_per_file(folder, aps, bc, capsys):
    assert _file(folder, aps, bc) == 0
    out = capsys.readouterr().out
    target = _target(aps, "Prequalification", "Concrete bids")
    assert aps.folder_path(target) == "Project Files/Prequalification/Concrete bids"
    names = _expected_names(folder)
    assert len(names) >= 4  # two packets, the leveling workbook, the manifest
    assert sorted(aps.items_in(target)) == names
    assert all(len(i["versions"]) == 1 for i in aps.items.values())
    assert aps.orphan_storage() == []
    for name, item in aps.items_in(target).items():  # the bytes filed are the files
        stored = aps.objects[aps.versions[aps.items[item]["versions"][-1]]["storage"]]["data"]
        if name != "manifest.json":
            assert stored == (folder / name).read_bytes()
    filed = json.loads(aps.objects[aps.versions[aps.items[aps.items_in(target)["manifest.json"]]["versions"][0]]
                                   ["storage"]]["data"])
    assert "accFiling" not in filed and filed["items"]
    records = read_manifest(folder).acc_filing
    assert sorted(records) == names
    for path, rec in records.items():
        assert rec.filed and rec.project_id == PROJECT and rec.folder_id == target
        assert rec.item_id == aps.items_in(target)[path] and rec.version_id in aps.versions
    assert f"{len(names)} new, 0 new versions, 0 unchanged" in out
    assert main(["verify", str(folder), "-q"]) == 0  # the records do not disturb the folder's check
    # the BuildingConnected read: the projects and packages linked to this ACC project (bare UUID)
    for path in ("/v3/projects", "/v2/bid-packages"):
        asked = bc.requests_to(rf".*{path}")
        assert asked and asked[0].query["filter[currentAccLinkedProjectId]"] == ACC_PROJECT


def test_second_run_with_nothing_changed_uploads_nothing(folder, aps, bc, capsys):
    assert _file(folder, aps, bc) == 0
    before = (len(aps.requests), len(aps.s3.requests))
    manifest_before = (folder / "manifest.json").read_bytes()
    capsys.readouterr()
    assert _file(folder, aps, bc) == 0
    new = aps.requests[before[0]:]
    assert [r for r in new if r.method == "POST"] == []
    assert len(aps.s3.requests) == before[1]
    assert (folder / "manifest.json").read_bytes() == manifest_before
    assert f"0 new, 0 new versions, {len(_expected_names(folder))} unchanged" in capsys.readouterr().out


def test_one_changed_packet_makes_exactly_one_new_version_of_its_item(folder, aps, bc, tmp_path):
    assert _file(folder, aps, bc) == 0
    target = _target(aps, "Prequalification", "Concrete bids")
    items_before = dict(aps.items_in(target))
    changed = tmp_path / "inputs"
    changed.mkdir()
    for name in INPUTS:
        raw = json.loads((SAMPLES / name).read_text())
        if name == "redline-concrete.json":
            raw["currentEstimatedBacklog"] = (raw.get("currentEstimatedBacklog") or 0) + 1_234_567
            raw["updatedAt"] = "2026-11-27T10:00:00.000Z"
        (changed / name).write_text(json.dumps(raw))
    old = {e.path: e.sha256 for e in filed_entries(read_manifest(folder))}
    assert main(["build", *(str(changed / n) for n in INPUTS), "--out", str(folder), "--as-of", "2026-11-28",
                 "--formats", "xlsx", "--jobs", "1", "-q"]) == 0
    rebuilt = read_manifest(folder)
    now = {e.path: e.sha256 for e in filed_entries(rebuilt)}
    differ = sorted(p for p in now if old.get(p) != now[p])
    assert set(now) == set(old) and differ  # the same files, some of them rebuilt
    assert sorted(rebuilt.acc_filing) == sorted([*now, "manifest.json"])  # the build kept the ACC records
    assert _run(folder, aps, bc).count("version") == len(differ) + 1  # + the manifest
    assert aps.items_in(target) == items_before  # no new item
    versions = {name: len(aps.items[item]["versions"]) for name, item in items_before.items()}
    assert versions == {name: 2 if name in [*differ, "manifest.json"] else 1 for name in items_before}
    packet = next(p for p in differ if p.endswith(".xlsx") and "redline" in p.lower())
    tip = aps.versions[aps.items[items_before[packet]]["versions"][-1]]
    assert aps.objects[tip["storage"]]["data"] == (folder / packet).read_bytes()
    assert read_manifest(folder).acc_filing[packet].version_number == 2


def test_a_run_killed_between_upload_and_item_finishes_without_duplicates(folder, aps, bc, monkeypatch):
    real = Filer._attach
    calls = {"n": 0}

    async def killed(self, folder_id, p, storage):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the run dies after the second file's upload, before its item
        return await real(self, folder_id, p, storage)

    monkeypatch.setattr(Filer, "_attach", killed)
    with pytest.raises(KeyboardInterrupt):
        _run(folder, aps, bc)
    monkeypatch.setattr(Filer, "_attach", real)
    records = read_manifest(folder).acc_filing
    assert [r.state for r in records.values()].count("uploaded") == 1
    storage_posts = len(_posts(aps, "storage"))
    # and a killed run whose bytes the tool never recorded (the fake's seeded orphan)
    target = _target(aps, "Prequalification", "Concrete bids")
    aps.seed_orphan_upload(PROJECT, target, "manifest.json", b"{}")
    _run(folder, aps, bc)
    names = _expected_names(folder)
    assert sorted(aps.items_in(target)) == names
    assert all(len(i["versions"]) == 1 for i in aps.items.values())  # nothing filed twice
    assert len(_posts(aps, "storage")) - storage_posts == len(names) - 2  # the uploaded one was reused
    assert all(r.filed for r in read_manifest(folder).acc_filing.values())


def test_an_item_made_by_a_killed_run_is_adopted_not_versioned(folder, aps, bc):
    _run(folder, aps, bc)
    doc = json.loads((folder / "manifest.json").read_text())
    path = sorted(doc["accFiling"])[0]
    doc["accFiling"][path].update(state="uploaded", itemId=None, versionId=None)  # killed before the record
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2))
    outcome = _run(folder, aps, bc)
    assert _posts(aps, "versions") == [] and len(_posts(aps, "items")) == len(_expected_names(folder))
    assert read_manifest(folder).acc_filing[path].filed
    assert {p.action for p in outcome.planned if p.path != "manifest.json"} == {"skip"}


def test_429_and_500_are_survived_without_duplicates(folder, aps, bc):
    aps.faults = ApsFaults(seed=7, rate_429=0.15, rate_500=0.2)
    aps._rng.seed(7)
    _run(folder, aps, bc)
    aps.faults = ApsFaults()
    assert sorted(aps.items_in(_target(aps, "Prequalification", "Concrete bids"))) == _expected_names(folder)
    assert all(len(i["versions"]) == 1 for i in aps.items.values())
    statuses = [r.status for r in aps.requests]
    assert 429 in statuses and 500 in statuses
    assert any(r.method == "POST" and r.status == 500 for r in aps.requests)


def _lose_first_answer(aps, suffix):
    """The first request whose path ends with ``suffix`` is acted on, then its answer is lost."""
    original, done = aps._pick_fault, []

    def pick(path):
        if path.endswith(suffix) and not done:
            done.append(path)
            return "drop-after"
        return original(path)

    aps._pick_fault = pick
    return done


@pytest.mark.parametrize("suffix", ["/folders", "/storage", "/items", "/signeds3upload"])
def test_an_answer_lost_after_the_server_acted_makes_no_duplicate(folder, aps, bc, suffix):
    lost = _lose_first_answer(aps, suffix)
    _run(folder, aps, bc)
    assert lost
    target = _target(aps, "Prequalification", "Concrete bids")
    assert sorted(aps.items_in(target)) == _expected_names(folder)
    assert all(len(i["versions"]) == 1 for i in aps.items.values())
    assert [f["name"] for f in aps.folders.values()].count("Prequalification") == 1


def test_a_lost_answer_to_a_new_version_makes_no_second_version(folder, aps, bc):
    _run(folder, aps, bc)
    doc = json.loads((folder / "manifest.json").read_text())
    path = next(p for p in doc["accFiling"] if p != "manifest.json")
    doc["accFiling"][path]["sha256"] = "0" * 64  # filed with other bytes: a new version is due
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2))
    lost = _lose_first_answer(aps, "/versions")
    _run(folder, aps, bc)
    assert lost
    item = aps.items_in(_target(aps, "Prequalification", "Concrete bids"))[path]
    assert len(aps.items[item]["versions"]) == 2


def test_signed_s3_urls_never_see_the_bearer_token_and_big_files_go_in_parts(folder, aps, bc):
    outcome = _run(folder, aps, bc, part_size=2048)
    assert aps.s3.requests and not aps.s3.rejected
    assert all("authorization" not in r.headers for r in aps.s3.requests)
    assert len(aps.s3.requests) > len(outcome.planned)  # several parts per file
    target = _target(aps, "Prequalification", "Concrete bids")
    for name, item in aps.items_in(target).items():
        if name != "manifest.json":
            storage = aps.versions[aps.items[item]["versions"][0]]["storage"]
            assert aps.objects[storage]["data"] == (folder / name).read_bytes()


@pytest.mark.parametrize("where", ["shared", "inside"])
def test_the_bidder_shared_docs_folder_is_refused(folder, aps, bc, scenario, capsys, where):
    root = aps.hubs[HUB][PROJECT][0]
    shared = aps.add_folder(PROJECT, root, "Bid Documents")
    bc.data.bid_packages[0]["currentAccDocsFolderId"] = shared
    path = "Project Files/Bid Documents" + ("/Prequal" if where == "inside" else "")
    assert _file(folder, aps, bc, "--folder", path) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "shared with every bidder" in err and "bid package Electrical" in err
    assert [r for r in aps.requests if r.method == "POST"] == [] and not aps.s3.requests
    assert _file(folder, aps, bc, "--folder", path, "--dry-run") == 2  # dry runs refuse it too


def test_the_projects_docs_folder_is_refused_whatever_the_mode(folder, aps, bc, scenario, capsys):
    shared = aps.add_folder(PROJECT, aps.hubs[HUB][PROJECT][0], "Shared")
    bc.data.projects[0]["currentAccDocsFolderId"] = shared
    assert _file(folder, aps, bc, "--folder", "Project Files/Shared/{package}") == 2
    assert "project Mission Bay Medical Office Building" in capsys.readouterr().err


def test_a_read_only_token_gets_a_clear_message(folder, aps, bc, monkeypatch, capsys):
    monkeypatch.setenv("APS_ACCESS_TOKEN", READ_ONLY_TOKEN)
    assert _file(folder, aps, bc, "--dry-run") == 0  # looking needs only data:read
    capsys.readouterr()
    assert _file(folder, aps, bc) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "data:write data:create" in err and "reporter login --acc-upload" in err
    assert aps.items == {}


def test_dry_run_lists_create_version_and_skip_and_changes_nothing(folder, aps, bc, capsys):
    assert _file(folder, aps, bc, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would create folder: Project Files/Prequalification" in out
    assert out.count("would create: ") == len(_expected_names(folder))
    assert [r for r in aps.requests if r.method == "POST"] == [] and "accFiling" not in (folder / "manifest.json").read_text()
    _run(folder, aps, bc)
    target = _target(aps, "Prequalification", "Concrete bids")
    leveling = next(n for n in aps.items_in(target) if n.startswith("leveling"))
    doc = json.loads((folder / "manifest.json").read_text())
    doc["accFiling"][leveling]["sha256"] = "0" * 64  # as if filed with other bytes
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2))
    capsys.readouterr()
    assert _file(folder, aps, bc, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would version: Project Files/Prequalification/Concrete bids/{leveling}" in out
    assert out.count("would skip: ") == len(_expected_names(folder)) - 1


def test_bid_package_mode_takes_hub_and_project_from_the_packages_acc_link(folder, aps, bc, scenario, capsys):
    doc = json.loads((folder / "manifest.json").read_text())
    doc["bidPackages"] = [{"id": scenario.package_id, "projectId": scenario.project_id, "name": "Electrical",
                           "number": "26 00 00"}]
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2))
    assert _cli(folder, aps, bc) == 0, capsys.readouterr().err
    target = _target(aps, "Prequalification", "26 00 00 Electrical")
    assert sorted(aps.items_in(target)) == _expected_names(folder)
    assert bc.requests_to(rf".*/bid-packages/{scenario.package_id}")


def test_usage_errors_are_one_line(folder, aps, bc, tmp_path, capsys):
    assert _cli(folder, aps, bc) == 2  # no bid package, no --acc-project
    assert "--acc-hub ID --acc-project ID" in capsys.readouterr().err
    assert _cli(folder, aps, bc, "--acc-hub", HUB) == 2
    assert _file(folder, aps, bc, "--folder", "Nope/{package}") == 1
    assert "no top folder 'Nope'" in capsys.readouterr().err
    assert _file(folder, aps, bc, "--folder", "Project Files/{pkg}") == 2
    assert _cli(tmp_path / "missing", aps, bc) == 2
    (folder / next(e.path for e in filed_entries(read_manifest(folder)))).write_bytes(b"tampered")
    capsys.readouterr()
    assert _file(folder, aps, bc) == 1
    err = capsys.readouterr().err
    assert "changed since it was built" in err and len(err.strip().splitlines()) == 1
    assert not aps.s3.requests


def test_every_file_option_is_in_the_readme(capsys):
    from conftest import ROOT

    with pytest.raises(SystemExit):
        main(["file", "--help"])
    import re

    options = set(re.findall(r"--[a-z][a-z-]*[a-z]", capsys.readouterr().out)) - {"--help", "--debug", "--quiet"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert options and not sorted(o for o in options if o not in readme)


def test_filed_entries_take_other_listed_files_but_never_kept_sources(folder):
    manifest = read_manifest(folder)
    # A bid-package folder's manifest lists these beside the items (reporter.bid_batch).
    manifest.bid_leveling = FileEntry("bid-leveling.xlsx", "a" * 64, 3)
    manifest.awards = {"p1": FileEntry("award.pdf", "b" * 64, 4)}
    manifest.bid_sources = [FileEntry("sources/raw.json", "c" * 64, 5)]
    paths = [e.path for e in filed_entries(manifest)]
    assert "bid-leveling.xlsx" in paths and "award.pdf" in paths
    assert not any(p.startswith("sources/") for p in paths)
    assert len(paths) == len(set(paths))


def test_signed_uploads_retry_5xx_and_refuse_plain_http_away_from_this_machine():
    import httpx

    from reporter.api.signed_s3 import SignedUploader
    from reporter.errors import UnsafeUrl

    seen = []

    def answer(request):
        seen.append(request)
        return httpx.Response(503 if len(seen) < 3 else 200)

    async def go():
        async with SignedUploader(transport=httpx.MockTransport(answer), sleep=lambda s: asyncio.sleep(0)) as s3:
            await s3.put_parts(["https://bucket.s3.example/part1?X-Amz-Signature=x"], [b"bytes"])
            with pytest.raises(UnsafeUrl):
                await s3.put("http://bucket.s3.example/part2", b"x", "part 2")

    asyncio.run(go())
    assert len(seen) == 3 and all("authorization" not in r.headers for r in seen)
    assert seen[-1].content == b"bytes"


def test_bid_package_mode_reads_the_projects_link_or_says_it_is_missing(folder, aps, bc, scenario, capsys):
    doc = json.loads((folder / "manifest.json").read_text())
    # The manifest's bidPackages as reporter build --bid-package writes them (README): a list.
    doc["bidPackages"] = [{"id": None, "name": "Electrical", "number": None, "projectId": scenario.project_id,
                           "projectName": None, "currency": "USD", "bidsDueAt": None, "apparentLow": None,
                           "lowestQualified": None, "bidders": []}]
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2))
    assert _cli(folder, aps, bc, "--dry-run") == 0, capsys.readouterr().err
    assert "Project Files/Prequalification/Electrical/" in capsys.readouterr().out
    assert bc.requests_to(rf".*/v3/projects/{scenario.project_id}")
    for obj in (*bc.data.projects, *bc.data.bid_packages):
        obj["currentAccLinkedProjectId"] = obj["currentAccLinkedHubId"] = None
    assert _cli(folder, aps, bc) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not linked to an ACC project" in err and "--acc-project" in err
    assert [r for r in aps.requests if r.method == "POST"] == []
