"""Money: ISO 4217 minor units, exact conversion with the rate kept beside the figure, missing
rates and bad currency codes as clear errors, every amount of a record converted, tax ids masked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from reporter.api.models import Qualification
from reporter.errors import CurrencyError
from reporter.render.json import report_to_json
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.model import Project, ReportContext
from reporter.transform.money import Money, format_money, minor_units, quantize, validate_currency
from reporter.transform.privacy import mask_tax_fields, mask_tax_id
from reporter.transform.report import build_report

AS_OF = date(2026, 11, 28)
CAD_USD = FxTable((
    FxRate(date(2026, 11, 20), "CAD", "USD", D("0.7100")),
    FxRate(date(2026, 11, 27), "CAD", "USD", D("0.7150")),
    FxRate(date(2026, 12, 1), "CAD", "USD", D("0.9000")),  # after as-of: never used
))


def record(**fields) -> Qualification:
    base = {"id": "sub1", "companyName": "Sub One", "submissionCurrency": "CAD"}
    return Qualification.model_validate({**base, **fields})


def ctx(**kw) -> ReportContext:
    return ReportContext(as_of=AS_OF, **kw)


def test_minor_units_come_from_iso_4217_not_cldr():
    assert minor_units("USD") == 2
    assert minor_units("JPY") == 0
    assert minor_units("KWD") == 3
    assert minor_units("CLF") == 4
    # CLDR (Babel) says 0 for these; ISO 4217 says 2.
    assert minor_units("HUF") == minor_units("COP") == minor_units("IDR") == 2


def test_currency_codes_are_validated():
    assert validate_currency(" cad ") == "CAD"
    for bad in ("XYZ", "US", "DOLLARS", "", None):
        with pytest.raises(CurrencyError):
            validate_currency(bad, where="x")


def test_cad_to_usd_conversion_by_hand():
    # 1,234,567.89 CAD x 0.7150 = 882,716.04135 -> 882,716.04 USD (2 minor units).
    # The 2026-11-27 rate is the latest on or before the as-of day 2026-11-28 (2026-12-01 is later).
    m = CAD_USD.convert(Money(D("1234567.89"), "CAD"), "USD", AS_OF)
    assert m.amount == D("1234567.89") and m.currency == "CAD"  # the original is kept
    assert m.converted.amount == D("882716.04")
    assert m.converted.currency == "USD"
    assert m.converted.rate == D("0.7150")
    assert m.converted.rate_date == date(2026, 11, 27)
    assert m.to_json() == {
        "amount": "1234567.89", "currency": "CAD",
        "converted": {"amount": "882716.04", "currency": "USD", "rate": "0.7150", "rateDate": "2026-11-27"},
    }
    # As of 2026-11-25 the 2026-11-20 rate applies: 1,000 x 0.71 = 710.00.
    assert CAD_USD.convert(Money(D(1000), "CAD"), "USD", date(2026, 11, 25)).converted.amount == D("710.00")


def test_inverse_rate_is_rounded_to_10_digits_and_printed_as_used():
    table = FxTable((FxRate(date(2026, 11, 1), "USD", "CAD", D("1.40")),))
    r = table.lookup("CAD", "USD", AS_OF)
    # 1 / 1.40 = 0.714285714285... -> 0.7142857143 (10 significant digits)
    assert r.rate == D("0.7142857143") and r.inverted
    # 1,000 CAD x 0.7142857143 = 714.2857143 -> 714.29 USD
    assert table.convert(Money(D(1000), "CAD"), "USD", AS_OF).converted.amount == D("714.29")


def test_jpy_and_kwd_rounding_by_hand():
    table = FxTable((FxRate(AS_OF, "USD", "JPY", D("149.5")), FxRate(AS_OF, "USD", "KWD", D("0.3071"))))
    # 1,000.50 USD x 149.5 = 149,574.75 JPY -> 149,575 (no minor unit)
    jpy = table.convert(Money(D("1000.50"), "USD"), "JPY", AS_OF).converted
    assert jpy.amount == D("149575") and jpy.amount.as_tuple().exponent == 0
    # 1,234.57 USD x 0.3071 = 379.136447 KWD -> 379.136 (3 minor units)
    kwd = table.convert(Money(D("1234.57"), "USD"), "KWD", AS_OF).converted
    assert kwd.amount == D("379.136")
    # Half-even: 2.5 JPY -> 2, 3.5 JPY -> 4; 0.0005 KWD -> 0.000, 0.0015 KWD -> 0.002
    assert quantize(D("2.5"), "JPY") == 2 and quantize(D("3.5"), "JPY") == 4
    assert quantize(D("0.0005"), "KWD") == D("0.000") and quantize(D("0.0015"), "KWD") == D("0.002")
    assert format_money(D("149575"), "JPY", "en_US") == "¥149,575"
    assert format_money(D("379.136"), "KWD", "en_US") == "KWD379.136"


def test_display_is_locale_aware_with_iso_digits():
    assert format_money(D("1234567.891"), "EUR", "de_DE") == "1.234.567,89\xa0€"
    assert format_money(D("1234567.891"), "CAD", "fr_CA") == "1\u202f234\u202f567,89\xa0$" or \
        format_money(D("1234567.891"), "CAD", "fr_CA") == "1\xa0234\xa0567,89\xa0$"
    assert format_money(D("-5"), "USD") == "-$5.00"
    assert format_money(None, "USD") == "not provided"
    # Huge amounts do not overflow the decimal context.
    assert format_money(D("1E+30"), "USD").startswith("$1,000,000,000,000,000,000,000,000,000,000.00")


def test_missing_rate_is_an_error_naming_the_pair():
    with pytest.raises(CurrencyError, match=r"no exchange rate CAD->EUR on or before 2026-11-28"):
        CAD_USD.lookup("CAD", "EUR", AS_OF)
    with pytest.raises(CurrencyError, match=r"CAD->USD on or before 2026-11-01.*only from 2026-11-20"):
        CAD_USD.lookup("CAD", "USD", date(2026, 11, 1))
    with pytest.raises(CurrencyError, match="no exchange rate CAD->EUR"):
        build_report(record(currentEstimatedBacklog=5), ctx(report_currency="EUR", fx=CAD_USD))
    with pytest.raises(CurrencyError, match="needs --fx-rates"):
        build_report(record(currentEstimatedBacklog=5), ctx(report_currency="USD"))


def test_bad_submission_currency_fails_that_record_clearly():
    with pytest.raises(CurrencyError, match=r"record sub1: submissionCurrency: 'DOLLARS' is not an ISO 4217"):
        build_report(record(submissionCurrency="DOLLARS"), ctx())


def test_null_submission_currency_is_taken_as_usd_and_flagged():
    rep = build_report(record(submissionCurrency=None, currentEstimatedBacklog=100), ctx())
    assert rep.submission_currency == rep.currency == "USD" and rep.currency_assumed
    flag = next(f for f in rep.flags if f.rule == "money.currency_assumed")
    assert flag.severity == "low"
    assert flag.evidence == {"submissionCurrency": None, "assumed": "USD"}
    assert "no submissionCurrency" in rep.fx_note
    assert report_to_json(rep)["currencyAssumed"] is True


FULL = dict(
    currentEstimatedBacklog=16250000,
    suretySingleProjectBondingCapacity=10000000,
    suretyAggregateBondingCapacity=25000000,
    bankLineOfCreditTotal=4000000,
    bankLineOfCreditOutstanding=1150000,
    qualification={"status": "QUALIFIED", "internalSingleLimit": 6500000, "internalTotalLimit": 20000000},
    completedReferences=[{"projectName": "Tour A", "value": 7820000, "isLargestProject": True},
                         {"projectName": "Small", "value": 1000}],
    insuranceCoverages=[{"insuranceType": "GENERAL_LIABILITY", "perOccurrenceLimit": 2000000,
                         "aggregateLimit": 4000000, "policyExpirationDate": "2027-07-01"}],
    annualVolumeRevenues=[{"year": 2024, "estimatedVolumeRevenue": 30000000},
                          {"year": 2025, "estimatedVolumeRevenue": 32000000}],
    customQuestions={"results": [{"question": "Crew size", "numberResponse": 40}]},
)


def test_every_amount_is_converted_and_keeps_its_original():
    rep = build_report(record(**FULL), ctx(report_currency="USD", fx=CAD_USD, project=Project(value=D(450000))))
    # Top-level and qualification amounts: x 0.7150
    # 16,250,000 -> 11,618,750.00; 6,500,000 -> 4,647,500.00; 20,000,000 -> 14,300,000.00
    assert rep.amounts.currentEstimatedBacklog.converted.amount == D("11618750.00")
    assert rep.amounts.internalSingleLimit.converted.amount == D("4647500.00")
    assert rep.qualification.internal_total_limit.converted.amount == D("14300000.00")
    for _, m in rep.amounts.items():
        assert m.currency == "CAD" and m.converted.currency == "USD" and m.converted.rate == D("0.7150")
    # References: 7,820,000 -> 5,591,300.00; insurance 2,000,000 -> 1,430,000.00; revenue 32,000,000 -> 22,880,000.00
    refs = rep.sections["references"]
    assert refs[0]["value"].converted.amount == D("5591300.00") and refs[0]["value"].amount == 7820000
    assert refs[1]["value"].converted.amount == D("715.00")
    ins = rep.sections["insurance"][0]
    assert ins["perOccurrenceLimit"].converted.amount == D("1430000.00")
    assert ins["aggregateLimit"].converted.amount == D("2860000.00")
    assert rep.sections["revenue"][0]["estimatedVolumeRevenue"].converted.amount == D("22880000.00")
    assert rep.financial.revenue_latest.revenue.converted.amount == D("22880000.00")
    assert rep.financial.largest_project.value.converted.amount == D("5591300.00")
    # A custom question's number is not money.
    assert rep.sections["customQuestions"][0]["numberResponse"] == 40
    # The award (report currency) is compared with converted figures: 450,000 / 4,647,500.00
    single = rep.capacity[0]
    assert single.limit == D("4647500.00") and single.exceeded is False
    assert rep.fx_note == ("Amounts in USD (submitted in CAD, converted at 0.7150 on 2026-11-27); "
                           "original amounts are kept beside each figure")
    j = report_to_json(rep)
    assert j["amounts"]["bankLineOfCreditOutstanding"] == {
        "amount": "1150000", "currency": "CAD",
        "converted": {"amount": "822250.00", "currency": "USD", "rate": "0.7150", "rateDate": "2026-11-27"},
    }


def test_insurance_minimums_are_converted_from_their_currency():
    # Minimums are written in USD. A CAD report with a USD->CAD rate (via the inverse of 0.7150:
    # 1/0.7150 = 1.398601399) turns the GL 1,000,000 USD minimum into 1,398,601.40 CAD: the CAD
    # 1,300,000 per-occurrence limit is below it.
    rec = record(insuranceCoverages=[{"insuranceType": "GENERAL_LIABILITY", "perOccurrenceLimit": 1300000,
                                      "aggregateLimit": 3000000, "policyExpirationDate": "2027-07-01"}])
    rep = build_report(rec, ctx(report_currency="CAD", fx=CAD_USD))
    below = [f for f in rep.flags if f.rule == "insurance.below_minimum"]
    assert [f.evidence["field"] for f in below] == ["perOccurrenceLimit"]
    assert below[0].evidence["minimum"] == D("1398601.40")
    assert below[0].evidence["minimumAsWritten"] == D(1000000)
    # Without a rate the minimums cannot be compared: a low flag says so, no false "below".
    rep = build_report(rec, ctx())
    assert [f.rule for f in rep.flags if f.rule.startswith("insurance.minimum")] == ["insurance.minimum_unchecked"]
    assert not [f for f in rep.flags if f.rule == "insurance.below_minimum"]


def test_tax_ids_are_masked_everywhere_unless_asked():
    assert mask_tax_id("123456789") == "*****6789"
    assert mask_tax_id("87HKH89879SD") == "********79SD"
    assert mask_tax_id("123") == "***"
    assert mask_tax_id("123456789", show=True) == "123456789"
    assert mask_tax_fields({"taxId": "987654321", "taxIdType": "US_SSN", "nested": [{"ssn": 123456789}]}) == {
        "taxId": "*****4321", "taxIdType": "US_SSN", "nested": [{"ssn": "*****6789"}]}
    rec = record(federalTaxId="123456789", taxIdType="US_SSN", ownerTaxId="111223333")
    j = report_to_json(build_report(rec, ctx()))
    assert j["company"]["federalTaxId"] == "*****6789"
    assert j["otherFields"]["ownerTaxId"] == "*****3333"
    assert "123456789" not in str(j) and "111223333" not in str(j)
    j = report_to_json(build_report(rec, ctx(show_tax_id=True)))
    assert j["company"]["federalTaxId"] == "123456789" and j["otherFields"]["ownerTaxId"] == "111223333"
