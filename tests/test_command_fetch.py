"""Tests of ``reporter.commands.fetch`` (``reporter fetch``), run in-process against the fake TradeTapp
server on 127.0.0.1: what is saved, what is said, exit codes, the sync clock, the token options."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reporter.api.fetch import fetch_records
from reporter.api.saved import load_file
from reporter.api.settings import ApiSettings
from reporter.api.side_files import is_side_file
from reporter.api.sync_state import STATE_FILE
from reporter.api.tokens import StaticToken
from reporter.jsonio import loads_exact
from tests.fakes.records import EXACT_NUMBER, company_id, make_record, make_records, stamp
from tests.fakes.scripted import cli_main
from tests.fakes.tradetapp import (
    API_PREFIX,
    DEFAULT_TOKEN,
    NO_SCOPE_TOKEN,
    FakeTradeTapp,
    Faults,
    encode_json,
)

BIG = 7  # company number of the record with 120 offices and 75 custom questions


@pytest.fixture
def fake():
    with FakeTradeTapp(make_records(30, big={BIG: (120, 75)})) as server:
        yield server


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


def saved_ids(out: Path) -> set[str]:
    # the records only: *.financials.json / *.flags.json ride beside them (issue 17)
    return {p.stem for p in out.glob("*.json") if not p.name.startswith(".") and not is_side_file(p)}


def settings(fake: FakeTradeTapp, **kw) -> ApiSettings:
    return ApiSettings(fake.base_url, **{"backoff_base": 0.005, "requests_per_minute": 1_000_000, **kw})


async def collect(fake, ids=(), all_=False, filters=None, token=DEFAULT_TOKEN, **kw):
    return [r async for r in fetch_records(settings(fake, **kw), StaticToken(token), ids, all_, filters)]


# -- reporter fetch ------------------------------------------------------------------------------


def test_fetch_all_saves_every_complete_record(fake, main, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["fetch", "--all", "--limit", "7", "--base-url", fake.base_url, "--out", str(out)]) == 0
    assert saved_ids(out) == {company_id(n) for n in range(1, 31)}
    (big,) = load_file(out / f"{company_id(BIG)}.json")
    assert len(big.model.companyOfficeAddresses.results) == 120
    assert len(big.model.customQuestions.results) == 75
    assert big.raw["companyOfficeAddresses"]["pagination"]["nextUrl"] is None
    text = (out / f"{company_id(BIG)}.json").read_text()
    assert str(EXACT_NUMBER) in text  # the exact number text, not a float's
    assert big.raw["customQuestions"]["results"][0]["numberResponse"] == EXACT_NUMBER
    assert not list(out.glob(".*.tmp"))
    assert "saved 30 records" in capsys.readouterr().out
    assert (out / STATE_FILE).exists()


def test_saved_file_reads_back_identically(fake, main, tmp_path):
    out = tmp_path / "o"
    assert main(["fetch", "--company", company_id(3), "--base-url", fake.base_url, "--out", str(out)]) == 0
    path = out / f"{company_id(3)}.json"
    assert loads_exact(path.read_text()) == loads_exact(encode_json(make_record(3)))
    again = tmp_path / "again"
    assert main(["fetch", "--company", company_id(3), "--base-url", fake.base_url, "--out", str(again)]) == 0
    assert (again / path.name).read_bytes() == path.read_bytes()


def test_acceptance_faults_every_company_once_and_complete_and_evil_never_sees_the_token(main, tmp_path, capsys):
    faults = Faults(seed=15, rate_429=0.10, rate_500=0.05, retry_after="0", foreign_next_url=True, page_overlap=2)
    with FakeTradeTapp(make_records(150, big={BIG: (120, 75)}), faults=faults) as fake:
        out = tmp_path / "out"
        code = main(["fetch", "--all", "--limit", "6", "--base-url", fake.base_url, "--out", str(out)])
        statuses = fake.statuses()
        assert code == 0, capsys.readouterr().err
        assert saved_ids(out) == {company_id(n) for n in range(1, 151)}
        (big,) = load_file(out / f"{company_id(BIG)}.json")
        assert len(big.raw["companyOfficeAddresses"]["results"]) == 120
        assert len(big.raw["customQuestions"]["results"]) == 75
        assert statuses.get(429, 0) > 0 and statuses.get(500, 0) > 0
        assert fake.evil.requests == []
        assert all(DEFAULT_TOKEN not in p.read_text() for p in out.iterdir())
        # every company's record was fetched (listed) once: nested pages only for the big one
        assert {r.path for r in fake.requests if "/qualifications/" in r.path} == {
            f"{API_PREFIX}/qualifications/{company_id(BIG)}/company-office-addresses",
            f"{API_PREFIX}/qualifications/{company_id(BIG)}/custom-questions",
        }


def test_a_company_that_keeps_failing_is_reported_and_the_others_saved(main, tmp_path, capsys):
    records = make_records(8, big={3: (60, 2)})
    with FakeTradeTapp(records, faults=Faults(failing_companies={company_id(3)})) as fake:
        out = tmp_path / "out"
        code = main(["fetch", "--all", "--company", company_id(5), "--base-url", fake.base_url, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"failed: {company_id(3)}: TradeTapp server error 500" in err
    assert saved_ids(out) == {company_id(n) for n in range(1, 9)} - {company_id(3)}
    assert not (out / STATE_FILE).exists()  # a run with failures does not advance the clock


def test_unknown_company_is_one_line_and_exit_1(fake, main, tmp_path, capsys):
    code = main(["fetch", "--company", "0" * 24, "--company", company_id(1), "--base-url", fake.base_url, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"failed: {'0' * 24}: no such company in TradeTapp: {'0' * 24} (404)" in err
    assert saved_ids(tmp_path) == {company_id(1)}


def test_incremental_run_fetches_only_what_changed(fake, main, tmp_path):
    out = tmp_path / "out"
    args = ["fetch", "--all", "--updated-since", "--base-url", fake.base_url, "--out", str(out)]
    assert main(args) == 0  # no state yet: everything
    assert len(saved_ids(out)) == 30
    first_list = fake.requests_to("/qualifications")[0]
    assert "filter[updatedAt]" not in first_list.query
    state = json.loads((out / STATE_FILE).read_text())
    assert len(state["scopes"]) == 1

    changed = make_record(4, updated_at=datetime.now(UTC) + timedelta(seconds=1), name="Changed Co")
    fake.upsert(changed)
    before = len(fake.requests)
    for p in out.glob("59d*.json"):
        p.unlink()
    assert main(args) == 0
    lists = [r for r in fake.requests[before:] if r.path.endswith("/qualifications")]
    assert lists and lists[0].query["filter[updatedAt]"].endswith("Z..")
    assert saved_ids(out) == {company_id(4)}
    assert json.loads((out / f"{company_id(4)}.json").read_text())["companyName"] == "Changed Co"

    # a filtered run keeps its own clock and does not move the unfiltered one
    assert main([*args, "--search", "nothing-matches"]) == 0
    assert len(json.loads((out / STATE_FILE).read_text())["scopes"]) == 2


def test_updated_since_iso_and_before(fake, main, tmp_path):
    since = stamp(datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(hours=10))
    before = stamp(datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(hours=13))
    code = main(["fetch", "--all", "--updated-since", since, "--updated-before", before,
                 "--base-url", fake.base_url, "--out", str(tmp_path)])
    assert code == 0
    assert saved_ids(tmp_path) == {company_id(n) for n in (10, 11, 12)}
    assert not (tmp_path / STATE_FILE).exists()  # bounded above: the clock stays


def test_filters_pass_through(fake, main, tmp_path):
    code = main(["fetch", "--all", "--federal-tax-id", "100000002,100000005", "--federal-tax-id", "100000009",
                 "--base-url", fake.base_url, "--out", str(tmp_path / "a")])
    assert code == 0 and saved_ids(tmp_path / "a") == {company_id(n) for n in (2, 5, 9)}
    code = main(["fetch", "--all", "--unique-id", "SUB-0012", "--base-url", fake.base_url, "--out", str(tmp_path / "b")])
    assert code == 0 and saved_ids(tmp_path / "b") == {company_id(12)}


def test_ids_file(fake, main, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# wanted\n{company_id(1)}\n\n{company_id(2)}, {company_id(1)}\n")
    assert main(["fetch", "--ids-file", str(ids), "--base-url", fake.base_url, "--out", str(tmp_path / "o")]) == 0
    assert saved_ids(tmp_path / "o") == {company_id(1), company_id(2)}
    assert len(fake.requests_to("/qualifications/.*")) == 2


def test_no_token_says_how_to_sign_in(fake, main, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("APS_ACCESS_TOKEN")
    monkeypatch.setattr("reporter.api.tokens.stored_token_provider", lambda: None)
    assert main(["fetch", "--all", "--base-url", fake.base_url, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "reporter: error: not signed in: run 'reporter login' (or set APS_ACCESS_TOKEN)"
    assert fake.requests == []


def test_token_file_and_invalid_token(fake, main, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("APS_ACCESS_TOKEN")
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text(DEFAULT_TOKEN + "\n")
    bad.write_text("expired-token")
    assert main(["fetch", "--company", company_id(1), "--token-file", str(good), "--base-url", fake.base_url,
                 "--out", str(tmp_path / "o")]) == 0
    ids = [company_id(n) for n in range(1, 6)]
    args = ["fetch", *[a for i in ids for a in ("--company", i)], "--token-file", str(bad),
            "--base-url", fake.base_url, "--out", str(tmp_path / "p")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "sign-in expired or invalid (401)" in err
    assert err.count("sign-in expired") == 1 and "more for the same reason" in err
    assert "expired-token" not in err


def test_forbidden_token_and_bad_gc_header(fake, main, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("APS_ACCESS_TOKEN", NO_SCOPE_TOKEN)
    assert main(["fetch", "--company", company_id(1), "--base-url", fake.base_url, "--out", str(tmp_path)]) == 1
    assert "no permission" in capsys.readouterr().err
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    assert main(["fetch", "--company", company_id(1), "--gc-company-id", "someone-else",
                 "--base-url", fake.base_url, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "rejected the request" in err and "general-contractor-company-id does not match" in err
    assert main(["fetch", "--company", company_id(1), "--gc-company-id", fake.user_gc_company_id,
                 "--base-url", fake.base_url, "--out", str(tmp_path)]) == 0
    assert fake.requests[-1].headers["general-contractor-company-id"] == fake.user_gc_company_id


@pytest.mark.parametrize(
    "argv, words",
    [
        (["fetch", "--out", "X"], "say which companies"),
        (["fetch", "--company", "1", "--search", "x", "--out", "X"], "add --all"),
        (["fetch", "--all", "--limit", "41", "--out", "X"], "--limit must be between 1 and 40"),
        (["fetch", "--all", "--updated-since", "yesterday", "--out", "X"], "--updated-since: expected a date"),
        (["fetch", "--company", "../etc", "--out", "X"], "not a company id"),
        (["fetch", "--all", "--base-url", "http://example.com/v2", "--out", "X"], "plain http"),
    ],
)
def test_usage_errors(main, capsys, argv, words):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_env_base_url(fake, main, monkeypatch, tmp_path):
    monkeypatch.setenv("TRADETAPP_BASE_URL", fake.base_url)
    assert main(["fetch", "--company", company_id(2), "--out", str(tmp_path)]) == 0
