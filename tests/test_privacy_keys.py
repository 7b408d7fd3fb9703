"""The tax-id key pattern (``reporter.tax_ids``): generous on what it masks, and without masking
fields that hold no id. Masking is pure, idempotent, and covers every JSON scalar type."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from conftest import sample_paths

from reporter.api import models
from reporter.api.saved import load_file, validate_record
from reporter.tax_ids import is_tax_key, mask_tax_ids, mask_value

TAX_KEYS = [
    "ssn", "SSN", "sin", "SIN", "tin", "TIN", "itin", "ein", "EIN", "fein", "FEIN", "taxid", "TAXID", "taxId",
    "tax_id", "tax-id", "Tax ID", "federalTaxId", "federalTaxID", "federal_tax_id", "taxIds", "tax_ids",
    "businessNumber", "business number", "BUSINESS_NUMBER", "employerIdentificationNumber",
    "employer identification number", "ownerSSN", "ownerSSNs", "owner_ssn", "Owner SSN", "ownerssn",
    "applicantSsn", "einNumber", "EIN_number", "ssnLast4", "socialSecurityNumber", "SocialInsuranceNumber",
    "taxpayerId", "taxNumber", "vatTaxNumber", "tins", "ssns", "primaryContactSSN", "ITIN", "tfn", "abn",
]
NOT_TAX_KEYS = [
    "taxIdType", "taxIdTypes", "tax_id_kind", "business", "businessName", "estimating", "since", "single",
    "Sinclair", "contingent", "protein", "bulletin", "latin", "companyName", "taxRate", "taxes", "existing",
    "casing", "destination", "zipCode", "id", "uniqueId", "positionTitle", "insuranceType",
]


@pytest.mark.parametrize("key", TAX_KEYS)
def test_tax_looking_keys(key):
    assert is_tax_key(key)


@pytest.mark.parametrize("key", NOT_TAX_KEYS)
def test_keys_that_hold_no_tax_id(key):
    assert not is_tax_key(key)


def test_the_only_known_field_that_matches_is_federal_tax_id():
    known = {name for m in vars(models).values() if isinstance(m, type) and hasattr(m, "model_fields")
             for name in m.model_fields}
    assert {k for k in known if is_tax_key(k)} == {"federalTaxId"}


@pytest.mark.parametrize(("value", "masked"), [
    ("123456789", "*****6789"),
    ("12-3456789", "******6789"),
    (123456789, "*****6789"),
    (Decimal("654321987.0"), "*****1987"),
    (Decimal("6.54321987E+8"), "*****1987"),
    (654321987.0, "*****1987"),
    (Decimal("12.3456789"), "******6789"),
    ("123", "***"),
    ("", ""),
    (None, None),
    (True, True),
    (["111223333", 222334444], ["*****3333", "*****4444"]),
    ({"value": "987654321", "n": [Decimal("5.0")]}, {"value": "*****4321", "n": ["*"]}),
])
def test_every_scalar_type_is_masked(value, masked):
    assert mask_value(value) == masked


def test_mask_is_pure_and_idempotent():
    raw = {"federalTaxId": Decimal("654321987.0"), "taxIdType": "US_SSN",
           "contacts": [{"name": "A", "ssn": 123456789, "x": {"tin": ["987654321"]}}]}
    before = copy.deepcopy(raw)
    once = mask_tax_ids(raw)
    assert raw == before
    assert once == {"federalTaxId": "*****1987", "taxIdType": "US_SSN",
                    "contacts": [{"name": "A", "ssn": "*****6789", "x": {"tin": ["*****4321"]}}]}
    assert mask_tax_ids(once) == once


def test_below_a_matching_key_everything_is_masked_even_a_type():
    assert mask_tax_ids({"tin": {"type": "EIN", "value": "123456789"}}) == {"tin": {"type": "***", "value": "*****6789"}}


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_samples_lose_nothing_but_tax_ids(path):
    """Masking at read changes only tax-id values of the bundled samples, and the model agrees."""
    doc = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    raws = doc["results"] if isinstance(doc, dict) and "results" in doc else [doc]
    for raw, rec in zip(raws, load_file(path), strict=True):
        full = validate_record(raw, "x", show_tax_id=True)
        assert full.raw == raw
        changed = {k for k in raw if raw[k] != rec.raw[k]}
        assert changed <= {"federalTaxId"}
        if raw.get("federalTaxId"):
            assert rec.model.federalTaxId == "*" * (len(raw["federalTaxId"]) - 4) + raw["federalTaxId"][-4:]
