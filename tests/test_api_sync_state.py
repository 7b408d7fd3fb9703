"""Unit tests of the fetch stage's output folder: exact JSON out, atomic writes, the sync clock."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from reporter.api import sync_state
from reporter.api.saved import load_file
from reporter.errors import InputError
from reporter.jsonio import loads_exact
from tests.fakes.records import make_record, make_records
from tests.fakes.scripted import cli_main
from tests.fakes.tradetapp import FakeTradeTapp, encode_json


@pytest.mark.parametrize("text", ["0.1", "5600.89650000000000000001", "1E+2", "-0.0", "1.5e-7", "123"])
def test_numbers_are_written_back_as_read(text):
    value = loads_exact(f'{{"n": {text}}}')
    assert loads_exact(sync_state.dumps_exact(value)) == value
    assert str(value["n"]) in sync_state.dumps_exact(value)


def test_record_round_trip_and_shape(tmp_path):
    raw = loads_exact(encode_json(make_record(1, offices=3, questions=2)))
    path = sync_state.save_record(raw, tmp_path)
    assert path.name == f"{raw['id']}.json"
    assert loads_exact(path.read_text()) == raw
    assert json.loads(path.read_text())["companyName"] == raw["companyName"]  # plain JSON too
    (record,) = load_file(path)
    assert record.model.id == raw["id"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_floats_and_odd_values_are_refused():
    with pytest.raises(TypeError):
        sync_state.dumps_exact({"x": 0.1})
    with pytest.raises(ValueError):
        sync_state.dumps_exact({"x": Decimal("NaN")})


@pytest.mark.parametrize("bad", [None, "", "../x", ".hidden", "a/b", "a b", 5])
def test_unsafe_ids_are_not_file_names(bad):
    with pytest.raises(InputError):
        sync_state.record_filename(bad)


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    target.write_text("old")

    def boom(*a, **k):
        raise OSError("disk full")

    from reporter import fsio as files

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError):
        files.atomic_write(target, b"new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_clock_per_scope_with_margin(tmp_path):
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    a = sync_state.scope_key("https://x/v2/", None, {})
    b = sync_state.scope_key("https://x/v2", None, {"searchText": "acme"})
    assert sync_state.updated_since_for(tmp_path, a) is None
    sync_state.record_run(tmp_path, a, start)
    assert sync_state.last_run_start(tmp_path, a) == start
    assert sync_state.updated_since_for(tmp_path, a) == start - sync_state.SKEW_MARGIN
    assert sync_state.last_run_start(tmp_path, b) is None
    sync_state.record_run(tmp_path, b, start)
    assert set(json.loads((tmp_path / sync_state.STATE_FILE).read_text())["scopes"]) == {a, b}


def test_corrupt_state_means_fetch_everything(tmp_path, caplog):
    (tmp_path / sync_state.STATE_FILE).write_text("{not json")
    assert sync_state.last_run_start(tmp_path, "s") is None
    assert "unreadable" in caplog.text


def _request(tmp_path, monkeypatch, *extra: str):
    import argparse

    from reporter.commands.api_options import add_api_options, api_request_from_args

    monkeypatch.setenv("APS_ACCESS_TOKEN", "t")
    parser = argparse.ArgumentParser()
    add_api_options(parser)
    parser.add_argument("--out")
    args = parser.parse_args(["--all", "--base-url", "https://x.test/v2", "--out", str(tmp_path), *extra])
    return api_request_from_args(args)


def test_only_a_run_that_saw_everything_advances_the_clock(tmp_path, monkeypatch):
    state = tmp_path / sync_state.STATE_FILE
    # an explicit lower bound into a folder without a clock: older records were never fetched
    _request(tmp_path, monkeypatch, "--updated-since", "2024-05-01T00:00:00Z").mark_success()
    assert not state.exists()
    # a full run does
    first = _request(tmp_path, monkeypatch)
    first.started_at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    first.mark_success()
    scope = next(iter(json.loads(state.read_text())["scopes"]))
    assert sync_state.last_run_start(tmp_path, scope) == first.started_at
    # a lower bound after the clock leaves a gap (May 1 11:55 .. June 1): the clock must stay
    _request(tmp_path, monkeypatch, "--updated-since", "2024-06-01T00:00:00Z").mark_success()
    assert sync_state.last_run_start(tmp_path, scope) == first.started_at
    # 'last', or any bound at or before it, covers the gap
    _request(tmp_path, monkeypatch, "--updated-since", "2024-04-01T00:00:00Z").mark_success()
    assert sync_state.last_run_start(tmp_path, scope) > first.started_at
    again = sync_state.last_run_start(tmp_path, scope)
    _request(tmp_path, monkeypatch, "--updated-since", "last").mark_success()
    assert sync_state.last_run_start(tmp_path, scope) >= again


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


# -- issue 14, item 1: no tax id in clear ---------------------------------------------------------


def test_the_sync_state_keeps_no_tax_id_in_clear_and_is_0600(main, tmp_path):
    out = tmp_path / "out"
    records = make_records(3)
    records[0]["federalTaxId"] = "123-45-6789"
    with FakeTradeTapp(records) as fake:
        argv = ["fetch", "--all", "--federal-tax-id", "123-45-6789", "--base-url", fake.base_url, "--out", str(out)]
        assert main(argv) == 0
        text = (out / sync_state.STATE_FILE).read_text()
        assert "6789" not in text and "123456789" not in text.replace("-", "")
        assert stat.S_IMODE(os.stat(out / sync_state.STATE_FILE).st_mode) == 0o600
        # the hashed scope still tells runs apart: the same id uses the clock, another does not
        assert main([*argv, "--updated-since", "last"]) == 0
        assert "filter[updatedAt]" in fake.requests[-1].query
        other = ["fetch", "--all", "--federal-tax-id", "98-7654321", "--updated-since", "last",
                 "--base-url", fake.base_url, "--out", str(out)]
        assert main(other) == 0
        assert "filter[updatedAt]" not in fake.requests[-1].query
        assert "7654321" not in (out / sync_state.STATE_FILE).read_text()



def test_tax_id_scopes_are_salted_hashes_and_an_old_clear_scope_is_dropped(tmp_path):
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    salt = sync_state.folder_salt(tmp_path)
    assert sync_state.folder_salt(tmp_path) != salt  # nothing kept until a run is recorded
    a = sync_state.scope_key("https://x/v2", None, {"filter[federalTaxId]": "12-3456789,98-7654321"}, salt=salt)
    b = sync_state.scope_key("https://x/v2", None, {"filter[federalTaxId]": "98-7654321,12-3456789"}, salt=salt)
    assert a == b and "3456789" not in a
    assert a != sync_state.scope_key("https://x/v2", None, {"filter[federalTaxId]": "12-3456789"}, salt=salt)
    assert a != sync_state.scope_key("https://x/v2", None, {"filter[federalTaxId]": "12-3456789,98-7654321"},
                                     salt="another-salt-0123456789")
    old_clear = json.dumps({"baseUrl": "https://x/v2", "gcCompanyId": None,
                            "filters": {"filter[federalTaxId]": "55-5555555"}}, sort_keys=True, separators=(",", ":"))
    (tmp_path / sync_state.STATE_FILE).write_text(json.dumps(
        {"version": 1, "scopes": {old_clear: {"lastRunStartedAt": "2024-01-01T00:00:00Z"}}}))
    sync_state.record_run(tmp_path, a, start, salt=salt)
    state = json.loads((tmp_path / sync_state.STATE_FILE).read_text())
    assert state["salt"] == salt == sync_state.folder_salt(tmp_path)
    assert list(state["scopes"]) == [a] and "5555555" not in json.dumps(state)
    assert sync_state.last_run_start(tmp_path, a) == start
    assert stat.S_IMODE(os.stat(tmp_path / sync_state.STATE_FILE).st_mode) == 0o600
