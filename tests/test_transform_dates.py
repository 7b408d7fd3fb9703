"""Dates: every form the API emits parsed to aware UTC; digit strings refused; days to expiry judged
on the calendar day in --timezone (across a time zone boundary)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from reporter.api.models import Qualification
from reporter.dates import (
    WholeDay,
    format_iso,
    get_zone,
    local_day,
    parse_api_date,
    parse_api_datetime,
    parse_user_date,
)
from reporter.render.json import report_to_json
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report

UTC = UTC


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2017-05-04T14:11:35.100929Z", datetime(2017, 5, 4, 14, 11, 35, 100929, UTC)),  # 6 digits
        ("2024-01-29T22:16:22.324Z", datetime(2024, 1, 29, 22, 16, 22, 324000, UTC)),  # 3 digits
        ("2024-01-29T22:16:22Z", datetime(2024, 1, 29, 22, 16, 22, tzinfo=UTC)),
        # An offset: 23:30 at -05:00 is 04:30 the next day in UTC.
        ("2024-01-29T23:30:00.000-05:00", datetime(2024, 1, 30, 4, 30, tzinfo=UTC)),
        ("2024-01-29T23:30:00+0530", datetime(2024, 1, 29, 18, 0, tzinfo=UTC)),
        ("2024-01-29T22:16:22.123456789Z", datetime(2024, 1, 29, 22, 16, 22, 123456, UTC)),  # 9 digits cut to 6
    ],
)
def test_api_timestamps_parse_to_aware_utc(text, expected):
    got = parse_api_datetime(text)
    assert got == expected and got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["1700000000", "20240129", "2024-01-29T22:16", "2024-02-30T00:00:00Z",
                                 "2024-01-29T22:16:22", "yesterday", "2024-01-29T25:00:00Z", "2024-01-29T10:00:00+24:00"])
def test_digit_strings_naive_and_invalid_timestamps_are_refused(bad):
    with pytest.raises(ValueError):
        parse_api_datetime(bad)


def test_numbers_are_never_unix_timestamps():
    for v in (1700000000, 1.7e9, D("1700000000")):
        with pytest.raises(ValueError):
            parse_api_datetime(v)
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        Qualification.model_validate({"submittedAt": "1700000000"})


def test_date_only_policy_expiration_and_date_only_timestamp():
    assert parse_api_date("2027-03-31") == date(2027, 3, 31)
    assert parse_api_date("2027-03-31T23:00:00-05:00") == date(2027, 4, 1)  # a timestamp: its UTC day
    assert parse_api_date(None) is None and parse_api_date("") is None
    q = Qualification.model_validate({"insuranceCoverages": [{"policyExpirationDate": "2027-03-31"}]})
    assert q.insuranceCoverages[0].policyExpirationDate == date(2027, 3, 31)
    whole = parse_api_datetime("2027-01-15")
    assert isinstance(whole, WholeDay) and whole == datetime(2027, 1, 15, tzinfo=UTC)
    # A bare date is the same calendar day in every zone (not 2027-01-14 in Los Angeles).
    assert local_day(whole, get_zone("America/Los_Angeles")) == date(2027, 1, 15)
    assert local_day(whole, get_zone("Asia/Tokyo")) == date(2027, 1, 15)
    assert format_iso(whole) == "2027-01-15"


def test_format_iso_keeps_every_digit():
    assert format_iso(datetime(2024, 1, 29, 22, 16, 22, 324000, UTC)) == "2024-01-29T22:16:22.324Z"
    assert format_iso(datetime(2017, 5, 4, 14, 11, 35, 100929, UTC)) == "2017-05-04T14:11:35.100929Z"
    assert format_iso(datetime(2024, 1, 30, 4, 30, tzinfo=timezone(timedelta(hours=5)))) == "2024-01-29T23:30:00.000Z"


def test_user_dates_and_zones():
    assert parse_user_date(" 2026-11-28 ") == date(2026, 11, 28)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_user_date("28/11/2026")
    with pytest.raises(ValueError, match="unknown time zone"):
        get_zone("Mars/Olympus")


def _report(expires: str, tz: str, as_of: date):
    rec = Qualification.model_validate({"id": "s", "submissionCurrency": "USD",
                                        "qualification": {"status": "QUALIFIED", "dateExpires": expires}})
    return build_report(rec, ReportContext(as_of=as_of, timezone=tz))


def test_days_to_expiry_across_a_time_zone_boundary():
    # 2027-01-01T03:00:00Z is 2026-12-31 19:00 in Los Angeles (UTC-8 in winter).
    # From as-of 2026-12-01: 30 days to 2026-12-31 there; 31 days to 2027-01-01 in UTC.
    la = _report("2027-01-01T03:00:00Z", "America/Los_Angeles", date(2026, 12, 1))
    assert la.qualification.date_expires_local == date(2026, 12, 31)
    assert la.qualification.days_to_expiry == 30
    utc = _report("2027-01-01T03:00:00Z", "UTC", date(2026, 12, 1))
    assert utc.qualification.date_expires_local == date(2027, 1, 1)
    assert utc.qualification.days_to_expiry == 31
    # With the 30-day warning the zone decides whether the expiry is flagged.
    assert "qualification.expiring" in [f.rule for f in la.flags]
    assert "qualification.expiring" not in [f.rule for f in utc.flags]
    j = report_to_json(la)["qualification"]
    assert j["dateExpires"] == "2027-01-01T03:00:00.000Z"  # the instant, unchanged
    assert j["dateExpiresLocal"] == "2026-12-31" and j["daysToExpiry"] == 30


def test_expiry_the_day_before_as_of_is_lapsed():
    # 2026-11-28T04:00:00Z is 2026-11-27 23:00 in New York (UTC-5): expired 1 day before as-of 2026-11-28.
    rep = _report("2026-11-28T04:00:00Z", "America/New_York", date(2026, 11, 28))
    assert rep.qualification.days_to_expiry == -1
    lapsed = next(f for f in rep.flags if f.rule == "qualification.lapsed")
    assert lapsed.severity == "high" and rep.verdict == "red"
    assert lapsed.message == "Qualification expired 1 day ago (2026-11-27) though its status is QUALIFIED"
    # In UTC it is the as-of day itself: 0 days left, expiring, not lapsed.
    rep = _report("2026-11-28T04:00:00Z", "UTC", date(2026, 11, 28))
    assert rep.qualification.days_to_expiry == 0
    assert [f.rule for f in rep.flags if f.rule.startswith("qualification.")] == ["qualification.expiring"]
