"""Issue 14 item 1, the fetch path: a record that comes from the API (not a saved file) is masked
as it enters the batch, so even the manifest's fingerprint of the record is a hash of the masked
record (a hash of the full one could be searched: 10^5 guesses once the last 4 digits are known)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from reporter.cli import main
from reporter.fsio import sha256_bytes
from reporter.jsonio import dumps_exact, loads_exact
from tests.fakes.records import make_record
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp

SSN, OWNER, CONTACT = "612408751", "604338127", "633-21-0948"


@pytest.fixture
def fast_api(monkeypatch, fast):
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("TRADETAPP_BASE_URL", raising=False)


def test_fetched_record_masked_in_outputs_and_fingerprint(tmp_path, fast_api):
    record = make_record(1)
    record.update(taxIdType="US_SSN", federalTaxId=Decimal(SSN + ".0"), ownerSSN=OWNER)
    record["companyContacts"] = [{"contactName": "Pat Owner", "contactType": "COMPANY", "ssn": CONTACT}]
    out = tmp_path / "out"
    with FakeTradeTapp([record]) as fake:
        assert main(["build", "--company", record["id"], "--base-url", fake.base_url, "--out", str(out),
                     "--formats", "json,xlsx", "--jobs", "1", "-q"]) == 0
    written = b"\n".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for full in (SSN, OWNER, CONTACT, CONTACT.replace("-", "")):
        assert full.encode() not in written
    (item,) = json.loads((out / "manifest.json").read_text())["items"]
    kept = loads_exact((out / item["sourceRecord"]["path"]).read_bytes())
    assert kept["federalTaxId"] == "*****8751" and kept["ownerSSN"] == "*****8127"
    assert item["source"]["sha256"] == sha256_bytes(dumps_exact(kept, indent=None).encode("utf-8"))
