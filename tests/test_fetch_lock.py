"""``reporter fetch`` takes the output folder's run lock like ``reporter build`` (``reporter.batch_lock``):
real processes -- a live build holding the folder stops a fetch at once (exit 2, one line, not one
request sent); a live fetch holding the folder stops a build, whose start-up ``.part`` cleanup then
never touches the fetch's files; a fetch killed by ``kill -9`` leaves a stale lock that the next
fetch takes over and removes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from reporter.jsonio import dumps_exact
from tests.fakes.polling import wait_for as _wait_for
from tests.fakes.records import company_id, make_record, make_records
from tests.fakes.scripted import cli_main
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults

REPORTER = [sys.executable, "-m", "reporter"]
LOCK = ".reporter.lock"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["APS_ACCESS_TOKEN"] = DEFAULT_TOKEN
    env.pop("TRADETAPP_BASE_URL", None)
    return env




def _holder(out: Path) -> int | None:
    return json.loads((out / LOCK).read_text()).get("pid")


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def test_fetch_into_a_folder_a_build_holds_exits_2_without_a_request(tmp_path):
    out = tmp_path / "out"
    gate = tmp_path / "gate.json"
    os.mkfifo(gate)  # the build blocks reading it: a live run for as long as the test likes
    rec = tmp_path / "held.json"
    rec.write_text(dumps_exact(make_record(1)))
    build = subprocess.Popen([*REPORTER, "build", str(rec), str(gate), "--out", str(out), "--formats", "json",
                              "--jobs", "1", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True, env=_env())
    try:
        assert _wait_for(lambda: _holder(out) == build.pid), "the build took no lock"
        with FakeTradeTapp(make_records(2)) as fake:
            r = subprocess.run([*REPORTER, "fetch", "--company", company_id(2), "--base-url", fake.base_url,
                                "--out", str(out)], capture_output=True, text=True, timeout=60, env=_env())
            assert fake.requests == []  # stopped before asking TradeTapp anything
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "another reporter run" in lines[0] and str(build.pid) in lines[0]
        assert str(out) in lines[0] and "Traceback" not in r.stderr
        assert not (out / f"{company_id(2)}.json").exists()
    finally:
        _kill(build)


def test_a_live_fetch_holds_the_folder_and_its_stale_lock_is_taken_over(tmp_path, monkeypatch, fast):
    out = tmp_path / "out"
    slow = Faults(rate_slow=1.0, slow_seconds=1.5)  # every answer late: the fetch stays alive a while
    with FakeTradeTapp(make_records(3), faults=slow) as fake:
        fetch = subprocess.Popen([*REPORTER, "fetch", "--company", company_id(1), "--company", company_id(2),
                                  "--base-url", fake.base_url, "--out", str(out)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True, env=_env())
        try:
            assert _wait_for(lambda: _holder(out) == fetch.pid), "the fetch took no lock"
            part = out / f".{company_id(1)}.json.0a1b2c.part"  # what its atomic write looks like
            part.write_bytes(b"half a record")
            rec = tmp_path / "other.json"
            rec.write_text(dumps_exact(make_record(3)))
            r = subprocess.run([*REPORTER, "build", str(rec), "--out", str(out), "--formats", "json", "--jobs", "1"],
                               capture_output=True, text=True, timeout=60, env=_env())
            assert r.returncode == 2, r.stderr
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and "another reporter run" in lines[0] and str(fetch.pid) in lines[0]
            assert part.exists()  # the build never cleaned up a live fetch's file
            assert not (out / "manifest.json").exists()
        finally:
            _kill(fetch)
    # killed by -9: the lock file is left behind, stale; the next fetch takes it over and removes it
    assert (out / LOCK).exists()
    main = cli_main(monkeypatch)
    with FakeTradeTapp(make_records(3)) as fake:
        assert main(["fetch", "--company", company_id(3), "--base-url", fake.base_url, "--out", str(out), "-q"]) == 0
    assert (out / f"{company_id(3)}.json").is_file()
    assert not (out / LOCK).exists()


def test_bid_package_fetch_takes_the_lock_too(tmp_path, monkeypatch, fast):
    from reporter.batch_lock import FolderLock
    from tests.fakes.bc_scenario import make_bid_package_scenario

    sc = make_bid_package_scenario(6)
    out = tmp_path / "saved"
    out.mkdir()
    main = cli_main(monkeypatch)
    with sc.tradetapp() as tt, sc.buildingconnected() as bc:
        args = ["fetch", "--bid-package", sc.package_id, "--out", str(out), "--base-url", tt.base_url,
                "--bc-base-url", bc.base_url, "-q"]
        with FolderLock(out):  # another run (this process, standing in for it) holds the folder
            assert main(args) == 2
            assert bc.requests == [] and tt.requests == []
            assert not list(out.glob("bc-*.json"))
        assert main(args) == 0
    assert list(out.glob("bc-bid-package.*.json")) and not (out / LOCK).exists()
