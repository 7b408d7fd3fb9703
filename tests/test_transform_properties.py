"""Property tests (hypothesis): conversion and summing commute within half a minor unit per item;
printing a parsed timestamp is stable; no record of valid shape makes the transform raise."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter.api.models import Qualification
from reporter.dates import format_iso, parse_api_datetime
from reporter.errors import ReporterError
from reporter.render.json import report_to_json
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.model import Project, ReportContext
from reporter.transform.money import MINOR_UNITS, Money, minor_units, quantize
from reporter.transform.report import build_report
from reporter.transform.rules import DEFAULT_RULES

CODES = sorted(MINOR_UNITS)
AS_OF = date(2026, 11, 28)

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False)
rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=20), rates, st.sampled_from(CODES), st.sampled_from(CODES))
def test_convert_then_sum_agrees_with_sum_then_convert(items, rate, base, quote):
    if base == quote:
        return
    table = FxTable((FxRate(AS_OF, base, quote, rate),))
    converted = [table.convert(Money(a, base), quote, AS_OF).converted.amount for a in items]
    sum_of_converted = sum(converted, Decimal(0))
    converted_sum = table.convert(Money(sum(items, Decimal(0)), base), quote, AS_OF).converted.amount
    unit = Decimal(1).scaleb(-minor_units(quote))
    half = unit / 2
    # Each converted item is off the exact product by at most half a unit ...
    exact = sum(items, Decimal(0)) * rate
    assert abs(sum_of_converted - exact) <= half * len(items)
    # ... so the two orders differ by at most half a unit per item (+ half for the converted sum).
    assert abs(sum_of_converted - converted_sum) <= half * (len(items) + 1)
    for c in converted:
        assert c == quantize(c, quote)  # always in the target's minor units


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31), timezones=offsets)


@settings(max_examples=150, deadline=None)
@given(moments, st.sampled_from(["Z", "+hh:mm", "+hhmm"]), st.sampled_from([0, 3, 6]))
def test_parse_print_parse_is_stable(moment, tz_style, digits):
    # Write the moment the ways the API does (3 or 6 fractional digits, Z or an offset) ...
    if digits != 6:
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000 if digits == 3 else 0)
    if tz_style == "Z":
        text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        off = "Z"
    else:
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        off = moment.strftime("%z")
        off = off[:3] + ":" + off[3:] if tz_style == "+hh:mm" else off
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    text += off
    parsed = parse_api_datetime(text)
    assert parsed == moment and parsed.utcoffset() == timedelta(0)
    printed = format_iso(parsed)
    assert parse_api_datetime(printed) == parsed
    assert format_iso(parse_api_datetime(printed)) == printed


# ---- random records of valid shape -------------------------------------------------------------

weird_text = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "=1+1", "<b>x</b>", "ÉÈ ß 漢字", "\u200f", "null", "0", "a" * 300]),
    st.text(max_size=12),
)
ints = st.one_of(st.none(), st.integers(min_value=-5, max_value=10), st.integers(min_value=-10**12, max_value=10**15))
money = st.one_of(st.none(), st.integers(min_value=-10**6, max_value=10**13),
                  st.decimals(min_value=Decimal(0), max_value=Decimal("1e15"), places=3, allow_nan=False))
years = st.one_of(st.none(), st.integers(min_value=1900, max_value=2100))
instants = st.one_of(
    st.none(),
    moments.map(lambda m: m.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    moments.map(lambda m: m.isoformat(timespec="milliseconds")),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)).map(date.isoformat),
)
days = st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)).map(date.isoformat))
bools = st.one_of(st.none(), st.booleans())
status = st.one_of(st.none(), st.sampled_from(["QUALIFIED", "QUALIFIED_WITH_EXCEPTIONS", "DENIED", "EXPIRED", "PROBATION", ""]))
ins_type = st.one_of(st.none(), st.sampled_from(["GENERAL_LIABILITY", "AUTOMOBILE_LIABILITY", "UMBRELLA_EXCESS",
                                                  "WORKERS_COMPENSATION", "POLLUTION_LIABILITY", ""]))


def lists(item, n=4):
    return st.one_of(st.none(), st.lists(item, max_size=n))


record_strategy = st.fixed_dictionaries(
    {
        "id": weird_text,
        "companyName": weird_text,
        "submissionCurrency": st.one_of(st.none(), st.sampled_from(["USD", "CAD", "JPY", "KWD", "eur"])),
        "federalTaxId": weird_text,
        "taxIdType": st.one_of(st.none(), st.sampled_from(["US_FEIN", "US_SSN", "CAN_BN", "OTHER", "NEW"])),
        "currentEstimatedBacklog": money,
        "suretySingleProjectBondingCapacity": money,
        "suretyAggregateBondingCapacity": money,
        "bankLineOfCreditTotal": money,
        "bankLineOfCreditOutstanding": money,
        "submittedAt": instants,
        "qualification": st.one_of(st.none(), st.fixed_dictionaries({
            "status": status, "internalSingleLimit": money, "internalTotalLimit": money,
            "dateExpires": instants, "summary": weird_text, "denialReason": weird_text,
            "preExpirationStatus": status})),
        "osha300Results": lists(st.fixed_dictionaries({
            "year": years, "totalNumberDeathsBoxG": ints, "totalNumberCasesDaysAwayBoxH": ints,
            "totalNumberCasesRestrictionTransferBoxI": ints, "otherRecordableCasesBoxJ": ints,
            "totalHoursWorked": st.one_of(st.just(0), ints)}), 5),
        "experienceModificationRatings": lists(st.fixed_dictionaries({
            "year": years,
            "experienceModificationRating": st.one_of(st.none(), st.decimals(min_value=0, max_value=5, places=2))})),
        "annualVolumeRevenues": lists(st.fixed_dictionaries({"year": years, "estimatedVolumeRevenue": money})),
        "completedReferences": lists(st.fixed_dictionaries({
            "projectName": weird_text, "value": money, "yearCompleted": years, "isLargestProject": bools})),
        "insuranceCoverages": lists(st.fixed_dictionaries({
            "insuranceType": ins_type, "carrier": weird_text, "perOccurrenceLimit": money,
            "aggregateLimit": money, "policyExpirationDate": days, "isNotApplicable": bools}), 6),
        "certificates": lists(st.fixed_dictionaries({
            "id": weird_text, "number": weird_text, "expiresAt": instants,
            "type": st.one_of(st.none(), st.fixed_dictionaries({"name": weird_text}))})),
        "companyContacts": lists(st.fixed_dictionaries({"contactName": weird_text, "contactType": weird_text})),
        "customQuestions": st.one_of(st.none(), st.fixed_dictionaries({"results": lists(st.fixed_dictionaries({
            "question": weird_text, "numberResponse": st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False)),
            "booleanResponse": bools}))})),
        "companyOfficeAddresses": st.one_of(st.none(), st.fixed_dictionaries({"results": lists(
            st.fixed_dictionaries({"address1": weird_text, "isMainOffice": bools}))})),
        "someNewField": st.one_of(st.none(), weird_text, st.lists(st.integers(), max_size=2)),
    }
)
FX = FxTable(tuple(FxRate(date(2026, 1, 1), b, "USD", r) for b, r in
                   (("CAD", Decimal("0.715")), ("JPY", Decimal("0.0067")), ("KWD", Decimal("3.25")), ("EUR", Decimal("1.08")))))
contexts = st.builds(
    lambda tz, cur, value, end, locale: ReportContext(
        as_of=AS_OF, timezone=tz, report_currency=cur, fx=FX if cur else None, locale=locale,
        project=Project(value=value, end=end), rules=DEFAULT_RULES),
    st.sampled_from(["UTC", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati"]),
    st.sampled_from([None, "USD"]),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal("1e9"), places=2)),
    st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 1, 1))),
    st.sampled_from(["en_US", "fr_CA", "de_DE", "ja_JP"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(record_strategy, contexts)
def test_no_record_of_valid_shape_makes_the_transform_raise(raw, ctx):
    record = Qualification.model_validate(json.loads(json.dumps(raw, default=str), parse_float=Decimal))
    report = build_report(record, ctx)
    doc = report_to_json(report)
    json.dumps(doc)  # JSON-ready all the way down
    assert doc["verdict"] in ("green", "amber", "red")
    assert 1 <= len(doc["verdictReasons"]) <= 3
    for f in doc["flags"]:
        assert f["severity"] in ("high", "medium", "low") and "\n" not in f["message"]
    if record.federalTaxId and len(record.federalTaxId) > 4:
        assert doc["company"]["federalTaxId"].startswith("*")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=6))
def test_any_submission_currency_either_works_or_is_a_reporter_error(code):
    record = Qualification.model_validate({"id": "x", "submissionCurrency": code, "currentEstimatedBacklog": 5})
    try:
        report = build_report(record, ReportContext(as_of=AS_OF))
    except ReporterError as exc:
        assert "submissionCurrency" in str(exc)
    else:
        assert report.currency in MINOR_UNITS
