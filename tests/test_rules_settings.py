"""Round-2 settings: rules-file keys, insurance severity per type, the README rows file, the wheel."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from reporter.errors import ConfigError
from reporter.transform.rules import (
    BASE_CATALOG,
    CATALOG,
    DEFAULT_RULES,
    FULL_CATALOG,
    NEW_RULES,
    PRIORITY,
    RULE_IDS,
)
from reporter.transform.rules_file import load_rules

ROOT = Path(__file__).resolve().parent.parent
ROWS = ROOT / "README.md"  # the rows file was pasted into the README (issue 15) and deleted


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_every_existing_rule_keeps_its_id_and_default_and_new_ids_are_known():
    assert [r for r in FULL_CATALOG if r.id in {c.id for c in BASE_CATALOG}] == list(BASE_CATALOG)
    assert len(FULL_CATALOG) == len(BASE_CATALOG) + len(NEW_RULES) == len(RULE_IDS)
    assert CATALOG == FULL_CATALOG  # the README's table lists every rule
    for r in NEW_RULES:
        assert r.severity in ("high", "medium", "low") and r.source, r.id
    # The verdict names the decisive facts first: a termination before an EMR, a stale record
    # before a missing insurance type, a not-submitted EMR year among the low notes.
    assert PRIORITY["legal.termination_default"] < PRIORITY["capacity.single_limit"] < PRIORITY["safety.emr_critical"]
    assert PRIORITY["safety.trir_trade"] < PRIORITY["safety.trir_high"]


def test_insurance_severity_per_type():
    r = DEFAULT_RULES
    assert r.insurance_gap_severity("insurance.not_applicable", "GENERAL_LIABILITY") == "high"
    assert r.insurance_gap_severity("insurance.missing", "WORKERS_COMPENSATION") == "high"
    assert r.insurance_gap_severity("insurance.missing", "AUTOMOBILE_LIABILITY") == "medium"
    assert r.insurance_gap_severity("insurance.not_applicable", "UMBRELLA_EXCESS") == "medium"


def test_insurance_severity_in_the_rules_file_wins_over_severities(tmp_path):
    rules = load_rules(write(tmp_path, '[insurance.severity]\nUMBRELLA_EXCESS = "high"\nother = "low"\n'
                                       '[severities]\n"insurance.missing" = "low"\n'))
    assert rules.insurance_gap_severity("insurance.missing", "UMBRELLA_EXCESS") == "high"
    assert rules.insurance_gap_severity("insurance.missing", "GENERAL_LIABILITY") == "low"  # [severities]
    assert rules.insurance_gap_severity("insurance.not_applicable", "AUTOMOBILE_LIABILITY") == "low"  # other
    with pytest.raises(ConfigError, match=r"insurance\.severity\.GENERAL_LIABILITY: unknown severity 'red'"):
        load_rules(write(tmp_path, '[insurance.severity]\nGENERAL_LIABILITY = "red"\n'))


def test_new_settings_are_read_and_checked(tmp_path):
    rules = load_rules(write(tmp_path, (
        "[safety]\ntrade_multiple = 1.5\ntrade_benchmarks = false\n[capacity]\naward_revenue_share = 0.2\n"
        "[plausibility]\nmin_revenue_to_largest_project = 0.4\nmax_backlog_to_revenue = 2.5\n"
        "[evidence]\nmax_record_age_months = 18\nmax_year_age = 2\nyear_grace_months = 4\n"
        '[legal.keywords]\nclaims = ["claim", "EEOC"]\n'
        '[severities]\n"legal.osha_citation" = "high"\n"staleness.record" = "low"\n'
    )))
    assert (rules.trade_multiple, rules.trade_benchmarks, rules.award_revenue_share) == (Decimal("1.5"), False, Decimal("0.2"))
    assert (rules.max_record_age_months, rules.max_year_age, rules.year_grace_months) == (18, 2, 4)
    assert rules.legal_keywords["claims"] == ("claim", "EEOC")
    assert rules.legal_keywords["liens"] == DEFAULT_RULES.legal_keywords["liens"]
    assert rules.severity("legal.osha_citation") == "high" and rules.severity("staleness.record") == "low"


@pytest.mark.parametrize(("text", "says"), [
    ("[evidence]\nmax_record_age_months = 0\n", "evidence.max_record_age_months: expected a whole number (>= 1)"),
    ("[evidence]\nyear_grace_months = 13\n", "evidence.year_grace_months: expected a whole number of months (0-12)"),
    ('[safety]\ntrade_benchmarks = "yes"\n', "safety.trade_benchmarks: expected true or false"),
    ('[legal.keywords]\nfelony = ["felony"]\n', "legal.keywords.felony: unknown category"),
    ("[legal.keywords]\nliens = []\n", "legal.keywords.liens: expected a list of keywords"),
    ('[legal]\nscan = true\n', "legal.scan: unknown key"),
    ('[plausibility]\nmax_backlog = 3\n', "plausibility.max_backlog: unknown key"),
])
def test_bad_new_settings_are_one_line_errors(tmp_path, text, says):
    with pytest.raises(ConfigError) as exc:
        load_rules(write(tmp_path, text))
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_readme_rows_file_lists_every_rule_and_its_example_restates_the_defaults(tmp_path):
    text = ROWS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (high|medium|low) \|", text, re.M)
    assert rows == [(r.id, r.severity) for r in FULL_CATALOG]
    block = re.search(r"## Rules file \(`--rules FILE`\).*?```toml\n(.*?)```", text, re.S).group(1)
    rules = load_rules(write(tmp_path, block))
    assert rules.severities == {"capacity.largest_project": "high", "safety.low_hours": "off"}
    assert replace(rules, severities={}) == DEFAULT_RULES


@pytest.mark.slow
def test_wheel_ships_the_data_files(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (whl,) = tmp_path.glob("reporter-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    assert {"reporter/data/bls_soii_construction.toml", "reporter/data/__init__.py"} <= names
