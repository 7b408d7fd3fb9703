"""Issue 14 item 3 (reading): the exact JSON reader refuses what would crash or stall a later stage.

NaN/Infinity (later "a float reached the exact JSON writer"), nesting 10,000 deep (RecursionError),
a 5,000-digit integer (Python's int-string limit), ``1E+999999`` (a million digits once written out)
and a lone ``\\ud800`` (UnicodeEncodeError when written) are each refused at read with a clear
reason and where; ``saved.py`` turns that into a one-line ``InputError`` naming the file (and the
record's index in a list page, the other records still read).
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from conftest import EXAMPLE

from reporter.api.saved import load_file_items
from reporter.errors import InputError
from reporter.jsonio import MAX_DEPTH, MAX_NUMBER_DIGITS, JsonRefused, dumps_exact, loads_checked, loads_exact

HOSTILE = {
    "nan": ('{"id": "1", "x": NaN}', "NaN is not a JSON number (at x)"),
    "infinity": ('{"id": "1", "x": [Infinity]}', "Infinity is not a JSON number (at x[0])"),
    "-infinity": ('{"id": "1", "x": {"y": -Infinity}}', "-Infinity is not a JSON number (at x.y)"),
    "deep": ('{"id": "1", "x": ' + "[" * 10_000 + "]" * 10_000 + "}", f"nested deeper than {MAX_DEPTH} levels"),
    "deep-65": ('{"id": "1", "x": ' + "[" * 65 + "]" * 65 + "}", f"nested deeper than {MAX_DEPTH} levels (at x[0]"),
    "long-int": ('{"id": "1", "x": ' + "7" * 5_000 + "}", "the number 77777777777777777777... is too long"),
    "long-fraction": ('{"id": "1", "x": 0.' + "3" * 200 + "}", "is too long"),
    "huge-exponent": ('{"id": "1", "currentEstimatedBacklog": 1E+999999}', "the number 1E+999999 is too long"),
    "tiny-exponent": ('{"id": "1", "x": 1e-999999}', "the number 1e-999999 is too long"),
    "surrogate": ('{"id": "1", "companyName": "A\\ud800B"}', "a lone surrogate"),
    "surrogate-key": ('{"id": "1", "\\udfff": 1}', "a lone surrogate (\\ud800-\\udfff) in a key"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_refused_with_a_reason(case):
    text, reason = HOSTILE[case]
    started = time.monotonic()
    with pytest.raises(JsonRefused) as info:
        loads_exact(text)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)
    assert time.monotonic() - started < 1


def test_refusal_names_the_path():
    with pytest.raises(JsonRefused) as info:
        loads_exact('{"results": [{"id": "a"}, {"id": "b", "offices": [{"zip": NaN}]}]}')
    assert info.value.path == ("results", 1, "offices", 0, "zip")
    assert str(info.value) == "NaN is not a JSON number (at results[1].offices[0].zip)"
    assert isinstance(info.value, ValueError)  # API clients that catch ValueError keep working


def test_what_is_allowed_still_reads_exactly():
    text = ('{"a": 0.1, "b": 12345678901234567890, "c": 1.5E+14, "d": "\\ud83d\\ude00", "e": ' + "[" * 60
            + "]" * 60 + ', "f": ' + "9" * MAX_NUMBER_DIGITS + "}")
    doc = loads_exact(text)
    assert doc["a"] == Decimal("0.1") and isinstance(doc["a"], Decimal)
    assert doc["b"] == 12345678901234567890 and doc["c"] == Decimal("1.5E+14")
    assert doc["d"] == "\U0001F600" and doc["f"] == int("9" * MAX_NUMBER_DIGITS)
    assert loads_exact(dumps_exact(doc)) == doc


def test_loads_checked_lists_every_refusal_and_keeps_the_rest():
    doc, refused = loads_checked('[{"id": "a", "x": NaN}, {"id": "b"}, {"id": "c", "y": "\\ud800"}]')
    assert [r.path for r in refused] == [(0, "x"), (2, "y")]
    assert doc == [{"id": "a", "x": None}, {"id": "b"}, {"id": "c", "y": None}]


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_saved_file_fails_in_one_line_naming_it(tmp_path, case):
    text, reason = HOSTILE[case]
    path = tmp_path / f"{case}.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_file_items(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message


def test_bad_record_in_a_list_page_fails_alone_with_its_index(tmp_path):
    good = json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    text = dumps_exact({"pagination": {}, "results": [good, good]})
    text = text.replace('"yearFounded": 2012', '"yearFounded": NaN', 1)
    assert "NaN" in text
    path = tmp_path / "page.json"
    path.write_text(text, encoding="utf-8")
    first, second = load_file_items(path)
    assert isinstance(first, InputError)
    assert str(first) == f"{path} results[0]: NaN is not a JSON number (at yearFounded)"
    assert not isinstance(second, InputError) and second.model.companyName == good["companyName"]


def test_refusal_outside_the_records_fails_the_file(tmp_path):
    path = tmp_path / "page.json"
    path.write_text('{"pagination": {"limit": NaN}, "results": [{"id": "a"}]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"page\.json: NaN is not a JSON number \(at pagination\.limit\)"):
        load_file_items(path)


def test_build_good_bad_good_builds_both_good_records_and_prints_the_summary(tmp_path):
    """Before: the first refused file ended the batch (the second good record never built, no
    summary line): "a float reached the exact JSON writer", RecursionError, the int-string limit."""
    import subprocess
    import sys

    from conftest import ROOT

    good = EXAMPLE.read_text(encoding="utf-8")
    paths = [tmp_path / "good1.json"]
    paths[0].write_text(good, encoding="utf-8")
    for case in ("nan", "deep", "long-int", "surrogate"):
        bad = tmp_path / f"{case}.json"
        bad.write_text(HOSTILE[case][0], encoding="utf-8")
        paths.append(bad)
    second = json.loads(good, parse_float=Decimal)
    second["id"], second["companyName"] = "second-good", "Second Good Builder"
    paths.append(tmp_path / "good2.json")
    paths[-1].write_text(dumps_exact(second), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "reporter", "build", *map(str, paths), "--out", str(tmp_path / "out"),
                          "--formats", "json", "--jobs", "1", "-q"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "built 2, unchanged 0, failed 4 of 6" in run.stderr
    for case in ("nan", "deep", "long-int", "surrogate"):
        assert f"{tmp_path / case}.json: {HOSTILE[case][1]}" in run.stderr
