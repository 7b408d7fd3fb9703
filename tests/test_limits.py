"""Issue 14 item 7: bounds on what one record may cost, each with a clear one-line error.

Before: ``"currentEstimatedBacklog": 1E+999999`` took 42 s and printed a million digits, a 100 KB
company name 155 s, 10,000 offices 72 s and 1.4 GB. Now each such record is refused when it is read
(``reporter.limits``, ``reporter.jsonio``) and fails alone: the good records around it are built.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT

from reporter.api.saved import validate_record
from reporter.errors import InputError
from reporter.jsonio import dumps_exact
from reporter.limits import (
    MAX_AMOUNT,
    MAX_LIST_ITEMS,
    MAX_OBJECT_KEYS,
    MAX_RECORD_TEXT,
    MAX_SHORT_TEXT,
    MAX_TEXT,
    LimitExceeded,
    check_number,
    check_record_size,
)


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)


def with_offices(n: int) -> dict:
    raw = example()
    office = raw["companyOfficeAddresses"]["results"][0]
    raw["companyOfficeAddresses"]["results"] = [dict(office, city=f"City {i}") for i in range(n)]
    return raw


def with_answer(text: str, copies: int = 1) -> dict:
    raw = example()
    q = raw["customQuestions"]["results"][0]
    raw["customQuestions"]["results"] = [dict(q, textResponse=text) for _ in range(copies)]
    return raw


def test_documented_numbers():
    assert MAX_AMOUNT == Decimal("1e15")
    assert (MAX_SHORT_TEXT, MAX_TEXT, MAX_RECORD_TEXT) == (1_000, 100_000, 2_000_000)
    assert MAX_LIST_ITEMS == MAX_OBJECT_KEYS == 1_000
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for shown in ("1e15", "1,000", "100,000", "2,000,000", "64", "100 digits"):
        assert shown in readme.split("## Privacy and limits")[1].split("\n## ")[0], shown


def test_at_the_bounds_is_fine():
    check_record_size({"companyName": "x" * MAX_SHORT_TEXT, "summary": "y" * MAX_TEXT, "l": [0] * MAX_LIST_ITEMS,
                       "o": {str(i): i for i in range(MAX_OBJECT_KEYS)}})
    check_number(MAX_AMOUNT)
    check_number(-MAX_AMOUNT)
    validate_record(with_offices(MAX_LIST_ITEMS), "offices.json")


@pytest.mark.parametrize(("raw", "message"), [
    ({"companyName": "x" * (MAX_SHORT_TEXT + 1)}, "companyName: 1,001 characters, more than the 1,000 a name, id or code may hold"),
    ({"c": [{"contactEmail": "e" * 5000}]}, "c[0].contactEmail: 5,000 characters"),
    ({"notes": "n" * (MAX_TEXT + 1)}, "notes: 100,001 characters, more than the 100,000 a text field may hold"),
    ({"a": ["t" * 90_000] * 23}, "the record's text is over 2,000,000 characters in all"),
    ({"x": {"offices": list(range(MAX_LIST_ITEMS + 1))}}, "x.offices: 1,001 items, more than the 1,000 a list may hold"),
    ({"extra": {f"k{i}": 1 for i in range(MAX_OBJECT_KEYS + 1)}}, "extra: 1,001 fields"),
])
def test_record_size_refused(raw, message):
    with pytest.raises(LimitExceeded) as info:
        check_record_size(raw)
    assert message in str(info.value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("currentEstimatedBacklog", "1E+999999", "currentEstimatedBacklog: 1E+999999 is beyond the largest figure"),
    ("currentEstimatedBacklog", Decimal("2E+15"), "currentEstimatedBacklog: 2E+15 is beyond"),
    ("bankLineOfCreditTotal", -(10**16), "bankLineOfCreditTotal: -10000000000000000 is beyond"),
    ("numberOfHomeOfficeEmployees", 10**20, "numberOfHomeOfficeEmployees: 100000000000000000000 is beyond"),
])
def test_figures_beyond_any_real_one_fail_fast(field, value, message):
    raw = example()
    raw[field] = value
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        validate_record(raw, "big.json")
    assert time.monotonic() - started < 1
    assert str(info.value).startswith("big.json: ") and message in str(info.value)


def test_nested_figures_are_checked_with_their_path():
    raw = example()
    raw["insuranceCoverages"][0]["aggregateLimit"] = Decimal("5E+15")
    with pytest.raises(InputError, match=r"^x\.json: insuranceCoverages\[0\]\.aggregateLimit: 5E\+15 is beyond"):
        validate_record(raw, "x.json")


BAD = {
    "backlog-number.json": ('"currentEstimatedBacklog": 1E+999999', "the number 1E+999999 is too long"),
    "backlog-text.json": ("currentEstimatedBacklog", "1E+999999 is beyond the largest figure"),
    "long-name.json": ("companyName", "companyName: 100,000 characters, more than the 1,000"),
    "offices.json": ("offices", "companyOfficeAddresses.results: 10,000 items, more than the 1,000"),
    "answer.json": ("answer", "customQuestions.results[0].textResponse: 100,001 characters"),
    "all-text.json": ("all-text", "over 2,000,000 characters in all"),
}


def write_bad(folder: Path) -> list[Path]:
    paths = []
    for name in BAD:
        raw = example()
        if name == "backlog-text.json":
            raw["currentEstimatedBacklog"] = "1E+999999"
        elif name == "long-name.json":
            raw["companyName"] = "W" * 100_000
        elif name == "offices.json":
            raw = with_offices(10_000)
        elif name == "answer.json":
            raw = with_answer("a" * (MAX_TEXT + 1))
        elif name == "all-text.json":
            raw = with_answer("b" * 90_000, copies=25)
        raw["id"] = name
        text = dumps_exact(raw)
        if name == "backlog-number.json":
            text = text.replace('"currentEstimatedBacklog": 12000000', BAD[name][0])
            assert BAD[name][0] in text
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def test_records_over_the_limits_fail_alone_and_fast(tmp_path):
    good1, good2 = tmp_path / "good1.json", tmp_path / "good2.json"
    for i, p in enumerate((good1, good2)):
        raw = copy.deepcopy(example())
        raw["id"], raw["companyName"] = f"good-{i}", f"Good Builder {i}"
        p.write_text(dumps_exact(raw), encoding="utf-8")
    bad = write_bad(tmp_path)
    out = tmp_path / "out"
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "reporter", "build", str(good1), *map(str, bad), str(good2), "--out", str(out),
         "--formats", "pdf,xlsx,json", "--jobs", "1", "-q"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert f"built 2, unchanged 0, failed {len(BAD)} of {len(BAD) + 2}" in run.stderr
    items = {Path(i["input"]).name: i for i in json.loads((out / "manifest.json").read_text())["items"]}
    assert items["good1.json"]["status"] == items["good2.json"]["status"] == "ok"
    for name, (_, reason) in BAD.items():
        error = items[name]["error"]
        assert items[name]["status"] == "error"
        assert error.startswith(str(tmp_path / name)) and reason in error and "\n" not in error, (name, error)
    assert elapsed < 90, elapsed  # two packets; the bad records cost nothing to speak of


def test_the_old_page_one_extreme_of_1e20_is_now_refused(tmp_path):
    """``test_pdf_page_one_limits`` built amounts of 1e20; they are beyond any real figure, so the
    record now fails at read with one line, and that test uses the largest allowed figure."""
    raw = example()
    raw["currentEstimatedBacklog"] = 1e20  # a float, as json.dumps writes it: 1e+20
    src = tmp_path / "huge.json"
    src.write_text(json.dumps(raw, default=str), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "reporter", "build", str(src), "--out", str(tmp_path / "out"),
                          "--formats", "json", "-q"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1
    assert "currentEstimatedBacklog: 1E+20 is beyond the largest figure a record may hold (1E+15)" in run.stderr
    assert "Traceback" not in run.stderr
