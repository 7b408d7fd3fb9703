"""Review fixes in the transform stage: what page one and the JSON say when a record is odd
(a policy lapsing within days of --as-of, a limit of 0, negative or huge amounts, a year listed
twice)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from helpers import clean_record, good_insurance

from reporter.api.models import Qualification
from reporter.render.html import render_html
from reporter.render.json import report_to_json
from reporter.transform.model import EmrYear, Expiry, Project, ReportContext
from reporter.transform.money import Money, format_compact
from reporter.transform.report import build_report

AS_OF = date(2026, 11, 28)
INSURANCE = good_insurance("2028-12-31")
# The shared clean record, with limits and capacities an award of 2,000,000 fits, valid into 2028.
BASE = clean_record(
    id="r1", companyName="Review Co",
    qualification={"status": "QUALIFIED", "dateExpires": "2028-06-30T00:00:00Z",
                   "internalSingleLimit": 5000000, "internalTotalLimit": 20000000},
    currentEstimatedBacklog=1000000,
    suretySingleProjectBondingCapacity=5000000, suretyAggregateBondingCapacity=20000000,
    completedReferences=[{"projectName": "Big job", "value": 3000000, "yearCompleted": 2024}],
    insuranceCoverages=INSURANCE,
)
PROJECT = Project(value=D(2000000), end=date(2027, 9, 30))


def build(project=PROJECT, **changes):
    rec = Qualification.model_validate({**BASE, **changes})
    return build_report(rec, ReportContext(as_of=AS_OF, project=project))


def test_a_policy_lapsing_within_days_says_so_even_before_the_project_end():
    ins = [dict(INSURANCE[0], policyExpirationDate="2026-12-03"), *INSURANCE[1:]]
    rep = build(insuranceCoverages=ins)
    gl = rep.insurance[0]
    assert gl.status == "expires in 5 days" and gl.expiry.days == 5
    assert gl.expiry.state is Expiry.EXPIRING
    assert rep.sections["insurance"][0]["status"] == "expires in 5 days"
    rules = [f.rule for f in rep.flags]
    assert "insurance.expiring" in rules and "insurance.before_project_end" not in rules
    # a later lapse that is still before the project end keeps its own status
    ins = [dict(INSURANCE[0], policyExpirationDate="2027-05-01"), *INSURANCE[1:]]
    assert build(insuranceCoverages=ins).insurance[0].status == "expires before project end"


def test_a_limit_of_zero_is_shown_exceeded_on_page_one_not_unjudged():
    rep = build(qualification={**BASE["qualification"], "internalSingleLimit": 0})
    single = next(c for c in rep.capacity if c.key == "singleLimit")
    assert single.exceeded is True and single.ratio is None
    assert "capacity.single_limit" in [f.rule for f in rep.flags]
    html = render_html(rep)
    row = html.split("Internal single limit", 1)[1].split("</tr>", 1)[0]
    assert "cannot judge" not in row and "exceeds ✗" in row


def test_negative_amounts_do_not_pass_a_check_or_make_a_ratio():
    rep = build(currentEstimatedBacklog=-50000000, bankLineOfCreditTotal=-100, bankLineOfCreditOutstanding=50,
                qualification={**BASE["qualification"], "internalTotalLimit": 2500000})
    total = next(c for c in rep.capacity if c.key == "totalLimit")
    assert total.award_or_load == D(2000000)  # a negative backlog does not shrink the load
    rep = build(suretySingleProjectBondingCapacity=-1, bankLineOfCreditTotal=-100, bankLineOfCreditOutstanding=50)
    bond = next(c for c in rep.capacity if c.key == "bondingSingle")
    assert bond.exceeded is True and bond.ratio is None
    assert rep.financial.line_of_credit_utilisation is None


def test_json_amounts_are_plain_decimal_strings_even_when_huge():
    assert Money(D("1E+20"), "USD").to_json()["amount"] == "100000000000000000000"
    rep = build(currentEstimatedBacklog=D("1E+20"))
    assert report_to_json(rep)["amounts"]["currentEstimatedBacklog"]["amount"] == "100000000000000000000"


def test_compact_form_of_huge_amounts_stays_short():
    assert format_compact(D("2.5E+12"), "USD") == "USD 2.5T"
    assert len(format_compact(D("1E+20"), "USD")) <= 12
    assert format_compact(D("-1E+20"), "USD").startswith("USD -")


def test_a_year_listed_twice_is_pooled_averaged_and_trended_once():
    osha = BASE["osha300Results"]
    rep = build(
        experienceModificationRatings=[
            {"year": 2025, "experienceModificationRating": 1.40},
            {"year": 2023, "experienceModificationRating": 0.90},
            {"year": 2025, "experienceModificationRating": 0.80},
            {"year": 2024, "experienceModificationRating": 1.00},
        ],
        osha300Results=[*osha, dict(osha[0])],
    )
    s = rep.safety
    assert [e.year for e in s.emr] == [2023, 2024, 2025]
    assert s.emr_latest == EmrYear(2025, D("0.80"))  # the record's last entry for 2025
    assert s.emr_average3 == (D("0.90") + D("1.00") + D("0.80")) / 3
    assert s.emr_trend == "down"
    assert s.three_year.years == (2025,) and s.three_year.hours_worked == 400000
    assert s.three_year.trir == D("0.5")
