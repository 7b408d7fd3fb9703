"""`reporter file DIR` goes on after a file fails: the others are filed, each failure gets one line,
the summary counts them, the manifest records them (``accFilingErrors``) and the exit is 1; a re-run
files only what is missing. A refusal that no file can get past (403 on the folder, a folder that
cannot be made, ACC down for file after file) stops the run early in one line."""

from __future__ import annotations

import json

import pytest
from test_acc_filing import (  # noqa: F401 -- the built folder and the fakes' fixtures
    HUB,
    PROJECT,
    _expected_names,
    _file,
    _posts,
    _run,
    _target,
    aps,
    bc,
    built,
    folder,
    scenario,
    token,
)

from reporter.deliver.acc_filing import MAX_FAILED_IN_A_ROW, StoppedEarly
from reporter.deliver.manifest import read_manifest
from reporter.deliver.manifest_acc import filed_entries
from tests.fakes.aps_data import READ_ONLY_TOKEN, ApsFaults


def _errors(out):
    return json.loads((out / "manifest.json").read_text()).get("accFilingErrors", {})


def _failed_lines(err):
    return [line for line in err.splitlines() if line.startswith("reporter: failed: ")]


@pytest.mark.parametrize("status", [500, 403], ids=["S3 500 after retries", "S3 403"])
def test_a_failed_file_does_not_stop_the_others_and_a_rerun_files_only_it(folder, aps, bc, capsys, status):  # noqa: F811
    victim = filed_entries(read_manifest(folder))[0].path  # the first file: every other comes after it
    aps.s3.fail = {rf"^{victim}$": status}
    assert _file(folder, aps, bc) == 1
    captured = capsys.readouterr()
    failed = _failed_lines(captured.err)
    assert len(failed) == 1 and victim in failed[0] and "Traceback" not in captured.err
    assert f"({status})" in failed[0] or f"status {status}" in failed[0]
    summary = [line for line in captured.err.splitlines() if "1 failed" in line]
    assert len(summary) == 1 and "reporter file" in summary[0]
    target = _target(aps, "Prequalification", "Concrete bids")
    names = _expected_names(folder)
    assert sorted(aps.items_in(target)) == [n for n in names if n != victim]  # the rest went on
    assert list(_errors(folder)) == [victim] and _errors(folder)[victim]["error"]
    assert victim not in read_manifest(folder).acc_filing or not read_manifest(folder).acc_filing[victim].filed
    if status == 500:  # retried before it was given up
        assert sum(1 for r in aps.s3.requests if r.status == 500) > 1
    else:  # a refusal is not retried
        assert sum(1 for r in aps.s3.requests if r.status == 403) == 1

    aps.s3.fail = {}
    storage_before = len(_posts(aps, "storage"))
    assert _file(folder, aps, bc) == 0
    assert "1 new, 0 new versions" in capsys.readouterr().out
    assert len(_posts(aps, "storage")) - storage_before == 1  # only the missing file
    assert sorted(aps.items_in(target)) == names
    assert all(len(i["versions"]) == 1 for i in aps.items.values())
    assert _errors(folder) == {}


def test_a_server_that_fails_file_after_file_stops_the_run_early(folder, aps, bc, capsys):  # noqa: F811
    aps.faults = ApsFaults(rate_500=1.0, fault_paths=r".*/items$")  # every new item: 500, whatever the tries
    assert _file(folder, aps, bc) == 1
    err = capsys.readouterr().err
    failed = _failed_lines(err)
    assert len(failed) == MAX_FAILED_IN_A_ROW
    stop = [line for line in err.splitlines() if "stopped after" in line]
    assert len(stop) == 1 and "not tried" in stop[0]
    left = len(_expected_names(folder)) - MAX_FAILED_IN_A_ROW
    assert f"{left} files not tried" in stop[0]
    assert len(_posts(aps, "storage")) == MAX_FAILED_IN_A_ROW  # nothing tried after the stop
    assert len(_errors(folder)) == MAX_FAILED_IN_A_ROW
    aps.faults = ApsFaults()
    assert _file(folder, aps, bc) == 0  # a re-run finishes, reusing the three uploads
    assert sorted(aps.items_in(_target(aps, "Prequalification", "Concrete bids"))) == _expected_names(folder)
    assert len(_posts(aps, "storage")) == len(_expected_names(folder))


def test_the_library_raises_stopped_early_after_the_failures_were_said(folder, aps, bc):  # noqa: F811
    aps.faults = ApsFaults(rate_500=1.0, fault_paths=r".*/storage$")
    said = []
    with pytest.raises(StoppedEarly):
        _run(folder, aps, bc, say=said.append)
    assert [line.split(":")[0] for line in said] == ["failed"] * MAX_FAILED_IN_A_ROW


def test_a_refusal_on_the_folder_is_not_tried_for_every_file(folder, aps, bc, monkeypatch, capsys):  # noqa: F811
    root = aps.hubs[HUB][PROJECT][0]
    aps.add_folder(PROJECT, aps.add_folder(PROJECT, root, "Prequalification"), "Concrete bids")  # exists
    monkeypatch.setenv("APS_ACCESS_TOKEN", READ_ONLY_TOKEN)  # no data:write: 403 on any write there
    assert _file(folder, aps, bc) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Project Files/Prequalification/Concrete bids" in err
    assert "stopped" in err and "reporter login --acc-upload" in err
    assert len([r for r in aps.requests if r.method == "POST"]) == 1  # one refusal, not one per file
    assert not aps.s3.requests


def test_a_manifest_that_cannot_take_a_record_stops_the_run_in_one_line(folder, aps, bc, monkeypatch, capsys):  # noqa: F811
    import errno

    import reporter.deliver.manifest_acc as manifest_acc

    real, calls = manifest_acc.atomic_write, []

    def disk_full(path, data, **kw):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(manifest_acc, "atomic_write", disk_full)
    assert _file(folder, aps, bc) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err and "manifest.json" in err
    assert len(_posts(aps, "storage")) == 1  # the second record could not be written: no third upload
    monkeypatch.setattr(manifest_acc, "atomic_write", real)
    assert _file(folder, aps, bc) == 0  # and the next run finds what was filed: no duplicate
    assert all(len(i["versions"]) == 1 for i in aps.items.values())
    assert sorted(aps.items_in(_target(aps, "Prequalification", "Concrete bids"))) == _expected_names(folder)
