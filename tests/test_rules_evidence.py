"""Not submitted is not a measurement; stale and implausible evidence is never a silent green."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

from conftest import SAMPLES

from reporter.api.models import Qualification
from reporter.transform import metrics
from reporter.transform.evidence import (
    award_revenue_findings,
    emr_findings,
    expected_latest_year,
    months_between,
    osha_findings,
    plausibility_findings,
    pool_for_judging,
    revenue_findings,
    split_osha,
    split_years,
    staleness_findings,
    submitted_ago,
)
from reporter.transform.figures import osha_years
from reporter.transform.rules import DEFAULT_RULES, RULE_IDS

AS_OF = date(2026, 11, 28)


def record(name: str) -> Qualification:
    return Qualification.model_validate(json.loads((SAMPLES / name).read_text(encoding="utf-8"), parse_float=D))


def emr_pairs(rec: Qualification):
    return [(e.year, e.experienceModificationRating) for e in rec.experienceModificationRatings]


def rules_of(findings):
    return [f.rule for f in findings]


def test_an_emr_sent_as_zero_is_not_the_latest_nor_in_the_average():
    # The record: real ratings 0.90, 0.91, 2.00 and a blank year sent as 0.0.
    split = split_years([(2022, D("0.90")), (2023, D("0.91")), (2024, D("2.00")), (2025, D("0.0"))])
    assert split.measured[-1] == (2024, D("2.00"))  # the latest EMR is 2.00, not 0.0
    mean = metrics.mean([v for _, v in split.measured[-3:]])
    assert mean is not None and mean > DEFAULT_RULES.emr_caution  # 1.27: the EMR-average flag fires
    assert split.not_submitted == (2025,)
    (f,) = emr_findings(split)
    assert f.rule == "evidence.emr_not_submitted" and "2025: not submitted" in f.message


def test_every_emr_zero_is_no_emr_at_all_and_at_least_medium():
    findings = emr_findings(split_years([(2024, D("0")), (2025, None)]))
    assert rules_of(findings) == ["evidence.emr_not_submitted", "evidence.emr_not_submitted", "evidence.emr_missing"]
    assert "every year was sent as 0 or blank (2024, 2025)" in findings[-1].message
    assert RULE_IDS["evidence.emr_missing"].severity == "medium"
    assert rules_of(emr_findings(split_years([]))) == ["evidence.emr_missing"]


def test_a_real_emr_set_raises_nothing():
    assert emr_findings(split_years(emr_pairs(record("harbor-glazing.json")))) == []


def test_pinewood_framing_zero_hour_years_are_not_submitted_and_the_small_year_is_not_judged():
    rec = record("sparse-framing.json")  # 2023 and 2024 with 0 hours, 2025 with 18,400 hours and 1 case
    split = split_osha(osha_years(rec), DEFAULT_RULES.low_hours)
    assert [y.year for y in split.not_submitted] == [2023, 2024]
    assert [y.year for y in split.low_hours] == [2025] and split.measured == ()
    pooled = pool_for_judging(split, DEFAULT_RULES.pooled_years, DEFAULT_RULES.low_hours)
    assert pooled.unstable and pooled.years_used == (2025,)
    findings = osha_findings(split, pooled, DEFAULT_RULES.low_hours)
    assert rules_of(findings) == ["safety.no_hours", "safety.no_hours", "safety.low_hours", "safety.rates_unstable"]
    assert "OSHA 300A for 2023: not submitted" in findings[0].message
    assert "shown, not judged" in findings[-1].message


def test_a_25_hour_year_never_drives_the_pooled_rate():
    years = [
        metrics.OshaYear(2023, 0, 1, 0, 2, 310_000),
        metrics.OshaYear(2024, 0, 0, 1, 1, 298_000),
        metrics.OshaYear(2025, 0, 0, 0, 1, 25),  # a typing slip: TRIR 8,000 on its own
    ]
    split = split_osha(years, DEFAULT_RULES.low_hours)
    pooled = pool_for_judging(split, 3, DEFAULT_RULES.low_hours)
    assert pooled.years_used == (2023, 2024) and pooled.low_hours_excluded == (2025,) and not pooled.unstable
    assert pooled.rates.trir is not None and pooled.rates.trir < D("2.0")  # 5 cases over 608,000 hours = 1.64
    assert [y.year for y in split.measured] == [2023, 2024]  # the chart scale uses these only
    low = [f for f in osha_findings(split, pooled, DEFAULT_RULES.low_hours) if f.rule == "safety.low_hours"]
    assert low[0].message == "Only 25 hours worked in 2025: its rates are unstable and kept out of chart scales and pooled rates"


def test_three_small_years_are_pooled_together_and_judged():
    # Keystone Drywall: 61,200 + 66,840 + 70,115 hours, 3 recordables: every year is small, the
    # three together (198,155 hours, about 100 full-time workers a year) make a usable rate.
    rec = json.loads((SAMPLES / "list-page-two-subs.json").read_text(encoding="utf-8"), parse_float=D)["results"][0]
    split = split_osha(osha_years(Qualification.model_validate(rec)), DEFAULT_RULES.low_hours)
    pooled = pool_for_judging(split, 3, DEFAULT_RULES.low_hours)
    assert pooled.years_used == (2023, 2024, 2025) and not pooled.unstable and pooled.rates.hours == 198_155
    assert "safety.rates_unstable" not in rules_of(osha_findings(split, pooled, DEFAULT_RULES.low_hours))
    # A pool never reaches back past the latest 3 years with hours to find a big year.
    years = [metrics.OshaYear(2019, 0, 0, 0, 1, 400_000)] + [metrics.OshaYear(y, 0, 0, 0, 0, 5_000) for y in (2023, 2024, 2025)]
    far = pool_for_judging(split_osha(years, 100_000), 3, 100_000)
    assert far.years_used == (2023, 2024, 2025) and far.unstable


def test_no_osha_hours_at_all_is_medium():
    split = split_osha([metrics.OshaYear(2025, 0, 0, 0, 0, 0)], DEFAULT_RULES.low_hours)
    findings = osha_findings(split, pool_for_judging(split, 3, DEFAULT_RULES.low_hours), DEFAULT_RULES.low_hours)
    assert rules_of(findings) == ["safety.no_hours", "evidence.osha_missing"]
    assert RULE_IDS["evidence.osha_missing"].severity == "medium"


def test_revenue_zero_year_is_not_submitted():
    split = split_years([(2023, D("4100000")), (2024, D("0")), (2025, D("5380000"))])
    assert split.measured == ((2023, D("4100000")), (2025, D("5380000")))
    assert rules_of(revenue_findings(split)) == ["evidence.revenue_not_submitted"]


def test_gr8_builders_last_updated_2019_is_stale_in_every_way():
    rec = record("gr8-builders.json")
    assert rec.updatedAt is not None
    latest = {"emr": 2017, "osha": 2017, "revenue": 2017}
    findings = staleness_findings(rec.updatedAt, latest, AS_OF, DEFAULT_RULES)
    assert rules_of(findings) == ["staleness.record", "staleness.emr", "staleness.osha", "staleness.revenue"]
    assert findings[0].message.startswith("Record last updated 2019-01-15, 7 years ago (older than 12 months)")
    assert "by 2026-11-28 the 2025 figures should be available" in findings[1].message
    assert all(RULE_IDS[r].severity == "medium" for r in rules_of(findings))


def test_a_current_record_is_not_stale():
    rec = record("harbor-glazing.json")  # updated 2026-09-01, figures to 2025
    assert staleness_findings(rec.updatedAt, {"emr": 2025, "osha": 2025, "revenue": 2025}, AS_OF, DEFAULT_RULES) == []
    # In February the previous year's 300A may not be out yet: 2024 figures are still current.
    assert expected_latest_year(date(2026, 2, 15), 3) == 2024
    assert staleness_findings(None, {"osha": 2024}, date(2026, 2, 15), DEFAULT_RULES) == []
    assert rules_of(staleness_findings(None, {"osha": 2024}, AS_OF, DEFAULT_RULES)) == ["staleness.osha"]


def test_submitted_ago_reads_like_a_person():
    assert submitted_ago(datetime(2026, 11, 28, 9, tzinfo=UTC), AS_OF) == "submitted today"
    assert submitted_ago(date(2026, 11, 16), AS_OF) == "submitted 12 days ago"
    assert submitted_ago(date(2026, 10, 14), AS_OF) == "submitted 1 month ago"
    assert submitted_ago(date(2025, 9, 23), AS_OF) == "submitted 14 months ago"
    assert submitted_ago(date(2019, 1, 15), AS_OF) == "submitted 7 years ago"
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 0


def test_revenue_of_1332_beside_a_1_2m_project_and_345k_backlog_says_check_the_figures():
    findings = plausibility_findings((2025, D("1332")), D("1200000"), D("345000"), DEFAULT_RULES, "USD")
    assert rules_of(findings) == ["plausibility.revenue_vs_largest_project", "plausibility.revenue_vs_backlog"]
    assert findings[0].message == ("Latest annual revenue USD 1,332 (2025) is below 50% of the largest completed project "
                                   "USD 1,200,000: check the figures")
    assert "259.0x the latest annual revenue" in findings[1].message and findings[1].message.endswith("check the figures")


def test_believable_figures_raise_nothing():
    # Keystone Drywall: revenue 5.38M, largest project 1.28M, backlog 2.65M.
    assert plausibility_findings((2025, D("5380000")), D("1280000"), D("2650000"), DEFAULT_RULES, "USD") == []


def test_award_as_a_share_of_annual_revenue():
    # A $500K award to a sub with $1.32M revenue: 38% of a year's volume (above 25%): medium.
    (f,) = award_revenue_findings(D("500000"), (2025, D("1320000")), DEFAULT_RULES, "USD")
    assert f.rule == "capacity.award_revenue_share" and "38% of the latest annual revenue" in f.message
    # Larger than the sub's whole year: high.
    (f,) = award_revenue_findings(D("2500000"), (2025, D("1320000")), DEFAULT_RULES, "USD")
    assert f.rule == "capacity.award_exceeds_revenue" and RULE_IDS[f.rule].severity == "high"
    assert award_revenue_findings(D("250000"), (2025, D("5380000")), DEFAULT_RULES, "USD") == []
    assert award_revenue_findings(None, (2025, D("1")), DEFAULT_RULES, "USD") == []


def test_an_award_or_backlog_beside_a_revenue_that_rounds_to_nothing_is_said_without_a_ratio():
    """A latest revenue of 0.001 (legal in the record, 0.00 once in cents) beside an award and a
    backlog: no share or ratio to divide out, but both are still worth a PM's look (Hypothesis found
    the division by zero)."""
    (f,) = award_revenue_findings(D("250000"), (2025, D("0.00")), DEFAULT_RULES, "USD")
    assert f.rule == "capacity.award_exceeds_revenue" and "share" not in f.evidence
    assert f.message == "Award USD 250,000 against a latest annual revenue of USD 0 (2025): more than the sub's whole revenue"
    assert award_revenue_findings(D("0.00"), (2025, D("0.00")), DEFAULT_RULES, "USD") == []
    (b,) = plausibility_findings((2025, D("0.00")), None, D("345000"), DEFAULT_RULES, "USD")
    assert b.rule == "plausibility.revenue_vs_backlog" and "ratio" not in b.evidence
    assert b.message.startswith("Backlog USD 345,000 against a latest annual revenue of USD 0 (2025)")
