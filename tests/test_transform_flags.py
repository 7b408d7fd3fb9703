"""Flags and the verdict: the qualification decision, safety, insurance and financial rules, the
rules file (--rules TOML) and the README's rule table."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import clean_record, good_insurance

from reporter.api.models import Qualification
from reporter.errors import ConfigError
from reporter.render.json import plain
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report
from reporter.transform.rules import CATALOG, DEFAULT_RULES, RULE_IDS
from reporter.transform.rules_file import load_rules

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 28)
GOOD_INSURANCE = good_insurance()
CLEAN = clean_record()


def build(rules=DEFAULT_RULES, project=Project(), **changes):
    rec = Qualification.model_validate({**CLEAN, **changes})
    return build_report(rec, ReportContext(as_of=AS_OF, rules=rules, project=project))


def rules_of(rep):
    return [f.rule for f in rep.flags]


def test_a_clean_record_is_green():
    rep = build()
    assert rep.flags == [] and rep.verdict == "green"
    assert rep.verdict_reasons == ["Qualified, expires 2027-06-30; no high or medium flags"]


@pytest.mark.parametrize("status, rule, verdict", [
    ("DENIED", "qualification.denied", "red"),
    ("EXPIRED", "qualification.expired", "red"),
    ("QUALIFIED_WITH_EXCEPTIONS", "qualification.exceptions", "amber"),
    ("PROBATION", "qualification.unknown", "amber"),
    (None, "qualification.missing", "amber"),
])
def test_the_qualification_decision_drives_the_verdict(status, rule, verdict):
    rep = build(qualification={"status": status, "dateExpires": "2027-06-30T00:00:00Z",
                               "denialReason": "Safety record", "summary": "Needs new GL certificate",
                               "preExpirationStatus": "QUALIFIED"})
    assert rules_of(rep)[0] == rule and rep.verdict == verdict
    assert rep.verdict_reasons[0] == rep.flags[0].message


def test_denial_reason_is_in_the_message_and_the_evidence():
    reason = "Fatality in 2024; " + "x" * 300
    rep = build(qualification={"status": "DENIED", "denialReason": reason})
    f = rep.flags[0]
    assert f.message.startswith("Qualification DENIED: Fatality in 2024; xxx") and len(f.message) < 200
    assert f.evidence["denialReason"] == reason  # the full text is kept


def test_safety_flags_and_fatality_lookback_from_the_as_of_year():
    def osha(year, deaths, hours=400000, j=0):
        return {"year": year, "totalNumberDeathsBoxG": deaths, "otherRecordableCasesBoxJ": j, "totalHoursWorked": hours}
    # As of 2026-11-28 with a 3-year lookback, deaths in 2023-2026 count; 2022 does not, even
    # when 2022 is the latest OSHA year submitted.
    rep = build(osha300Results=[osha(2022, 1), osha(2021, 0)])
    assert "safety.fatality" not in rules_of(rep)
    rep = build(osha300Results=[osha(2023, 2)])
    f = next(f for f in rep.flags if f.rule == "safety.fatality")
    assert f.message == "2 fatalities recorded in 2023 (OSHA 300A box G)"
    assert f.evidence == {"year": 2023, "deaths": 2, "sinceYear": 2023} and rep.verdict == "red"
    # EMR 1.32 > 1.25 critical (high); average of 1.10, 1.20, 1.32 = 1.2067 > 1.0 (medium)
    rep = build(experienceModificationRatings=[{"year": y, "experienceModificationRating": v}
                                               for y, v in ((2023, 1.10), (2024, 1.20), (2025, 1.32))])
    by = {f.rule: f for f in rep.flags}
    assert by["safety.emr_critical"].severity == "high"
    assert by["safety.emr_critical"].message == "EMR 1.32 in 2025 (above 1.25)"
    assert by["safety.emr_average"].evidence["average"] == D("1.2067")
    # Pooled TRIR over 2024-2025 (2023 has 0 hours and drops out): 9 cases x 200,000 / 460,000 h
    # = 3.913 > 3.6 (medium); 60,000 h in 2024 is a low-hours year (low); 2023 has no rates (low)
    rep = build(osha300Results=[osha(2025, 0, 400000, j=9), osha(2024, 0, 60000), osha(2023, 0, 0)])
    by = {f.rule: f for f in rep.flags}
    assert by["safety.trir_high"].message == "TRIR 3.91 over 2024-2025 (460,000 hours) above 3.6"
    assert by["safety.trir_high"].evidence == {"trir": D("3.9130"), "years": [2024, 2025], "hoursWorked": 460000,
                                               "threshold": D("3.6")}
    assert by["safety.low_hours"].evidence == {"year": 2024, "hoursWorked": 60000, "threshold": 100000}
    assert by["safety.no_hours"].evidence == {"year": 2023, "hoursWorked": 0}
    # Issue 15: missing evidence is medium (evidence.*), said once: the round-1 low flag is not repeated.
    assert rules_of(build(experienceModificationRatings=[])).count("evidence.emr_missing") == 1
    assert "safety.emr_missing" not in rules_of(build(experienceModificationRatings=[]))
    assert "evidence.osha_missing" in rules_of(build(osha300Results=None))
    assert "safety.osha_missing" not in rules_of(build(osha300Results=None))


def test_insurance_required_types_minimums_and_expiry_against_project_end():
    ins = [dict(i) for i in GOOD_INSURANCE]
    ins[0]["aggregateLimit"] = 1500000          # GL aggregate below 2,000,000
    ins[1]["policyExpirationDate"] = "2026-11-01"  # auto expired before as-of
    ins[2] = {"insuranceType": "UMBRELLA_EXCESS", "isNotApplicable": True}
    del ins[3]                                   # no workers' compensation
    rep = build(insuranceCoverages=ins, project=Project(end=date(2027, 9, 30)))
    by = {f.rule: f for f in rep.flags}
    assert by["insurance.missing"].message == "Workers' compensation: not provided"
    assert by["insurance.missing"].severity == "high"
    assert by["insurance.expired"].message == "Automobile liability policy expired 2026-11-01"
    assert by["insurance.not_applicable"].message == "Umbrella / excess: marked not applicable"
    assert by["insurance.below_minimum"].message == "General liability: aggregate limit $1,500,000.00 is below the minimum of $2,000,000.00"
    assert by["insurance.below_minimum"].evidence["limit"] == D(1500000)
    # Policies that end 2027-12-31 outlast the project (2027-09-30): nothing about project end.
    assert "insurance.before_project_end" not in by
    rep = build(project=Project(end=date(2028, 3, 31)))
    assert rules_of(rep).count("insurance.before_project_end") == 4
    assert rep.verdict == "amber"
    assert rep.verdict_reasons == ["General liability expires 2027-12-31, before project end 2028-03-31 (and 3 more like it)"]
    # Without a project end, expiry within 30 days of as-of warns.
    ins = [dict(i, policyExpirationDate="2026-12-10") for i in GOOD_INSURANCE]
    rep = build(insuranceCoverages=ins)
    assert rep.flags[0].message == "General liability expires in 12 days (2026-12-10)"


def test_financial_flags():
    rep = build(bankLineOfCreditTotal=1000000, bankLineOfCreditOutstanding=800000,
                annualVolumeRevenues=[{"year": 2024, "estimatedVolumeRevenue": 10000000},
                                      {"year": 2025, "estimatedVolumeRevenue": 7500000}])
    by = {f.rule: f for f in rep.flags}
    # 800,000 / 1,000,000 = 80% > 75%; (7.5M - 10M) / 10M = -25% < -20%
    assert by["financial.loc_utilisation"].message == "Line of credit 80% used (above 75%)"
    assert by["financial.revenue_drop"].message == "Revenue fell 25% in 2025"
    assert by["financial.revenue_drop"].evidence["change"] == D("-0.2500")


def test_verdict_reasons_are_the_most_important_two_or_three():
    rep = build(qualification={"status": "DENIED", "denialReason": "Safety", "internalSingleLimit": 10},
                insuranceCoverages=[], project=Project(value=D(1000)))
    assert rep.verdict == "red"
    assert rep.verdict_reasons == [
        "Qualification DENIED: Safety",
        "Award $1,000.00 exceeds internal single limit $10.00 (100.0x)",
        "General liability: not provided (and 1 more like it)",  # issue 15: only GL and WC are high by default
    ]


def test_evidence_is_json_ready_and_rules_are_catalogued():
    rep = build(qualification={"status": "QUALIFIED", "dateExpires": "2026-12-01T00:00:00Z", "internalSingleLimit": 10},
                bankLineOfCreditTotal=3, bankLineOfCreditOutstanding=2, insuranceCoverages=[],
                project=Project(value=D(1000), end=date(2027, 1, 1)))
    assert len(rep.flags) >= 6
    for f in rep.flags:
        assert f.rule in RULE_IDS and f.severity in ("high", "medium", "low")
        assert "\n" not in f.message
        json.dumps(plain(f.evidence))  # no TypeError


def write(tmp_path, text):
    p = tmp_path / "rules.toml"
    p.write_text(text)
    return p


def test_rules_file_overrides_thresholds_severities_and_minimums(tmp_path):
    rules = load_rules(write(tmp_path, """
