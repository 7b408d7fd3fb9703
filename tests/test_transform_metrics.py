"""Metrics worked by hand: TRIR, DART, LTIR per year and pooled; EMR latest, average, trend;
revenue year over year; line-of-credit use; every capacity check against --project-value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from reporter.api.models import Qualification
from reporter.render.json import report_to_json
from reporter.transform import metrics
from reporter.transform.model import EmrYear, Project, ReportContext
from reporter.transform.report import build_report

AS_OF = date(2026, 11, 28)


def osha(year, g, h, i, j, hours):
    return {"year": year, "totalNumberDeathsBoxG": g, "totalNumberCasesDaysAwayBoxH": h,
            "totalNumberCasesRestrictionTransferBoxI": i, "otherRecordableCasesBoxJ": j, "totalHoursWorked": hours}


RECORD = {
    "id": "m1", "companyName": "Metrics Co", "submissionCurrency": "USD",
    "qualification": {"status": "QUALIFIED", "dateExpires": "2027-06-30T00:00:00Z",
                      "internalSingleLimit": 50000, "internalTotalLimit": 125000},
    "currentEstimatedBacklog": 12000000,
    "suretySingleProjectBondingCapacity": 17000000,
    "suretyAggregateBondingCapacity": 10000000,
    "bankLineOfCreditTotal": 3000000,
    "bankLineOfCreditOutstanding": 500000,
    "osha300Results": [
        osha(2021, 0, 0, 0, 1, 50000),    # low hours
        osha(2022, 0, 0, 0, 0, 0),        # no hours: no rates
        osha(2023, 0, 0, 2, 1, 350000),
        osha(2024, 1, 1, 0, 2, 250000),
        osha(2025, 0, 2, 1, 4, 400000),
    ],
    "experienceModificationRatings": [
        {"year": 2022, "experienceModificationRating": 0.80},
        {"year": 2023, "experienceModificationRating": 0.88},
        {"year": 2025, "experienceModificationRating": 1.07},
        {"year": 2024, "experienceModificationRating": 0.97},
    ],
    "annualVolumeRevenues": [
        {"year": 2025, "estimatedVolumeRevenue": 13000000},
        {"year": 2024, "estimatedVolumeRevenue": 12500000},
    ],
    "completedReferences": [
        {"projectName": "Big", "value": 200000, "isLargestProject": True},
        {"projectName": "Small", "value": 90000},
    ],
}


def build(award=None, **changes):
    rec = Qualification.model_validate({**RECORD, **changes})
    return build_report(rec, ReportContext(as_of=AS_OF, project=Project(value=award)))


def test_per_year_rates_by_hand():
    years = {y.year: y for y in build().safety.years}
    # 2025: G0 H2 I1 J4, 400,000 h. TRIR = 7 x 200,000 / 400,000 = 3.5; DART = 3 x 0.5 = 1.5; LTIR = 2 x 0.5 = 1.0
    assert (years[2025].trir, years[2025].dart, years[2025].ltir) == (D("3.5"), D("1.5"), D("1.0"))
    # 2024: G1 H1 I0 J2, 250,000 h. TRIR = 4 x 0.8 = 3.2; DART = 1 x 0.8 = 0.8; LTIR = 1 x 0.8 = 0.8
    assert (years[2024].trir, years[2024].dart, years[2024].ltir) == (D("3.2"), D("0.8"), D("0.8"))
    # 2023: G0 H0 I2 J1, 350,000 h. TRIR = 600,000 / 350,000 = 1.7142857...; DART = 400,000 / 350,000 = 1.142857...
    assert round(years[2023].trir, 4) == D("1.7143") and round(years[2023].dart, 4) == D("1.1429")
    assert years[2023].ltir == 0
    # 2022: 0 hours -> no rate (None, not zero); 2021: 50,000 h is under 100,000 -> low hours.
    assert years[2022].trir is None and years[2022].no_hours and not years[2022].low_hours
    assert years[2021].low_hours and years[2021].trir == D(4)  # 1 x 200,000 / 50,000


def test_three_year_rates_pool_cases_and_hours():
    three = build().safety.three_year
    # Latest 3 years 2023-2025: cases 3 + 4 + 7 = 14 over 1,000,000 h -> TRIR 2.8
    # (the mean of the yearly rates would be (1.714 + 3.2 + 3.5) / 3 = 2.805: not what we report)
    assert three.years == (2023, 2024, 2025) and three.hours_worked == 1000000
    assert three.trir == D("2.8")
    assert three.dart == D("1.2")  # (2 + 1 + 3) x 200,000 / 1,000,000
    assert three.ltir == D("0.6")  # (0 + 1 + 2) x 200,000 / 1,000,000
    # A latest year with 0 hours drops out of the pool: 2025 at 0 h pools 2023-2024 only.
    rep = build(osha300Results=RECORD["osha300Results"][:4] + [osha(2025, 0, 0, 0, 0, 0)])
    three = rep.safety.three_year
    assert three.years == (2023, 2024) and three.hours_worked == 600000
    assert three.trir == D(7) * 200000 / 600000  # 2.333...


def test_rate_helpers():
    assert metrics.rate(3, 0) is None and metrics.rate(3, None) is None and metrics.rate(3, -5) is None
    assert metrics.pooled_rates([]).trir is None
    assert metrics.change_ratio(D(104), D(100)) == D("0.04")
    assert metrics.change_ratio(D(1), D(0)) is None
    assert metrics.trend([D("0.97"), D("1.07")]) == "up"
    assert metrics.trend([D("1.07"), D("1.06")]) == "flat"  # within 0.02
    assert metrics.trend([D("1.07")]) is None


def test_emr_latest_average_and_trend():
    s = build().safety
    assert s.emr_latest == EmrYear(2025, D("1.07"))
    # Latest 3 by year: 0.88, 0.97, 1.07 -> 2.92 / 3 = 0.97333...
    assert s.emr_average_years == (2023, 2024, 2025)
    assert round(s.emr_average3, 4) == D("0.9733")
    assert s.emr_trend == "up"  # 1.07 - 0.97 = 0.10 > 0.02
    assert report_to_json(build())["safety"]["emrAverage3"] == "0.9733"


def test_revenue_year_over_year_and_line_of_credit():
    f = build().financial
    # 12,500,000 -> 13,000,000: +500,000 / 12,500,000 = +0.04 (+4%)
    assert f.revenue_latest.year == 2025 and f.revenue_latest.change == D("0.04")
    assert [r.year for r in f.revenue] == [2024, 2025] and f.revenue[0].change is None
    # 500,000 / 3,000,000 = 0.1666...
    assert round(f.line_of_credit_utilisation, 4) == D("0.1667")
    assert f.largest_project.project_name == "Big"


def test_capacity_checks_by_hand():
    rep = build(award=D(450000))
    c = {x.key: x for x in rep.capacity}
    # Award 450,000 vs internal single limit 50,000: 9.0x -> exceeded (high)
    assert (c["singleLimit"].award_or_load, c["singleLimit"].limit, c["singleLimit"].ratio) == (D(450000), D(50000), D(9))
    assert c["singleLimit"].exceeded
    # Backlog 12,000,000 + award 450,000 = 12,450,000 vs total limit 125,000: 99.6x (high)
    assert c["totalLimit"].award_or_load == D(12450000) and c["totalLimit"].ratio == D("99.6")
    # Award vs single bonding 17,000,000: 450,000 / 17,000,000 = 0.02647 -> fine
    assert round(c["bondingSingle"].ratio, 5) == D("0.02647") and c["bondingSingle"].exceeded is False
    # Backlog + award 12,450,000 vs aggregate bonding 10,000,000: 1.245x (medium)
    assert c["bondingAggregate"].ratio == D("1.245") and c["bondingAggregate"].exceeded
    # Award vs largest completed 200,000: 2.25x, above the 2x threshold (medium)
    assert c["largestProject"].ratio == D("2.25") and c["largestProject"].exceeded
    sev = {f.rule: f.severity for f in rep.flags if f.rule.startswith("capacity.")}
    assert sev == {"capacity.single_limit": "high", "capacity.total_limit": "high",
                   "capacity.bonding_aggregate": "medium", "capacity.largest_project": "medium"}
    msg = {f.rule: f.message for f in rep.flags}
    assert msg["capacity.single_limit"] == "Award $450,000.00 exceeds internal single limit $50,000.00 (9.0x)"
    assert msg["capacity.total_limit"] == "Backlog + award $12,450,000.00 exceeds internal total limit $125,000.00 (99.6x)"
    assert msg["capacity.bonding_aggregate"] == (
        "Backlog + award $12,450,000.00 exceeds aggregate bonding capacity $10,000,000.00 (1.2x)")
    assert msg["capacity.largest_project"] == (
        "Award $450,000.00 is 2.3x the largest completed project $200,000.00 (above 2x)")  # 2.25 half-up
    j = report_to_json(rep)["capacity"][0]
    assert j == {"key": "singleLimit", "rule": "capacity.single_limit", "label": "Award vs internal single limit",
                 "measured": "450000", "limit": "50000", "ratio": "9.0000", "threshold": "1", "exceeded": True}


def test_bonding_single_exceeded_and_largest_below_threshold():
    # Award 20,000,000 vs single bonding 17,000,000: 1.176x (high); vs largest 200,000 it is 100x.
    rep = build(award=D(20000000))
    assert {f.rule: f.severity for f in rep.flags}["capacity.bonding_single"] == "high"
    # Award 300,000 vs largest 200,000 = 1.5x: above the largest but under 2x -> not exceeded, no flag.
    rep = build(award=D(300000))
    largest = next(c for c in rep.capacity if c.key == "largestProject")
    assert largest.ratio == D("1.5") and largest.exceeded is False
    assert "capacity.largest_project" not in [f.rule for f in rep.flags]


def test_missing_limits_cannot_be_judged_and_say_so():
    rep = build(award=D(100), suretySingleProjectBondingCapacity=None, currentEstimatedBacklog=None)
    c = {x.key: x for x in rep.capacity}
    assert c["bondingSingle"].exceeded is None and c["bondingSingle"].ratio is None
    # A missing backlog counts as 0: the total-limit load is the award alone.
    assert c["totalLimit"].award_or_load == D(100)
    unchecked = [f for f in rep.flags if f.rule == "capacity.unchecked"]
    assert [f.evidence["check"] for f in unchecked] == ["bondingSingle"]
    assert unchecked[0].severity == "low"
    assert build().capacity == []  # no --project-value: no checks
