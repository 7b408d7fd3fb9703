"""Batch faults of issue 14: a bad record fails alone (item 3), one run per folder (item 2), an
earlier packet stays listed when its refresh fails (item 4), no writing or deleting through a
symlink in the output folder (item 5), workers die with the parent (item 6), OS errors in one
line (item 10). Real processes, real pipes, real symlinks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from reporter.cli import main
from reporter.jsonio import dumps_exact
from tests.fakes.polling import wait_for as _wait_for
from tests.fakes.records import make_record
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp

REPORTER = [sys.executable, "-m", "reporter"]


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _write(path: Path, record) -> str:
    path.write_text(record if isinstance(record, str) else dumps_exact(record))
    return str(path)




# --- item 3: every record's whole path inside its own error handling ---------------------------

def test_bad_records_fail_alone_and_the_summary_line_always_comes(tmp_path):
    good = [_write(tmp_path / f"good{n}.json", make_record(n)) for n in (1, 2, 3)]
    int_id = _write(tmp_path / "int-id.json", make_record(4, id=12345))
    float_name = _write(tmp_path / "float-name.json", make_record(5, companyName=Decimal("1.5")))
    deep = _write(tmp_path / "deep.json", '{"id": "x", "companyName": "Deep", "extra": ' + "[" * 10000 + "]" * 10000 + "}")
    nan = _write(tmp_path / "nan.json", dumps_exact(make_record(6)).rstrip()[:-1] + ', "unknownField": NaN}')
    page = _write(tmp_path / "page.json", dumps_exact({"results": [make_record(7), make_record(8, id=987)]}))
    out = tmp_path / "out"
    r = subprocess.run([*REPORTER, "build", good[0], int_id, good[1], float_name, deep, nan, good[2], page,
                        "--out", str(out), "--formats", "json", "--jobs", "1"], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("built 4, unchanged 0, failed ") and " of " in last
    items = manifest(out)["items"]
    ok = [i for i in items if i["status"] == "ok"]
    assert sorted(i["companyName"] for i in ok) == sorted(make_record(n)["companyName"] for n in (1, 2, 3, 7))
    failed = {i["input"].split(":")[0]: i for i in items if i["status"] == "error"}
    for bad in (int_id, float_name, deep, nan):
        assert bad in failed, (bad, list(failed))
        assert "\n" not in failed[bad]["error"]
        assert bad in last  # the summary line names the file
    # the bad record of the list page is named by its index
    (page_bad,) = [i for i in items if i["status"] == "error" and i["input"].startswith(page)]
    assert "results[1]" in page_bad["input"] + page_bad["error"]
    assert failed[int_id]["companyId"] is None  # never written as a number


# --- item 2: one run per folder ---------------------------------------------------------------

def _held_run(tmp_path: Path, out: Path) -> subprocess.Popen:
    """A build that takes the folder and then blocks on a named pipe: a live run, for as long as
    the test likes."""
    gate = tmp_path / "gate.json"
    os.mkfifo(gate)
    rec = _write(tmp_path / "held.json", make_record(1))
    proc = subprocess.Popen([*REPORTER, "build", rec, str(gate), "--out", str(out), "--formats", "json", "--jobs", "1",
                             "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    if not _wait_for(lambda: (out / ".reporter.lock").exists() and manifest(out)["items"], timeout=60):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("the run took no lock on its folder")
    return proc


def test_a_second_run_into_the_same_folder_fails_at_once_and_a_dead_runs_lock_is_taken_over(tmp_path):
    out = tmp_path / "out"
    holder = _held_run(tmp_path, out)
    try:
        lock = json.loads((out / ".reporter.lock").read_text())
        assert lock["pid"] == holder.pid and lock["processStart"]
        live_part = out / ".packet.pdf.abc123.part"  # what a live run's atomic write looks like
        live_part.write_bytes(b"half a packet")
        other = _write(tmp_path / "other.json", make_record(2))
        started = time.monotonic()
        r = subprocess.run([*REPORTER, "build", other, "--out", str(out), "--formats", "json", "--jobs", "1"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2
        assert time.monotonic() - started < 30
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "another reporter run" in lines[0] and str(holder.pid) in lines[0]
        assert str(out) in lines[0] and "Traceback" not in r.stderr
        assert live_part.exists()  # a live run's .part file is never removed
        assert [i["companyId"] for i in manifest(out)["items"]] == [make_record(1)["id"]]
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.communicate(timeout=30)
    # The holder died by kill -9: its lock file is still there, but stale; the next run takes it
    # over, removes the dead run's .part file, builds, and removes the lock when done.
    assert (out / ".reporter.lock").exists()
    assert main(["build", other, "--out", str(out), "--formats", "json", "--jobs", "1", "-q"]) == 0
    assert not live_part.exists() and not (out / ".reporter.lock").exists()
    assert make_record(2)["id"] in {i["companyId"] for i in manifest(out)["items"]}


def test_two_concurrent_runs_never_both_write(tmp_path):
    src = [_write(tmp_path / f"{n}.json", make_record(n, offices=30, questions=20)) for n in range(1, 9)]
    out = tmp_path / "out"
    cmd = ["--out", str(out), "--formats", "json,xlsx", "--jobs", "1", "-q"]
    a = subprocess.Popen([*REPORTER, "build", *src[:4], *cmd], stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen([*REPORTER, "build", *src[4:], *cmd], stderr=subprocess.PIPE, text=True)
    codes = sorted([a.wait(timeout=300), b.wait(timeout=300)])
    a.stderr.close()
    b.stderr.close()
    assert codes[0] == 0 and codes[1] in (0, 2)  # one ran; the other either came after or was refused
    assert main(["verify", str(out)]) == 0
    listed = {e["path"] for i in manifest(out)["items"] for e in i["files"].values()}
    on_disk = {p.name for p in out.glob("*.json") if p.name != "manifest.json"} | {p.name for p in out.glob("*.xlsx")}
    assert on_disk - {"leveling.xlsx"} == listed  # nothing unlisted, nothing corrupt


# --- item 4: an ok packet stays listed when a later run fails to refresh it -------------------

def test_a_failed_refresh_keeps_the_earlier_packet_listed_with_the_failure_beside_it(tmp_path, capsys, monkeypatch,
                                                                                    fast):
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("TRADETAPP_BASE_URL", raising=False)
    out = tmp_path / "out"
    recs = [make_record(1), make_record(2), make_record(3)]
    ids = [r["id"] for r in recs]
    with FakeTradeTapp(recs) as fake:
        argv = ["build", *sum((["--company", i] for i in ids), []), "--base-url", fake.base_url, "--out", str(out),
                "--formats", "json", "--jobs", "1", "-q"]
        assert main(argv) == 0
        before = {i["companyId"]: i for i in manifest(out)["items"]}
        fake.faults.failing_companies.add(ids[1])  # the re-fetch of one company fails
        capsys.readouterr()
        assert main(argv) == 1
    err = capsys.readouterr().err
    items = {i["companyId"]: i for i in manifest(out)["items"]}
    assert set(items) == set(ids)
    kept = items[ids[1]]
    assert kept["status"] == "ok" and kept["fromEarlierRun"] is True and kept["refreshError"]
    assert kept["files"] == before[ids[1]]["files"]
    assert "failed 1 of 3" in err and "earlier packet kept" in err
    assert main(["verify", str(out)]) == 0
    # verify checks every listed file, the kept one too
    (out / kept["files"]["json"]["path"]).write_text("{}")
    assert main(["verify", str(out)]) == 1


# --- item 5: never through a symlink -----------------------------------------------------------

def test_a_sources_symlink_is_never_written_or_deleted_through(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    important = outside / ".important.part"
    important.write_bytes(b"someone else's file")
    out = tmp_path / "out"
    out.mkdir()
    (out / "sources").symlink_to(Path("..") / "outside")
    rec = _write(tmp_path / "a.json", make_record(1))
    capsys.readouterr()
    assert main(["build", rec, "--out", str(out), "--formats", "json", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "symbolic link" in err and "sources" in err and len(err.strip().splitlines()) == 1
    assert important.read_bytes() == b"someone else's file"
    assert sorted(p.name for p in outside.iterdir()) == [".important.part"]


# --- item 6: workers die with the parent -------------------------------------------------------

def _children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_the_parent_ends_its_workers_and_nothing_more_is_written(tmp_path):
    recs = [_write(tmp_path / f"{n}.json", make_record(n, offices=60, questions=40)) for n in range(1, 7)]
    gate = tmp_path / "gate.json"
    os.mkfifo(gate)  # the parent blocks here while the workers render the first records
    out = tmp_path / "out"
    proc = subprocess.Popen([*REPORTER, "build", *recs[:4], str(gate), *recs[4:], "--out", str(out),
                             "--formats", "pdf,xlsx", "--pdf-variant", "none", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: set[int] = set()
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2, timeout=60)
        workers = _children(proc.pid)
        time.sleep(0.5)  # the workers are rendering now
        os.kill(proc.pid, signal.SIGKILL)
        # Nobody keeps the dead parent's stdout and stderr open: reading them ends at once.
        proc.communicate(timeout=20)
        assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=10), "workers outlived the parent"
        written = sorted(p.name for p in out.iterdir()) if out.exists() else []
        time.sleep(3)
        assert (sorted(p.name for p in out.iterdir()) if out.exists() else []) == written
    finally:
        for w in workers | _children(proc.pid):
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


# --- item 10: disk full and other OS errors ----------------------------------------------------

def _limited(max_bytes: int):
    """In the child: files may not grow past ``max_bytes`` (writes fail with EFBIG, as on a full
    disk they fail with ENOSPC)."""
    import resource

    def setup() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return setup


def test_a_failing_write_is_one_line_naming_the_path_and_no_traceback(tmp_path):
    recs = [_write(tmp_path / f"{n}.json", make_record(n)) for n in (1, 2)]
    out = tmp_path / "out"
    r = subprocess.run([*REPORTER, "build", *recs, "--out", str(out), "--formats", "json", "--jobs", "1"],
                       capture_output=True, text=True, preexec_fn=_limited(5000))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    items = manifest(out)["items"]  # small enough to be written
    assert [i["status"] for i in items] == ["error", "error"]
    for i in items:
        assert "cannot write " + str(out) in i["error"] and "File too large" in i["error"]
    assert r.stderr.strip().splitlines()[-1].startswith("built 0, unchanged 0, failed 2 of 2")
    # Not even the lock can be written: one line naming it.
    r = subprocess.run([*REPORTER, "build", *recs, "--out", str(tmp_path / "out2"), "--formats", "json", "--jobs", "1"],
                       capture_output=True, text=True, preexec_fn=_limited(1))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and ".reporter.lock" in r.stderr


def test_a_failing_manifest_write_is_one_line_without_a_traceback(tmp_path):
    recs = [_write(tmp_path / f"{n}.json", make_record(n)) for n in (1, 2, 3)]
    out = tmp_path / "out"
    (out / "manifest.json").mkdir(parents=True)  # os.replace onto it fails: a real OS error
    (out / "manifest.json" / "keep").write_text("x")
    r = subprocess.run([*REPORTER, "build", *recs, "--out", str(out), "--formats", "json", "--jobs", "2"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "never retrieved" not in r.stderr and "internal error" not in r.stderr
    assert "cannot write the manifest" in r.stderr and str(out / "manifest.json") in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-2].startswith("built 3, unchanged 0, failed 0 of 3")  # the packets are built
    assert lines[-1].startswith("reporter: error: ") and "cannot write the manifest" in lines[-1]


# --- item 11: name patterns, control characters ------------------------------------------------

def test_a_name_pattern_for_numbers_or_with_a_huge_width_is_a_usage_error(tmp_path):
    rec = _write(tmp_path / "a.json", make_record(1))
    for pattern in ("{companyName:d}", "{companyName:>999999999}", "{companyName:{asOf}}"):
        r = subprocess.run([*REPORTER, "build", rec, "--out", str(tmp_path / "out"), "--name-pattern", pattern],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (pattern, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "--name-pattern" in r.stderr
    assert main(["build", rec, "--out", str(tmp_path / "out"), "--formats", "json", "--name-pattern",
                 "{companyName:>30}", "--jobs", "1", "-q"]) == 0


def test_control_characters_in_a_company_name_never_reach_the_log_raw(tmp_path):
    evil = "Evil\x1b]0;owned\x07 Co\rFAKE: all good\x1b[2J"
    good = _write(tmp_path / "a.json", make_record(1, name=evil))
    bad = _write(tmp_path / "b.json", make_record(2, name=evil + "\x00", updatedAt="1700000000"))
    r = subprocess.run([*REPORTER, "build", good, bad, "--out", str(tmp_path / "out"), "--formats", "json",
                        "--jobs", "1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "Evil" in r.stderr
    assert not any(c in r.stderr for c in "\x1b\x07\r\x00"), repr(r.stderr)