[safety]
emr_caution = 0.9
low_hours = 500000
[insurance]
required = ["general_liability"]
currency = "usd"
[insurance.minimums.GENERAL_LIABILITY]
per_occurrence = 2000000
[severities]
"safety.emr_caution" = "HIGH"
"safety.low_hours" = "off"
"""))
    assert rules.emr_caution == D("0.9") and rules.low_hours == 500000
    assert rules.required_insurance == ("GENERAL_LIABILITY",) and rules.insurance_currency == "USD"
    assert rules.insurance_minimums["GENERAL_LIABILITY"].per_occurrence == D(2000000)
    assert rules.insurance_minimums["GENERAL_LIABILITY"].aggregate is None
    assert rules.insurance_minimums["UMBRELLA_EXCESS"].per_occurrence == D(5000000)  # untouched
    rep = build(rules=rules)  # EMR 0.85 <= 0.9; GL 1,000,000 < 2,000,000; 400,000 h < 500,000 but "off"
    assert rules_of(rep) == ["insurance.below_minimum"]
    rep = build(rules=rules, experienceModificationRatings=[{"year": 2025, "experienceModificationRating": 0.95}])
    assert next(f for f in rep.flags if f.rule == "safety.emr_caution").severity == "high"
    assert rep.verdict == "red"


@pytest.mark.parametrize("text, message", [
    ("[safety]\nemr_cution = 1\n", "safety.emr_cution: unknown key"),
    ("[safty]\n", "safty: unknown section"),
    ('[safety]\nlow_hours = "many"\n', "safety.low_hours: expected a whole number (>= 0), got a string 'many'"),
    ("[safety]\nlow_hours = 1.5\n", "safety.low_hours: expected a whole number"),
    ("[safety]\nemr_caution = true\n", "safety.emr_caution: expected a number (>= 0), got a boolean"),
    ('[severities]\n"safety.emr_caution" = "severe"\n', "unknown severity 'severe'"),
    ('[severities]\n"safety.nope" = "low"\n', 'severities."safety.nope": unknown rule id'),
    ('[insurance]\ncurrency = "DOLLARS"\n', "insurance.currency: 'DOLLARS' is not an ISO 4217"),
    ("[insurance.minimums.GENERAL_LIABILITY]\nper_ocurrence = 1\n", "insurance.minimums.GENERAL_LIABILITY.per_ocurrence: unknown key"),
    ("[safety]\nemr_critical = 0.5\n", "safety.emr_critical: 0.5 is below safety.emr_caution"),
    ("[safety\n", "not valid TOML"),
])
def test_rules_file_errors_are_one_line_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_rules(path)
    text = str(exc.value)
    assert text.startswith(f"--rules {path}: ") and message in text and "\n" not in text
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rules_example_is_valid_and_the_defaults(tmp_path):
    block = re.search(r"## Rules file.*?```toml\n(.*?)```", readme(), re.S).group(1)
    rules = load_rules(write(tmp_path, block))
    # The example restates the defaults, except its two severity lines.
    assert rules.severities == {"capacity.largest_project": "high", "safety.low_hours": "off"}
    from dataclasses import replace
    assert replace(rules, severities={}) == DEFAULT_RULES


def test_readme_rule_table_matches_the_catalog():
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (high|medium|low) \|", readme(), re.M)
    assert rows == [(r.id, r.severity) for r in CATALOG]


def test_redacted_copies_know_the_capacity_rule_ids():
    from reporter.transform.redact import redact_report
    # Award 20,000,000 > single bonding 17,000,000 (high): the only high flag, so the first reason.
    rep = build(suretySingleProjectBondingCapacity=17000000, project=Project(value=D(20000000)),
                qualification={"status": "QUALIFIED", "dateExpires": "2027-06-30T00:00:00Z"})
    assert rep.verdict_reasons[0] == "Award $20,000,000.00 exceeds single-project bonding capacity $17,000,000.00 (1.2x)"
    red = redact_report(rep, "financial")
    assert red.verdict_reasons[0] == "Award exceeds single-project bonding capacity (figures withheld)"
    assert "17,000,000" not in " ".join(f.message for f in red.flags)


def test_exceptions_message_does_not_repeat_the_status(example_raw):
    import datetime as _dt

    from reporter.api.saved import validate_record
    from reporter.transform.model import ReportContext
    from reporter.transform.report import build_report

    raw = dict(example_raw, qualification=dict(example_raw["qualification"],
                                                summary="Qualified with exceptions: pending lawsuit."))
    report = build_report(validate_record(raw, "t").model, ReportContext(as_of=_dt.date(2026, 11, 28)))
    (flag,) = [f for f in report.flags if f.rule == "qualification.exceptions"]
    assert flag.message == "Qualified with exceptions: pending lawsuit."
