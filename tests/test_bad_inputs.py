"""Bad input: one clear line naming the file, the other inputs still built, the manifest records the
failure, exit 1; usage errors exit 2; no traceback without --debug."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE

from reporter.api.saved import load_file
from reporter.cli import main
from reporter.errors import InputError


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty"),
        (b"   \n", "file is empty"),
        (b"<html>not json</html>", "not valid JSON"),
        (b'{"id": "59d2b8660675250927442cbf", "companyName": "Trunc', "truncated"),
        (b'{"id": "abc", "companyName": "X", "qualification": {"status": "QUAL', "truncated"),
        (b"[1, 2]", "expected a qualification record"),
        (b'"just a string"', "expected a qualification record"),
        (b'{"hello": "world"}', "not a qualification record"),
        (b'{"results": {}}', "'results' should be a list"),
        (b'{"pagination": {}, "results": []}', "holds no records"),
        (b'{"id": "a", "companyName": "X", "yearFounded": "nineteen"}', "yearFounded"),
        (b'{"id": "a", "companyName": "X", "updatedAt": "1700000000"}', "updatedAt"),
        (b'{"companyName": "X"}', "no company 'id'"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_each_bad_file_gets_one_line_naming_it(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_file(p)
    text = str(err.value)
    assert str(p) in text and message in text
    assert "\n" not in text


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_file(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a folder"):
        load_file(tmp_path)


def test_bad_inputs_do_not_stop_good_ones(tmp_path, capsys):
    bad = tmp_path / "truncated.json"
    bad.write_text(EXAMPLE.read_text()[:300])
    empty = tmp_path / "empty.json"
    empty.write_text("")
    out = tmp_path / "out"
    status = main(["build", str(bad), str(EXAMPLE), str(empty), "--out", str(out), "--formats", "json"])
    assert status == 1
    manifest = json.loads((out / "manifest.json").read_text())
    items = manifest["items"]
    assert [i["status"] for i in items] == ["error", "ok", "error"]
    assert items[0]["input"] == str(bad) and "truncated" in items[0]["error"]
    assert items[2]["input"] == str(empty) and "empty" in items[2]["error"]
    assert items[1]["files"]["json"]["path"].endswith(".json")
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(bad) in err and str(empty) in err
    assert "failed 2 of 3" in err


def test_list_page_with_one_bad_record(tmp_path):
    good = json.loads(EXAMPLE.read_text())
    page = {"pagination": {"cursorState": None}, "results": [good, {"id": 5, "companyName": ["x"]}]}
    p = tmp_path / "page.json"
    p.write_text(json.dumps(page))
    out = tmp_path / "out"
    assert main(["build", str(p), "--out", str(out), "--formats", "json", "-q"]) == 1
    items = json.loads((out / "manifest.json").read_text())["items"]
    assert [i["status"] for i in items] == ["ok", "error"]
    assert "results[1]" in items[1]["error"]


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--out", "x"],
        ["build", "a.json"],
        ["build", "a.json", "--out", "x", "--formats", "pdf,docx"],
        ["build", "a.json", "--out", "x", "--as-of", "tomorrow"],
        ["build", "a.json", "--out", "x", "--timezone", "Mars/Olympus"],
        ["build", "a.json", "--out", "x", "--project-value", "lots"],
        ["build", "a.json", "--out", "x", "--pdf-variant", "pdf/z-9"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2_in_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        status = main(argv)
        raise SystemExit(status)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(("reporter", "usage"))


def test_console_entry_point_and_module_run(tmp_path):
    out = tmp_path / "o"
    r = subprocess.run(
        [sys.executable, "-m", "reporter", "build", str(tmp_path / "missing.json"), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert r.returncode == 1
    assert "missing.json: no such file" in r.stderr
    assert "Traceback" not in r.stderr
    # The console script installed beside this interpreter (the venv's bin/, on PATH or not).
    script = Path(sys.executable).parent / "reporter"
    v = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("reporter ")


def test_debug_shows_traceback(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("{")
    r = subprocess.run(
        [sys.executable, "-m", "reporter", "build", str(p), "--out", str(tmp_path / "o"), "--currency", "XYZ", "--debug"],
        capture_output=True, text=True,
    )
    assert r.returncode != 0
    assert "Traceback" in r.stderr
