"""One award currency: --project-value is never reinterpreted in a sub's currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from reporter.errors import UsageError
from reporter.transform.award import award_in, parse_project_value
from reporter.transform.fx import FxRate, FxTable

AS_OF = date(2026, 11, 28)
FX = FxTable((FxRate(date(2026, 11, 27), "USD", "CAD", D("1.3950")),))


@pytest.mark.parametrize(("text", "currency", "amount", "ccy"), [
    ("2500000 USD", None, D("2500000"), "USD"),
    ("USD 2,500,000", None, D("2500000"), "USD"),
    ("2_500_000 usd", None, D("2500000"), "USD"),
    ("2.5M USD", None, D("2500000"), "USD"),
    ("750k CAD", None, D("750000"), "CAD"),
    ("2500000", "USD", D("2500000"), "USD"),
    ("2500000 USD", "usd", D("2500000"), "USD"),
    ("1234567.89 EUR", None, D("1234567.89"), "EUR"),
])
def test_parse_project_value(text, currency, amount, ccy):
    a = parse_project_value(text, currency)
    assert (a.amount, a.currency) == (amount, ccy)


@pytest.mark.parametrize(("text", "currency", "says"), [
    ("2500000", None, "has no currency"),
    ("2500000 USD", "CAD", "is in USD but --project-currency says CAD"),
    ("2500000 XYZ", None, "not an ISO 4217 currency code"),
    ("two million USD", None, "expected an amount and an ISO currency"),
    ("0 USD", None, "must be above 0"),
    ("USD 5 CAD", None, "expected an amount"),
])
def test_bad_project_values_are_one_line_usage_errors(text, currency, says):
    with pytest.raises(UsageError) as exc:
        parse_project_value(text, currency)
    assert says in str(exc.value) and "\n" not in str(exc.value) and str(exc.value).startswith("--project-value")


def test_usd_award_for_a_us_sub_is_used_as_is():
    c = award_in(parse_project_value("2500000 USD"), "USD", None, AS_OF)
    assert c.amount == D("2500000") and c.rate is None and c.note == ""


def test_usd_award_for_a_canadian_sub_is_converted_never_read_as_cad():
    c = award_in(parse_project_value("2500000 USD"), "CAD", FX, AS_OF)
    assert c.amount == D("3487500.00") and c.rate is not None and c.rate.rate == D("1.3950")
    assert c.note == "Award $2,500,000.00 = CA$3,487,500.00 at 1.3950 USD->CAD (2026-11-27)"


def test_without_a_rate_the_capacity_checks_say_they_could_not_be_made():
    c = award_in(parse_project_value("2500000 USD"), "CAD", None, AS_OF)
    assert c.amount is None and "no --fx-rates table was given" in c.note and "could not be made" in c.note
    c = award_in(parse_project_value("2500000 USD"), "EUR", FX, AS_OF)
    assert c.amount is None and "no USD->EUR rate on or before 2026-11-28" in c.note


def test_unconverted_award_is_a_medium_finding_quoting_why():
    from reporter.transform.award import award_finding
    from reporter.transform.rules import RULE_IDS

    f = award_finding(award_in(parse_project_value("2500000 USD"), "CAD", None, AS_OF))
    assert f is not None and f.rule == "capacity.award_unconverted" and RULE_IDS[f.rule].severity == "medium"
    assert f.evidence == {"award": D("2500000"), "awardCurrency": "USD", "currency": "CAD"}
    assert award_finding(award_in(parse_project_value("2500000 USD"), "CAD", FX, AS_OF)) is None
