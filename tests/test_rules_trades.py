"""Trade-aware safety benchmarks: CSI codes -> NAICS trade -> BLS rates, with honest fallbacks."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal as D
from importlib import resources

import pytest
from conftest import SAMPLES

from reporter.transform import trades
from reporter.transform.trades import (
    TradeRate,
    benchmark_for,
    judge_rate,
    load_table,
    naics_for_csi,
    trade_for,
)


def csi(record_file: str) -> list[dict]:
    return json.loads((SAMPLES / record_file).read_text(encoding="utf-8"))["csiCodesForWorkPerformed"]


def test_bundled_table_rows_all_carry_year_and_source_and_only_construction_codes():
    text = resources.files("reporter.data").joinpath("bls_soii_construction.toml").read_text(encoding="utf-8")
    table = load_table(text)
    assert "23" in table and table["23"].trir == D("2.3") and table["23"].year == 2023
    for naics, row in table.items():
        assert naics.startswith("23") and row.year >= 2020 and "BLS SOII" in row.source
        assert row.trir is not None or row.dart is not None
    assert set(tomllib.loads(text)["rates"]) == set(table)


@pytest.mark.parametrize(("record", "naics"), [
    ("summit-electrical-large.json", "23821"),
    ("harbor-glazing.json", "23815"),
    ("redline-concrete.json", "23811"),
    ("sparse-framing.json", "23813"),
    ("northern-lights-mechanical.json", "23822"),
    ("gr8-builders.json", "23831"),  # 07 81 29 cementitious fireproofing: drywall and insulation contractors
])
def test_sample_subs_map_to_their_trade(record, naics):
    assert trade_for(csi(record)) == naics


def test_codes_as_strings_and_titles():
    assert naics_for_csi("26 05 19") == "23821"
    assert naics_for_csi("7 81 29") == "23831"  # written without the leading zero
    assert naics_for_csi("07 52 16") == "23816"  # SBS membrane roofing
    assert naics_for_csi("07 41 13") == "23816"  # metal roof panels
    assert naics_for_csi("07 42 13") == "23817"  # metal wall panels: siding
    assert naics_for_csi("09 91 23") == "23832"  # interior painting
    assert naics_for_csi("06 20 00") == "23835"  # finish carpentry
    assert naics_for_csi({"primaryCode": None, "codeDescription": "Electrical service and distribution"}) == "23821"
    assert naics_for_csi({"primaryCode": "99", "codeDescription": "Something else"}) is None
    # A sub with more drywall codes than painting codes is a drywall sub.
    assert trade_for(["09 21 16", "09 22 16", "09 91 23"]) == "23831"


def test_electrical_sub_compared_with_electrical_contractors():
    b = benchmark_for(csi("summit-electrical-large.json"))
    assert (b.naics, b.trir, b.trir_naics, b.trir_year) == ("23821", D("1.8"), "23821", 2021)
    assert "BLS SOII 2021" in b.source
    j = judge_rate(D("2.7"), b, D("1.25"))
    assert j.exceeded is True and j.threshold == D("2.250")
    assert j.comparison == "TRIR 2.70 vs 1.8 for electrical contractors (BLS 2021)"
    assert judge_rate(D("2.2"), b, D("1.25")).exceeded is False


def test_trade_without_its_own_figure_falls_back_to_all_construction_and_says_so():
    b = benchmark_for(csi("harbor-glazing.json"))
    assert b.naics == "23815" and b.title == "Glass and glazing contractors"
    assert b.trir == D("2.3") and b.trir_naics == "23"
    assert "no BLS TRIR figure for glass and glazing contractors (NAICS 23815): used construction (NAICS 23, 2023)" in b.fallback_note
    j = judge_rate(D("3.0"), b, D("1.25"))
    assert j.exceeded is True and j.comparison == "TRIR 3.00 vs 2.3 for construction (BLS 2023)"


def test_fallback_goes_through_the_parent_naics_first():
    table = {
        "23": TradeRate("23", "Construction", D("2.3"), None, 2023, "BLS SOII 2023"),
        "2383": TradeRate("2383", "Building finishing contractors", D("2.6"), D("1.6"), 2023, "BLS SOII 2023 (test row)"),
    }
    b = benchmark_for(["09 91 23"], table)  # painting -> 23832, no row -> 2383
    assert (b.naics, b.trir, b.trir_naics, b.dart, b.dart_naics) == ("23832", D("2.6"), "2383", D("1.6"), "2383")
    assert "used building finishing contractors (NAICS 2383, 2023)" in b.fallback_note


def test_missing_dart_is_never_invented():
    b = benchmark_for(csi("redline-concrete.json"))
    assert b.dart is None and "no BLS DART figure" in b.fallback_note
    j = judge_rate(D("2.0"), b, D("1.25"), measure="dart")
    assert j.exceeded is None and j.threshold is None and "no BLS DART benchmark" in j.comparison


def test_no_csi_codes_compares_with_all_construction():
    b = benchmark_for([])
    assert b.naics == "23" and b.trir == D("2.3") and "no CSI code maps to a trade" in b.fallback_note


def test_no_rate_cannot_be_judged():
    assert judge_rate(None, benchmark_for([]), D("1.25")).exceeded is None
    with pytest.raises(ValueError):
        judge_rate(D(1), benchmark_for([]), D(1), measure="ltir")


def test_bundled_table_is_read_once():
    assert trades.bundled_table() is trades.bundled_table()
