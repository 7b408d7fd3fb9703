"""The wire models read every field of the example record, and tolerate what a long-lived API sends."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reporter.api.models import Qualification
from reporter.api.saved import InputError, validate_record
from reporter.jsonio import dumps_exact, loads_exact


def leaves(obj, prefix=""):
    """Every (path, scalar) of a decoded JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from leaves(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def model_value(model, path):
    cur = model
    for part in path.replace("]", "").replace("[", ".").split("."):
        if part.isdigit():
            cur = cur[int(part)]
        else:
            cur = getattr(cur, part)
    return cur


def test_every_field_of_the_example_is_read_back(example_raw):
    q = Qualification.model_validate(example_raw)
    aliases = {
        "suretyBrokerCompanyName": "suretyBrokerAgencyCompanyName",
    }
    checked = 0
    for path, raw in leaves(example_raw):
        path = aliases.get(path, path)
        value = model_value(q, path)
        if isinstance(value, datetime):
            assert value.tzinfo is not None
            assert value == datetime.fromisoformat(raw.replace("Z", "+00:00")), path
        elif isinstance(value, date):
            assert value.isoformat() == raw, path
        elif raw == "":
            assert value == "", path
        else:
            assert value == raw, path
            assert type(value) is not float, path
        checked += 1
    assert checked == 118  # every scalar leaf of the example record
    assert q.suretyBrokerAgencyCompanyName == "Gr8 Insurance Broker"
    assert q.customQuestions.results[0].numberResponse == Decimal("5600.8965")
    assert q.submittedAt == datetime(2017, 5, 4, 14, 11, 35, 100929, tzinfo=UTC)


def test_money_is_exact_decimal_never_float(example_raw):
    raw = copy.deepcopy(example_raw)
    raw["currentEstimatedBacklog"] = loads_exact("12345678901234567.89")
    q = Qualification.model_validate(raw)
    assert q.currentEstimatedBacklog == Decimal("12345678901234567.89")
    assert isinstance(q.qualification.internalSingleLimit, Decimal)


def test_every_scalar_may_be_null(example_raw):
    def nullify(obj):
        if isinstance(obj, dict):
            return {k: nullify(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [nullify(v) for v in obj]
        return None

    q = Qualification.model_validate(nullify(example_raw))
    assert q.companyName is None
    assert q.qualification.status is None
    assert q.insuranceCoverages[0].perOccurrenceLimit is None
    assert q.companyOfficeAddresses.results[0].city is None


def test_null_nested_lists_and_pages_become_empty(example_raw):
    raw = dict(example_raw, certificates=None, companyOfficeAddresses=None, customQuestions={"pagination": None, "results": None})
    q = Qualification.model_validate(raw)
    assert q.certificates == []
    assert q.companyOfficeAddresses.results == []
    assert q.customQuestions.results == []


def test_unknown_fields_are_kept(example_raw):
    raw = copy.deepcopy(example_raw)
    raw["riskTier"] = "B"
    raw["qualification"]["reviewer"] = "Pat"
    raw["insuranceCoverages"][0]["deductible"] = 2500
    q = Qualification.model_validate(raw)
    assert q.other_fields == {"riskTier": "B"}
    assert q.qualification.other_fields == {"reviewer": "Pat"}
    assert q.insuranceCoverages[0].other_fields == {"deductible": 2500}


def test_unknown_enum_values_are_kept_raw(example_raw):
    raw = copy.deepcopy(example_raw)
    raw["qualification"]["status"] = "PROBATION"
    raw["insuranceCoverages"][0]["insuranceType"] = "POLLUTION_LIABILITY"
    raw["taxIdType"] = "MX_RFC"
    q = Qualification.model_validate(raw)
    assert q.qualification.status == "PROBATION"
    assert q.insuranceCoverages[0].insuranceType == "POLLUTION_LIABILITY"
    assert q.taxIdType == "MX_RFC"


def test_both_license_spellings_and_both_surety_broker_names(example_raw):
    raw = copy.deepcopy(example_raw)
    raw.pop("suretyBrokerCompanyName")
    raw["suretyBrokerAgencyCompanyName"] = "Agency Name"
    raw["professionalLicenses"] = [
        {"licenseType": "C-10", "licenseNumber": "998", "licenseState": "CA", "issuingAgency": "CSLB", "additionalDescription": None}
    ]
    q = Qualification.model_validate(raw)
    assert q.suretyBrokerAgencyCompanyName == "Agency Name"
    lic = q.professionalLicenses[0]
    assert (lic.type, lic.number, lic.issuingState, lic.issuingAgency) == ("C-10", "998", "CA", "CSLB")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2017-05-04T14:11:35.100929Z", datetime(2017, 5, 4, 14, 11, 35, 100929, tzinfo=UTC)),
        ("2024-01-29T22:16:22.324Z", datetime(2024, 1, 29, 22, 16, 22, 324000, tzinfo=UTC)),
        ("2024-01-29T17:16:22.324-05:00", datetime(2024, 1, 29, 22, 16, 22, 324000, tzinfo=UTC)),
        ("2024-10-03", datetime(2024, 10, 3, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_form_the_api_emits(example_raw, text, expected):
    raw = dict(example_raw, updatedAt=text)
    assert Qualification.model_validate(raw).updatedAt == expected


@pytest.mark.parametrize("bad", ["1700000000", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01T10:00:00"])
def test_digit_strings_and_naive_or_bad_timestamps_are_refused(example_raw, bad):
    with pytest.raises(InputError, match="updatedAt"):
        validate_record(dict(example_raw, updatedAt=bad), "rec.json")


def test_legacy_flat_qualification_status(example_raw):
    raw = dict(example_raw)
    raw.pop("qualification")
    raw["qualificationStatus"] = "QUALIFIED"
    assert Qualification.model_validate(raw).qualification.status == "QUALIFIED"


def test_saved_json_round_trips_exactly(example_raw):
    text = dumps_exact(example_raw)
    assert loads_exact(text) == example_raw
    assert "5600.8965" in text
