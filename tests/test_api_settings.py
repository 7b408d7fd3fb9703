"""Unit tests of ``reporter.api.settings``: the base URL rule, the GC company id, list filters."""

from __future__ import annotations

from datetime import datetime

import pytest

from reporter.api.settings import ApiSettings, QueryFilters
from reporter.errors import (
    UsageError,
)
from tests.fakes.scripted import (
    BASE,
    utc,
)


def test_http_base_url_is_refused_except_on_loopback():
    with pytest.raises(UsageError, match="plain http"):
        ApiSettings("http://api.example.test/construction/tradetapp/v2")
    assert ApiSettings("http://127.0.0.1:9/x/").base_url == "http://127.0.0.1:9/x"
    with pytest.raises(UsageError):
        ApiSettings("ftp://x")


def test_base_url_from_env(monkeypatch):
    monkeypatch.setenv("TRADETAPP_BASE_URL", "https://env.example.test/tt/v2/")
    assert ApiSettings.from_env().base_url == "https://env.example.test/tt/v2"
    assert ApiSettings.from_env("https://arg.example.test/v2").base_url == "https://arg.example.test/v2"
    monkeypatch.delenv("TRADETAPP_BASE_URL")
    assert ApiSettings.from_env().base_url.startswith("https://developer.api.autodesk.com/")


def test_filters_render_open_and_closed_ranges():
    since, before = utc(2024, 5, 1, 8, 30, 0, 123456), utc(2024, 6, 1)
    assert QueryFilters(updated_since=since).to_params()["filter[updatedAt]"] == "2024-05-01T08:30:00.123Z.."
    assert QueryFilters(updated_before=before).to_params()["filter[updatedAt]"] == "..2024-06-01T00:00:00.000Z"
    assert QueryFilters(updated_since=since, updated_before=before).to_params()["filter[updatedAt]"] == (
        "2024-05-01T08:30:00.123Z..2024-06-01T00:00:00.000Z"
    )
    # an exclusive upper bound rounds up so nothing before it is lost
    assert QueryFilters(updated_before=utc(2024, 6, 1, 0, 0, 0, 1)).updated_at_param() == "..2024-06-01T00:00:00.001Z"
    params = QueryFilters(unique_id="SUB-1", federal_tax_ids=("1", " 2 "), search_text="^acme", limit=7).to_params()
    assert params == {"limit": "7", "filter[uniqueId]": "SUB-1", "filter[federalTaxId]": "1,2", "searchText": "^acme"}
    assert QueryFilters().to_params() == {"limit": "40"}


@pytest.mark.parametrize("bad", [dict(limit=0), dict(limit=41), dict(updated_since=datetime(2024, 1, 1)),
                                 dict(updated_since=utc(2024, 2, 1), updated_before=utc(2024, 1, 1))])
def test_bad_filters_are_usage_errors(bad):
    with pytest.raises(UsageError):
        QueryFilters(**bad)


@pytest.mark.parametrize("bad", ["gc 42", "gc-42\r\nX-Evil: 1", "-x", "a" * 200])
def test_gc_company_id_must_be_an_id(bad):
    with pytest.raises(UsageError, match="--gc-company-id"):
        ApiSettings(BASE, gc_company_id=bad)


def test_gc_company_id_is_trimmed_and_blank_means_none():
    assert ApiSettings(BASE, gc_company_id="  5d1a9c0e8f4a2b0012345678 ").gc_company_id == "5d1a9c0e8f4a2b0012345678"
    assert ApiSettings(BASE, gc_company_id="  ").gc_company_id is None
