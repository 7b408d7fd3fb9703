"""Issue 15 wired end to end: realistic subs, one defect each, through build_report, the JSON, page
one's HTML, the CLI (--project-value with a currency, --gc-backlog) and leveling.xlsx."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from helpers import clean_record, good_insurance

from reporter.api.models import Qualification
from reporter.cli import main
from reporter.render.html import render_html
from reporter.render.json import report_to_json
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.gc_backlog import parse_gc_backlog
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report

AS_OF = date(2026, 11, 28)
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def osha(year, hours=400_000, j=1, h=0):
    return {"year": year, "totalNumberDeathsBoxG": 0, "totalNumberCasesDaysAwayBoxH": h,
            "totalNumberCasesRestrictionTransferBoxI": 0, "otherRecordableCasesBoxJ": j, "totalHoursWorked": hours}


def build(project=Project(), ctx_changes=None, **changes):
    rec = Qualification.model_validate(clean_record(**changes))
    return build_report(rec, ReportContext(as_of=AS_OF, project=project, **(ctx_changes or {})))


def by_rule(rep):
    return {f.rule: f for f in rep.flags}


def test_gl_auto_umbrella_and_wc_all_marked_not_applicable_is_red_not_amber():
    # The Autodesk sample's sub: every coverage "not applicable", for a $500K award.
    ins = [dict(i, isNotApplicable=True) for i in good_insurance()]
    rep = build(insuranceCoverages=ins, project=Project(value=D(500_000)))
    sev = {(f.rule, f.evidence["insuranceType"]): f.severity for f in rep.flags if f.rule == "insurance.not_applicable"}
    assert sev == {("insurance.not_applicable", "GENERAL_LIABILITY"): "high",
                   ("insurance.not_applicable", "WORKERS_COMPENSATION"): "high",
                   ("insurance.not_applicable", "AUTOMOBILE_LIABILITY"): "medium",
                   ("insurance.not_applicable", "UMBRELLA_EXCESS"): "medium"}
    assert rep.verdict == "red"
    assert "General liability: marked not applicable (and 1 more like it)" in rep.verdict_reasons


def test_an_emr_sent_as_zero_is_not_submitted_everywhere():
    emrs = [{"year": y, "experienceModificationRating": v} for y, v in ((2022, 0.90), (2023, 0.91), (2024, 2.00), (2025, 0.0))]
    rep = build(experienceModificationRatings=emrs)
    s = rep.safety
    assert s.emr_latest.year == 2024 and s.emr_latest.value == D("2.0")  # never the 0.0
    assert s.emr_average3 == (D("0.90") + D("0.91") + D("2.00")) / 3  # 1.27, not 0.60
    assert s.emr_not_submitted == (2025,) and [e.year for e in s.emr] == [2022, 2023, 2024]
    flags = by_rule(rep)
    assert flags["evidence.emr_not_submitted"].message == "EMR for 2025: not submitted (sent as 0 or blank)"
    assert "safety.emr_critical" in flags and "safety.emr_average" in flags and rep.verdict == "red"
    assert report_to_json(rep)["safety"]["emrNotSubmitted"] == [2025]
    html = render_html(rep)
    assert "not submitted" in html and "Not submitted: EMR 2025" in html


def test_a_record_with_no_emr_at_all_is_never_a_silent_green():
    rep = build(experienceModificationRatings=[{"year": 2025, "experienceModificationRating": 0}])
    f = by_rule(rep)["evidence.emr_missing"]
    assert f.severity == "medium" and "every year was sent as 0 or blank (2025)" in f.message
    assert rep.verdict == "amber"
    assert build(osha300Results=[osha(2025, hours=0)]).verdict == "amber"  # evidence.osha_missing


def test_a_record_last_updated_in_2019_is_stale_and_page_one_says_how_old():
    rep = build(updatedAt="2019-01-15T18:30:36Z")
    f = by_rule(rep)["staleness.record"]
    assert f.severity == "medium" and f.message.startswith("Record last updated 2019-01-15, 7 years ago")
    assert rep.verdict == "amber"
    assert rep.submission_age == "Submission last updated 7 years ago (2019-01-15)"
    assert "Submission last updated 7 years ago" in render_html(rep)
    assert report_to_json(rep)["submissionAge"] == rep.submission_age
    old_emr = build(experienceModificationRatings=[{"year": 2021, "experienceModificationRating": 0.8}])
    assert by_rule(old_emr)["staleness.emr"].evidence["expectedYear"] == 2025


def test_revenue_of_1332_beside_a_1_2m_project_and_345k_backlog_says_check_the_figures():
    rep = build(annualVolumeRevenues=[{"year": 2025, "estimatedVolumeRevenue": 1332}], currentEstimatedBacklog=345000,
                completedReferences=[{"projectName": "Depot", "value": 1200000, "yearCompleted": 2024}])
    flags = by_rule(rep)
    assert flags["plausibility.revenue_vs_largest_project"].message.endswith("check the figures")
    assert "$1,332.00" in flags["plausibility.revenue_vs_largest_project"].message
    assert flags["plausibility.revenue_vs_backlog"].evidence["ratio"] == D("259.009")
    assert rep.verdict == "amber"


def test_an_award_above_a_whole_year_of_revenue_is_red_and_a_zero_revenue_year_is_not_a_year():
    revs = [{"year": 2024, "estimatedVolumeRevenue": 900000}, {"year": 2025, "estimatedVolumeRevenue": 0}]
    rep = build(annualVolumeRevenues=revs, project=Project(value=D(1_000_000)))
    assert rep.financial.revenue_latest.year == 2024 and rep.financial.revenue_not_submitted == (2025,)
    assert "evidence.revenue_not_submitted" in by_rule(rep)
    f = by_rule(rep)["capacity.award_exceeds_revenue"]
    assert f.severity == "high" and rep.verdict == "red"
    assert rep.verdict_reasons[0] == f.message == "Award $1,000,000.00 is 111% of the sub's whole annual revenue $900,000.00 (2024)"


QUESTIONS = {"pagination": {}, "results": [
    {"question": "Is any litigation pending against your company?", "booleanResponse": True},
    {"question": "Describe any pending litigation", "textResponse": "Change-order dispute, Adams County, $1.2M"},
    {"question": "Have liquidated damages been assessed against you in the last 5 years?", "booleanResponse": True},
    {"question": "Total liquidated damages assessed in the last 5 years (USD)", "numberResponse": 186500},
    {"question": "Have you been terminated for default on any contract?", "booleanResponse": False},
]}


def test_legal_answers_reach_the_verdict_and_the_page_one_box():
    rep = build(customQuestions=QUESTIONS)
    flags = by_rule(rep)
    assert flags["legal.litigation"].severity == "medium"
    assert "Change-order dispute, Adams County, $1.2M" in flags["legal.litigation"].message
    assert flags["legal.liquidated_damages"].message.endswith("186,500")
    assert "legal.termination_default" not in flags  # a plain "No"
    assert rep.verdict == "amber" and [f.rule for f in rep.legal] == ["legal.litigation", "legal.liquidated_damages"]
    html = render_html(rep)
    assert "Legal, claims and citations (2)" in html and "Change-order dispute, Adams County" in html
    assert report_to_json(rep)["legal"][1]["answer"].endswith("186,500")
    terminated = {"results": [{"question": "Have you been terminated for default on any contract?",
                               "booleanResponse": True, "textResponse": "Yes, 2022, Elm St. school"}]}
    rep = build(customQuestions=terminated)
    assert by_rule(rep)["legal.termination_default"].severity == "high" and rep.verdict == "red"
    assert rep.verdict_reasons[0].startswith('Termination or default: "Have you been terminated for default')


ELECTRICAL = [{"primaryCode": "26", "secondaryCode": "05", "codeDescription": "Common Work Results for Electrical"}]
DRYWALL = [{"primaryCode": "09", "secondaryCode": "21", "codeDescription": "Plaster and Gypsum Board Assemblies"}]


def test_trade_aware_trir_for_an_electrical_sub_and_a_fallback_for_drywall():
    # 27 recordables over 2,000,000 hours = TRIR 2.7: below the flat 3.6, above 1.25 x 1.8 (electrical, BLS 2021).
    years = [osha(2023, 700_000, 9), osha(2024, 700_000, 9), osha(2025, 600_000, 9)]
    rep = build(osha300Results=years, csiCodesForWorkPerformed=ELECTRICAL)
    f = by_rule(rep)["safety.trir_trade"]
    assert f.severity == "medium" and "safety.trir_high" not in by_rule(rep)
    assert f.message.startswith("TRIR 2.70 vs 1.8 for electrical contractors (BLS 2021) over 2023-2025")
    assert rep.verdict == "amber"
    assert "TRIR 2.70 vs 1.8 for electrical contractors (BLS 2021)" in render_html(rep)
    # Drywall has no sourced figure: compared with all construction (2.3), a weaker benchmark: low.
    years = [osha(2023, 700_000, 10), osha(2024, 700_000, 10), osha(2025, 600_000, 10)]  # TRIR 3.0 > 2.875
    rep = build(osha300Results=years, csiCodesForWorkPerformed=DRYWALL)
    f = by_rule(rep)["safety.trir_trade"]
    assert f.severity == "low" and "vs 2.3 for all construction (BLS 2023)" in f.message
    assert "no sourced BLS figure for drywall and insulation contractors" in f.message
    assert rep.verdict == "green"


def test_a_25_hour_year_never_drives_the_judged_rate():
    years = [osha(2023, 300_000, 1), osha(2024, 308_000, 1), osha(2025, 25, 3)]
    rep = build(osha300Results=years, csiCodesForWorkPerformed=ELECTRICAL)
    assert rep.safety.judged.years == (2023, 2024) and rep.safety.low_hours_excluded == (2025,)
    assert "safety.trir_trade" not in by_rule(rep)  # 2 over 608,000 hours = 0.66
    assert report_to_json(rep)["safety"]["judged"]["lowHoursExcluded"] == [2025]


CAD_RECORD = dict(submissionCurrency="CAD", qualification={"status": "QUALIFIED", "dateExpires": "2027-06-30T00:00:00Z",
                                                           "internalSingleLimit": 3_000_000})


def test_an_award_in_usd_is_never_reinterpreted_in_a_canadian_subs_currency():
    award = Project(value=D(2_500_000), currency="USD")
    rep = build(project=award, **CAD_RECORD)
    assert rep.capacity == [] and rep.award.amount is None
    f = by_rule(rep)["capacity.award_unconverted"]
    assert f.severity == "medium" and "could not be made" in f.message and rep.verdict == "amber"
    fx = FxTable((FxRate(date(2026, 11, 27), "USD", "CAD", D("1.40")),))
    rep = build(project=award, ctx_changes={"fx": fx}, **CAD_RECORD)
    single = next(c for c in rep.capacity if c.key == "singleLimit")
    assert single.award_or_load == D("3500000.00") and single.exceeded  # 3.5M CAD > 3.0M CAD
    assert report_to_json(rep)["award"]["inReportCurrency"] == "3500000.00"


def test_the_internal_total_limit_uses_the_gcs_own_backlog():
    gc = parse_gc_backlog("companyId,amount,currency\nf1,400000,USD\nf1,100000,USD\n", source="--gc-backlog erp.csv")
    q = {"status": "QUALIFIED", "dateExpires": "2027-06-30T00:00:00Z", "internalTotalLimit": 1_000_000}
    rep = build(qualification=q, currentEstimatedBacklog=9_000_000, project=Project(value=D(300_000)),
                ctx_changes={"gc_backlog": gc})
    total = next(c for c in rep.capacity if c.key == "totalLimit")
    assert total.award_or_load == D(800_000) and not total.exceeded  # 500K with this GC + 300K award
    assert rep.backlog_note == "Backlog with this GC from --gc-backlog erp.csv"
    rep = build(qualification=q, currentEstimatedBacklog=9_000_000, project=Project(value=D(300_000)))
    assert next(c for c in rep.capacity if c.key == "totalLimit").exceeded  # 9.3M self-reported
    assert "self-reported total backlog" in rep.backlog_note and "Internal total limit: used the sub&#39;s self-reported" in render_html(rep)


def test_verdict_reasons_carry_no_enum_codes():
    q = {"status": "QUALIFIED_WITH_EXCEPTIONS", "dateExpires": "2025-06-30T00:00:00Z"}
    rep = build(qualification=q)
    assert rep.verdict == "red" and "QUALIFIED_WITH_EXCEPTIONS" in rep.flags[0].message
    assert rep.verdict_reasons[0] == rep.flags[0].message.replace("QUALIFIED_WITH_EXCEPTIONS", "qualified with exceptions")


def test_cli_project_value_with_a_currency_gc_backlog_and_leveling_with_one_currency_per_column(tmp_path):
    erp = tmp_path / "erp.csv"
    erp.write_text("uniqueId,amount,currency\nX-1,250000,USD\n", encoding="utf-8")
    inputs = [str(SAMPLES / n) for n in ("internationale-batiment.json", "summit-electrical-large.json")]
    out = tmp_path / "out"
    assert main(["build", *inputs, "--out", str(out), "--formats", "json,xlsx", "-q", "--as-of", "2026-11-28",
                 "--project-value", "2500000 USD", "--gc-backlog", str(erp)]) == 0
    reports = {json.loads(p.read_text())["submissionCurrency"]: json.loads(p.read_text())
               for p in out.glob("*.json") if p.name != "manifest.json"}
    assert reports["CAD"]["capacity"] == [] and reports["CAD"]["award"]["currency"] == "USD"
    assert "capacity.award_unconverted" in {f["rule"] for f in reports["CAD"]["flags"]}
    assert reports["USD"]["capacity"] and reports["USD"]["project"]["currency"] == "USD"
    headers = [c.value for c in next(openpyxl.load_workbook(out / "leveling.xlsx")["Leveling"].iter_rows(max_row=1))]
    assert "Backlog (CAD)" in headers and "Backlog (USD)" in headers and "Backlog" not in headers


@pytest.mark.parametrize("args, message", [
    (["--project-value", "2500000 USD", "--project-currency", "CAD"], "--project-value: '2500000 USD' is in USD but --project-currency says CAD"),
    (["--project-currency", "CAD"], "--project-currency needs --project-value"),
    (["--gc-backlog", "/nonexistent/erp.csv"], "--gc-backlog /nonexistent/erp.csv: cannot read"),
])
def test_bad_award_and_backlog_options_are_one_line_errors(tmp_path, capsys, args, message):
    rc = main(["build", str(SAMPLES / "summit-electrical-large.json"), "--out", str(tmp_path / "o"), "-q", *args])
    err = capsys.readouterr().err
    assert rc != 0 and message in err and "Traceback" not in err


def test_a_tiny_sub_with_18400_hours_is_shown_not_judged_on_the_flat_trir_either():
    rep = build(osha300Results=[osha(2023, 0, 0), osha(2024, 0, 0), osha(2025, 18_400, 1)])
    assert rep.safety.three_year.trir == D(200_000) / D(18_400)  # still shown: 10.87
    rules = by_rule(rep)
    assert "safety.trir_high" not in rules and rules["safety.rates_unstable"].severity == "low"
    assert "Not submitted: OSHA 300A hours 2023, 2024" in render_html(rep)
