"""Batch runs (issue 9): many companies, worker processes, skip unchanged, failures isolated,
killed runs resumable, project file names, `reporter verify`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES
from pypdf import PdfReader

from reporter.cli import main
from reporter.fsio import sha256_bytes
from reporter.jsonio import dumps_exact
from tests.fakes.records import make_record, make_records
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults


@pytest.fixture
def fast_api(monkeypatch, fast):
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("TRADETAPP_BASE_URL", raising=False)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def test_forty_companies_from_the_api_with_429s_then_a_rerun_builds_none(tmp_path, fast_api):
    records = make_records(40, big={7: (120, 75)})
    out = tmp_path / "out"
    with FakeTradeTapp(records, faults=Faults(rate_429=0.1, rate_500=0.05, seed=3, foreign_next_url=True)) as fake:
        argv = ["build", "--all", "--limit", "7", "--base-url", fake.base_url, "--out", str(out),
                "--formats", "json,xlsx", "--jobs", "2", "--as-of", "2026-11-28", "-q"]
        assert main(argv) == 0
        statuses = fake.statuses()
        assert statuses.get(429, 0) > 0
        assert fake.evil.requests == []
        m = manifest(out)
        assert len(m["items"]) == 40
        assert sorted(i["companyId"] for i in m["items"]) == sorted(r["id"] for r in records)
        assert all(i["status"] == "ok" for i in m["items"])
        big = next(i for i in m["items"] if i["companyId"] == records[6]["id"])
        report = json.loads((out / big["files"]["json"]["path"]).read_text())
        assert len(report["sections"]["offices"]) == 120 and len(report["sections"]["customQuestions"]) == 75
        assert m["leveling"]["path"] == "leveling.xlsx"
        mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

        # Re-run: every source is unchanged, so nothing is rebuilt and no packet file is touched.
        assert main(argv) == 0
        again = manifest(out)
        assert len(again["items"]) == 40 and all(i["status"] == "ok" for i in again["items"])
        packets = [p for p in out.iterdir() if p.is_file() and p.name not in ("manifest.json", "leveling.xlsx") and not p.name.startswith(".")]
        assert len(packets) == 80
        for p in packets:
            assert p.stat().st_mtime_ns == mtimes[p.name], p.name

        # One record changes upstream: only it is rebuilt. --force rebuilds all.
        changed = make_record(12, name="Renamed Twelve Inc", updated_at=None)
        changed["updatedAt"] = "2026-11-01T00:00:00.000Z"
        fake.upsert(changed)
        assert main(argv) == 0
        after = {i["companyId"]: i for i in manifest(out)["items"]}
        assert after[changed["id"]]["companyName"] == "Renamed Twelve Inc"


def test_one_invalid_record_fails_alone(tmp_path, fast_api, capsys):
    records = make_records(40)
    records[9]["updatedAt"] = "1700000000"  # a digit string is not a timestamp
    out = tmp_path / "out"
    with FakeTradeTapp(records, faults=Faults(rate_429=0.1, seed=5)) as fake:
        status = main(["build", "--all", "--base-url", fake.base_url, "--out", str(out), "--formats", "json",
                       "--jobs", "2", "-q"])
    assert status == 1
    items = manifest(out)["items"]
    assert len(items) == 40
    bad = [i for i in items if i["status"] == "error"]
    assert [i["companyId"] for i in bad] == [records[9]["id"]]
    assert "updatedAt" in bad[0]["error"]
    assert sum(1 for i in items if i["status"] == "ok") == 39
    err = capsys.readouterr().err
    assert "failed 1 of 40" in err and "Traceback" not in err


def test_a_company_that_keeps_failing_is_in_the_manifest(tmp_path, fast_api):
    records = make_records(6)
    out = tmp_path / "out"
    with FakeTradeTapp(records, faults=Faults(failing_companies={records[2]["id"]})) as fake:
        ids = [r["id"] for r in records]
        status = main(["build", *sum((["--company", i] for i in ids), []), "--base-url", fake.base_url,
                       "--out", str(out), "--formats", "json", "--jobs", "1", "-q"])
    assert status == 1
    items = {i["companyId"]: i for i in manifest(out)["items"]}
    assert items[records[2]["id"]]["status"] == "error"
    assert "500" in items[records[2]["id"]]["error"] or "server" in items[records[2]["id"]]["error"].lower()
    assert sum(1 for i in items.values() if i["status"] == "ok") == 5


def test_project_file_names_and_verify(tmp_path, capsys):
    out = tmp_path / "out"
    inputs = [str(SAMPLES / "gr8-builders.json"), str(SAMPLES / "list-page-two-subs.json")]
    assert main(["build", *inputs, "--out", str(out), "--formats", "json,xlsx", "--project-number", "24-117",
                 "--project-name", "Mission Tower", "--as-of", "2026-11-28", "--jobs", "1", "-q"]) == 0
    names = sorted(p.name for p in out.glob("*.json") if p.name != "manifest.json")
    assert "24-117_gr8-builders_PreQual_2026-11-28.json" in names
    assert all(n.startswith("24-117_") and n.endswith("_PreQual_2026-11-28.json") for n in names)
    assert main(["verify", str(out)]) == 0
    # A custom pattern, and a tampered file found by verify.
    out2 = tmp_path / "out2"
    assert main(["build", *inputs, "--out", str(out2), "--formats", "json", "--name-pattern",
                 "{uniqueId}-{companyName}", "--jobs", "1", "-q"]) == 0
    assert (out2 / "98h2fbd84k9s322chr-gr8-builders.json").exists()
    victim = next(p for p in out2.glob("*.json") if p.name != "manifest.json")
    victim.write_bytes(victim.read_bytes()[:-10])
    capsys.readouterr()
    assert main(["verify", str(out2)]) == 1
    assert victim.name in capsys.readouterr().err
    assert main(["build", *inputs, "--out", str(tmp_path / "o3"), "--name-pattern", "{nope}"]) == 2


def test_same_company_twice_is_built_once(tmp_path, capsys):
    # Issue 14 item 11: the same record given twice yields one packet (it used to yield two, "-2").
    out = tmp_path / "out"
    ex = str(SAMPLES / "gr8-builders.json")
    assert main(["build", ex, ex, "--out", str(out), "--formats", "json", "--force", "--jobs", "1"]) == 0
    files = sorted(p.name for p in out.glob("*.json") if p.name != "manifest.json")
    assert files == ["gr8-builders_59d2b8660675250927442cbf.json"]
    assert "1 duplicate input(s) of the same record built once" in capsys.readouterr().err
    assert len(json.loads((out / "manifest.json").read_text())["items"]) == 1


def test_same_company_twice_with_different_data_fails_the_second(tmp_path, capsys):
    ex = json.loads((SAMPLES / "gr8-builders.json").read_text())
    newer = dict(ex, updatedAt="2026-11-01T00:00:00Z")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(ex))
    b.write_text(json.dumps(newer))
    out = tmp_path / "out"
    assert main(["build", str(a), str(b), "--out", str(out), "--formats", "json", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "b.json: company 59d2b8660675250927442cbf is also in" in err and "with different data" in err
    assert len(list(out.glob("gr8-builders*.json"))) == 1


def test_killed_run_leaves_whole_files_and_the_next_run_finishes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for n in range(1, 13):
        (src / f"{n:02d}.json").write_text(dumps_exact(make_record(n, offices=40, questions=30)))
    out = tmp_path / "out"
    inputs = sorted(map(str, src.glob("*.json")))
    # A named pipe as the fourth input: reading it blocks until a writer comes, which never
    # happens, so the run cannot finish before it is killed, however fast the machine.
    gate = tmp_path / "gate.json"
    os.mkfifo(gate)
    cmd = [sys.executable, "-m", "reporter", "build", "--out", str(out),
           "--formats", "pdf,xlsx", "--jobs", "1", "--pdf-variant", "none", "-q"]
    proc = subprocess.Popen([*cmd, *inputs[:3], str(gate), *inputs[3:]], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if len(manifest(out)["items"]) >= 1:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = manifest(out)["items"]
    assert 1 <= len(done) <= 3 < 12, "the run should have been killed halfway"
    # Every file on disk with a packet name is whole: PDFs parse, workbooks are complete zips.
    for pdf in out.glob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 1
    import zipfile
    for x in out.glob("*.xlsx"):
        assert zipfile.ZipFile(x).testzip() is None
    listed = {e["path"] for i in done for e in i["files"].values()}
    for p in listed:
        assert (out / p).exists()
    # The next run builds only what is missing.
    r = subprocess.run([*cmd[:-1], *inputs], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = manifest(out)
    assert len(m["items"]) == 12 and all(i["status"] == "ok" for i in m["items"])
    assert f"unchanged {len(done)}" in r.stderr
    assert not list(out.glob(".*.part"))
    assert main(["verify", str(out)]) == 0
    for i in m["items"]:
        for e in i["files"].values():
            assert sha256_bytes((out / e["path"]).read_bytes()) == e["sha256"]


def test_progress_bar_on_a_terminal_plain_lines_otherwise(tmp_path):
    import pty
    import select

    inputs = [str(SAMPLES / "gr8-builders.json"), str(SAMPLES / "redline-concrete.json")]
    cmd = [sys.executable, "-m", "reporter", "build", *inputs, "--formats", "json", "--jobs", "1"]
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([*cmd, "--out", str(tmp_path / "tty")], stdin=secondary, stdout=secondary,
                            stderr=secondary, env=dict(os.environ, COLUMNS="100", TERM="xterm"))
    os.close(secondary)
    seen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=60)
    os.close(primary)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "building" in text and "2/2" in text  # rich's bar with its count
    plain = subprocess.run([*cmd, "--out", str(tmp_path / "pipe")], capture_output=True, text=True)
    assert plain.returncode == 0
    assert "\x1b[" not in plain.stderr and "building" not in plain.stderr
    assert "built Gr8 Builders: RED" in plain.stderr and "built 2, unchanged 0, failed 0 of 2" in plain.stderr


def test_a_record_that_kills_its_worker_fails_alone(tmp_path, monkeypatch, capsys):
    import reporter.pipeline

    real = reporter.pipeline.render_packet

    def crashing(source, config, name):
        if source.model.companyName == "Redline Concrete Contractors, Inc.":
            os._exit(3)  # what a segfault in a native library looks like to the pool
        return real(source, config, name)

    # Patched before the pool forks, so the workers (and any replacement pool) inherit it.
    monkeypatch.setattr(reporter.pipeline, "render_packet", crashing)
    inputs = [str(p) for p in sorted(SAMPLES.glob("*.json"))]
    out = tmp_path / "out"
    assert main(["build", *inputs, "--out", str(out), "--formats", "json", "--jobs", "2", "-q"]) == 1
    items = manifest(out)["items"]
    failed = [i for i in items if i["status"] == "error"]
    assert [i["companyName"] for i in failed] == ["Redline Concrete Contractors, Inc."]
    assert "worker process died" in failed[0]["error"]
    assert sum(i["status"] == "ok" for i in items) == len(items) - 1 >= 8


def test_a_new_name_pattern_rebuilds(tmp_path):
    out = tmp_path / "out"
    ex = str(SAMPLES / "gr8-builders.json")
    assert main(["build", ex, "--out", str(out), "--formats", "json", "--jobs", "1", "-q"]) == 0
    assert main(["build", ex, "--out", str(out), "--formats", "json", "--jobs", "1", "-q",
                 "--name-pattern", "{uniqueId}"]) == 0
    (item,) = manifest(out)["items"]
    assert item["files"]["json"]["path"] == "98h2fbd84k9s322chr.json"


def test_an_incremental_run_keeps_the_folders_other_packets_listed(tmp_path):
    out = tmp_path / "out"
    a, b = str(SAMPLES / "gr8-builders.json"), str(SAMPLES / "redline-concrete.json")
    assert main(["build", a, b, "--out", str(out), "--formats", "json,xlsx", "--jobs", "1", "-q"]) == 0
    # A later run (say --updated-since last) sees only the first company.
    assert main(["build", a, "--out", str(out), "--formats", "json,xlsx", "--jobs", "1", "-q", "--force"]) == 0
    items = manifest(out)["items"]
    assert [i["companyName"] for i in items] == ["Gr8 Builders", "Redline Concrete Contractors, Inc."]
    assert items[1]["fromEarlierRun"] is True and "fromEarlierRun" not in items[0]
    assert main(["verify", str(out)]) == 0
    import openpyxl

    rows = list(openpyxl.load_workbook(out / "leveling.xlsx").active.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows if r[0]) == ["Gr8 Builders", "Redline Concrete Contractors, Inc."]


def _write(path: Path, record: dict) -> str:
    path.write_text(dumps_exact(record))
    return str(path)


def _listed_files_match(out: Path) -> None:
    """Every file the manifest lists has the bytes it says, and no two items share a file."""
    m = manifest(out)
    paths = [e["path"] for i in m["items"] for e in [*i["files"].values(), *([i["sourceRecord"]] if i.get("sourceRecord") else [])]]
    assert len(paths) == len(set(paths)), paths
    for p, e in ((e["path"], e) for i in m["items"] for e in i["files"].values()):
        assert sha256_bytes((out / p).read_bytes()) == e["sha256"], p


def test_same_name_in_a_later_run_does_not_overwrite_an_earlier_company(tmp_path):
    # Two different companies whose names slug alike, built in different runs into one folder.
    a = _write(tmp_path / "a.json", make_record(1, name="Acme Builders"))
    b = _write(tmp_path / "b.json", make_record(2, name="ACME  builders!"))
    out = tmp_path / "out"
    argv = ["--out", str(out), "--formats", "json", "--name-pattern", "{companyName}", "--jobs", "1", "-q"]
    assert main(["build", a, *argv]) == 0
    first = (out / "acme-builders.json").read_bytes()
    assert main(["build", b, *argv]) == 0
    assert (out / "acme-builders.json").read_bytes() == first  # company 1's packet is still its own
    items = {i["companyName"]: i for i in manifest(out)["items"]}
    assert set(items) == {"Acme Builders", "ACME  builders!"}
    assert items["ACME  builders!"]["files"]["json"]["path"] == "acme-builders-2.json"
    _listed_files_match(out)
    assert main(["verify", str(out)]) == 0


def test_a_skipped_company_keeps_its_suffixed_name_to_itself(tmp_path):
    # Run 1 names A "acme", B "acme-2". Run 2 sees B first (unchanged: skipped, keeps acme-2) and a
    # changed A, which must not take B's "acme-2".
    rec_a, rec_b = make_record(1, name="Acme"), make_record(2, name="Acme")
    out = tmp_path / "out"
    argv = ["--out", str(out), "--formats", "json", "--name-pattern", "{companyName}", "--jobs", "1", "-q"]
    a, b = _write(tmp_path / "a.json", rec_a), _write(tmp_path / "b.json", rec_b)
    assert main(["build", a, b, *argv]) == 0
    rec_a["updatedAt"] = "2026-11-01T00:00:00.000Z"
    rec_a["numberOfHomeOfficeEmployees"] = 99
    a = _write(tmp_path / "a.json", rec_a)
    assert main(["build", b, a, *argv]) == 0
    items = {i["companyId"]: i for i in manifest(out)["items"]}
    assert items[rec_b["id"]]["files"]["json"]["path"] == "acme-2.json"
    assert items[rec_a["id"]]["files"]["json"]["path"] == "acme.json"
    _listed_files_match(out)


def test_a_company_named_like_the_manifest_or_leveling_workbook(tmp_path):
    out = tmp_path / "out"
    a = _write(tmp_path / "a.json", make_record(1, name="Manifest"))
    b = _write(tmp_path / "b.json", make_record(2, name="Leveling"))
    assert main(["build", a, b, "--out", str(out), "--formats", "json,xlsx", "--name-pattern", "{companyName}",
                 "--jobs", "1", "-q"]) == 0
    m = manifest(out)
    assert m["reporterVersion"] and len(m["items"]) == 2
    assert {e["path"] for i in m["items"] for e in i["files"].values()}.isdisjoint({"manifest.json", "leveling.xlsx"})
    _listed_files_match(out)
    assert main(["verify", str(out)]) == 0


def test_a_run_killed_midway_keeps_the_earlier_companies_listed(tmp_path, monkeypatch):
    import reporter.batch

    out = tmp_path / "out"
    recs = [make_record(n) for n in range(1, 5)]
    paths = [_write(tmp_path / f"{n}.json", r) for n, r in enumerate(recs)]
    argv = ["--out", str(out), "--formats", "json", "--jobs", "1", "-q"]
    assert main(["build", *paths, *argv]) == 0
    # An incremental run sees only the first two (changed) companies and is killed after the first.
    for r in recs[:2]:
        r["updatedAt"] = "2026-11-01T00:00:00.000Z"
    paths = [_write(tmp_path / f"{n}.json", r) for n, r in enumerate(recs)]
    monkeypatch.setattr(reporter.batch, "MANIFEST_INTERVAL", 0)
    real = reporter.batch.build_task
    calls = []

    def killed_after_one(task):
        if calls:
            raise KeyboardInterrupt
        calls.append(task)
        return real(task)

    monkeypatch.setattr(reporter.batch, "build_task", killed_after_one)
    assert main(["build", *paths[:2], *argv]) == 130
    listed = {i["companyId"] for i in manifest(out)["items"]}
    assert {recs[2]["id"], recs[3]["id"]} <= listed  # not touched by the killed run: still indexed
    monkeypatch.setattr(reporter.batch, "build_task", real)
    assert main(["build", *paths[:2], *argv]) == 0
    items = manifest(out)["items"]
    assert len(items) == 4 and all(i["status"] == "ok" for i in items)
    _listed_files_match(out)


def test_verify_a_file_listed_twice_an_unreadable_entry_and_unlisted_files(tmp_path, capsys):
    out = tmp_path / "out"
    a = _write(tmp_path / "a.json", make_record(1))
    b = _write(tmp_path / "b.json", make_record(2))
    assert main(["build", a, b, "--out", str(out), "--formats", "json", "--jobs", "1", "-q"]) == 0
    (out / "old-name.json").write_text("{}")  # e.g. a packet of an earlier naming
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    err = capsys.readouterr().err
    assert "not listed in the manifest: old-name.json" in err
    doc = manifest(out)
    doc["items"][1]["files"]["json"] = dict(doc["items"][0]["files"]["json"])  # two companies, one file
    (out / "sub").mkdir()
    doc["items"][1]["files"]["pdf"] = {"path": "sub", "sha256": "0", "bytes": 1}
    (out / "manifest.json").write_text(json.dumps(doc))
    assert main(["verify", str(out)]) == 1
    err = capsys.readouterr().err
    assert "listed more than once" in err and "sub: cannot be read" in err
    assert "internal error" not in err and "Traceback" not in err
    (out / "manifest.json").write_text("[]")
    assert main(["verify", str(out)]) == 1
    assert "not a reporter manifest" in capsys.readouterr().err


def test_a_changed_stylesheet_rebuilds(tmp_path, capsys):
    out = tmp_path / "out"
    style = tmp_path / "gc.css"
    style.write_text("h1 { color: navy; }")
    argv = ["build", str(SAMPLES / "gr8-builders.json"), "--out", str(out), "--formats", "html", "--style", str(style),
            "--jobs", "1"]
    assert main(argv) == 0
    style.write_text("h1 { color: darkred; }")
    capsys.readouterr()
    assert main(argv) == 0
    assert "built 1, unchanged 0" in capsys.readouterr().err
    assert "darkred" in next(out.glob("*.html")).read_text()


def test_no_worker_processes_falls_back_to_building_in_process(tmp_path, monkeypatch, caplog):
    # Seen in a chroot without /dev/shm: multiprocessing's semaphores fail with PermissionError.
    import concurrent.futures

    from reporter import batch_pool

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    with caplog.at_level("WARNING", logger="reporter.batch"):
        assert batch_pool.make_pool(2) is None
    assert "cannot start 2 worker processes (PermissionError" in caplog.text
    out = tmp_path / "out"
    ex = str(SAMPLES / "gr8-builders.json")
    assert main(["build", ex, "--out", str(out), "--formats", "json", "--jobs", "2", "-q"]) == 0
    assert (out / "manifest.json").exists()


def test_a_record_over_its_time_limit_fails_alone(tmp_path, monkeypatch):
    # Issue 14 item 7: each record's render has a time limit; the next record is still built.
    import asyncio
    import dataclasses
    import time as _time

    from reporter import pipeline
    from reporter.api.saved import load_file
    from reporter.batch import run_batch
    from reporter.config import BuildConfig
    from reporter.transform.model import ReportContext

    real = pipeline.render_packet

    def slow_for_gr8(source, config, name):
        if source.model.companyName == "Gr8 Builders":
            _time.sleep(5)  # stands for a hostile record's layout; interrupted by the limit
        return real(source, config, name)

    monkeypatch.setattr(pipeline, "render_packet", slow_for_gr8)
    records = load_file(SAMPLES / "gr8-builders.json") + load_file(SAMPLES / "harbor-glazing.json")

    async def sources():
        for r in records:
            yield r.source, r

    config = BuildConfig(out_dir=tmp_path, formats=("json",), context=ReportContext(as_of=date(2026, 12, 1)))
    config = dataclasses.replace(config, record_seconds=0.5)
    started = _time.monotonic()
    # Worker processes (forked after the patch above): the limit is a SIGALRM in each worker's main thread.
    from reporter.batch_pool import make_pool

    pool = make_pool(2)
    try:
        outcome = asyncio.run(run_batch(sources(), config, jobs=2, pool=pool))
    finally:
        pool.shutdown()
    assert _time.monotonic() - started < 4.5  # the 5 s sleep was cut short
    by_name = {i.company_name: i for i in outcome.items}
    assert not by_name["Gr8 Builders"].ok and "gave up after 0.5 s" in by_name["Gr8 Builders"].error
    assert by_name["Harbor Glazing & Curtain Wall LLC"].ok
