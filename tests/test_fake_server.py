"""End-to-end tests of the fetch stage against the fake TradeTapp server (real HTTP on 127.0.0.1):
the client under injected faults, and the fake's own behaviour (``reporter fetch`` itself:
``test_command_fetch.py``)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from reporter.api.fetch import fetch_records
from reporter.api.settings import ApiSettings
from reporter.api.tokens import StaticToken
from reporter.api.tradetapp import TradeTappClient
from tests.fakes.records import company_id, make_record, make_records, stamp
from tests.fakes.scripted import cli_main
from tests.fakes.tradetapp import (
    DEFAULT_TOKEN,
    NO_SCOPE_TOKEN,
    FakeTradeTapp,
)

BIG = 7  # company number of the record with 120 offices and 75 custom questions


@pytest.fixture
def fake():
    with FakeTradeTapp(make_records(30, big={BIG: (120, 75)})) as server:
        yield server


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


def saved_ids(out: Path) -> set[str]:
    return {p.stem for p in out.glob("*.json") if not p.name.startswith(".")}


def settings(fake: FakeTradeTapp, **kw) -> ApiSettings:
    return ApiSettings(fake.base_url, **{"backoff_base": 0.005, "requests_per_minute": 1_000_000, **kw})


async def collect(fake, ids=(), all_=False, filters=None, token=DEFAULT_TOKEN, **kw):
    return [r async for r in fetch_records(settings(fake, **kw), StaticToken(token), ids, all_, filters)]


# -- the client under faults on real sockets -------------------------------------------------------


def test_retry_after_http_date_drop_slow_and_500_on_real_sockets(fake):
    fake.faults.script = ["429-date", "drop", "slow", "500", "ok"]
    fake.faults.slow_seconds = 0.6
    results = asyncio.run(collect(fake, [company_id(1)], timeout=0.3))
    assert results[0].ok and results[0].raw["id"] == company_id(1)
    # 429 (HTTP date), dropped (no answer), too slow (answered after the client gave up), 500, ok
    statuses = [r.status for r in fake.requests]
    assert statuses[:2] == [429, None] and statuses[3:] == [500, 200] and len(statuses) == 5


def test_429_retry_after_seconds_is_honoured(fake):
    fake.faults.script = ["429"]
    fake.faults.retry_after = "1"
    start = time.monotonic()
    results = asyncio.run(collect(fake, [company_id(1)]))
    assert results[0].ok and time.monotonic() - start >= 0.9
    assert [r.status for r in fake.requests] == [429, 200]


def test_every_status_from_the_fake_maps_to_its_error(fake):
    async def status_of(path: str, **params):
        async with TradeTappClient(settings(fake, max_retries=0), StaticToken(DEFAULT_TOKEN)) as c:
            try:
                await c.get_json(path, params or None)
            except Exception as exc:  # noqa: BLE001
                return type(exc).__name__, str(exc)
        return "ok", ""

    assert asyncio.run(status_of("/qualifications", limit="0"))[0] == "ApiError"
    assert asyncio.run(status_of("/qualifications", **{"filter[updatedAt]": "last week"}))[0] == "ApiError"
    assert asyncio.run(status_of(f"/qualifications/{'f' * 24}")) [0] == "NotFound"
    fake.faults.script = ["500"]
    assert asyncio.run(status_of("/qualifications"))[0] == "ServerError"


def test_duplicate_company_is_409_and_list_gives_it_once():
    dup = make_record(1, name="Other copy")
    with FakeTradeTapp([*make_records(3), dup]) as fake:
        results = asyncio.run(collect(fake, [company_id(1)], all_=True))
    assert "several records match" in str(results[0].error)
    assert [r.company_id for r in results[1:]] == [company_id(2), company_id(3)]


def test_nested_sub_resource_limits_and_paging(fake):
    async def go():
        async with TradeTappClient(settings(fake), StaticToken(DEFAULT_TOKEN)) as c:
            p1 = await c.get_json(f"/qualifications/{company_id(BIG)}/company-office-addresses", {"limit": "100"})
            p2 = await c.get_json(p1["pagination"]["nextUrl"])
            return p1, p2

    p1, p2 = asyncio.run(go())
    assert len(p1["results"]) == 100 and len(p2["results"]) == 20
    assert p2["pagination"]["nextUrl"] is None and p2["pagination"]["cursorState"] is None
    assert p1["pagination"]["previousUrl"] is None and p1["pagination"]["totalResults"] == 120


# -- the fake's own behaviour (section 10) ---------------------------------------------------------


def raw_get(fake, path, token=DEFAULT_TOKEN, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(fake.base_url + path, params=params, headers=headers)


def test_fake_auth_and_limits(fake):
    assert raw_get(fake, "/qualifications", token=None).status_code == 401
    assert raw_get(fake, "/qualifications", token="nope").status_code == 401
    assert raw_get(fake, "/qualifications", token=NO_SCOPE_TOKEN).status_code == 403
    assert raw_get(fake, "/qualifications", limit="41").json()["title"] == "Bad Request"
    assert raw_get(fake, f"/qualifications/{company_id(1)}/custom-questions", limit="101").status_code == 400
    page = raw_get(fake, "/qualifications").json()
    assert page["pagination"]["limit"] == 20 and len(page["results"]) == 20
    assert page["pagination"]["nextUrl"].startswith(fake.base_url + "/qualifications?")
    assert page["pagination"]["previousUrl"] is None
    assert raw_get(fake, "/nope").status_code == 404


def test_fake_enterprise_parent_needs_a_child_header():
    with FakeTradeTapp(make_records(2), enterprise_children={"child-1"}) as fake:
        assert raw_get(fake, "/qualifications").status_code == 400
        ok = httpx.get(fake.base_url + "/qualifications",
                       headers={"Authorization": f"Bearer {DEFAULT_TOKEN}", "general-contractor-company-id": "child-1"})
        assert ok.status_code == 200


def test_fake_filters(fake):
    def ids(**params):
        return [r["id"] for r in raw_get(fake, "/qualifications", limit="40", **params).json()["results"]]

    t = lambda h: stamp(datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(hours=h))  # noqa: E731
    assert ids(**{"filter[updatedAt]": f"{t(28)}.."}) == [company_id(n) for n in (28, 29, 30)]
    assert ids(**{"filter[updatedAt]": f"..{t(3)}"}) == [company_id(n) for n in (1, 2)]
    assert ids(**{"filter[updatedAt]": f"{t(3)}..{t(5)}"}) == [company_id(n) for n in (3, 4)]
    assert ids(searchText="^summit") == [company_id(n) for n in (8, 16, 24)]
    assert ids(searchText="holding gr") == [company_id(n) for n in (5, 10, 15, 20, 25, 30)]
    assert ids(searchText="Summit (") == []  # not a regex: literal text
    assert ids(**{"filter[uniqueId]": "SUB-0003"}) == [company_id(3)]


def test_fake_embeds_fifty_with_nested_links(fake):
    record = raw_get(fake, f"/qualifications/{company_id(BIG)}").json()
    offices = record["companyOfficeAddresses"]
    assert len(offices["results"]) == 50 and offices["pagination"]["totalResults"] == 120
    assert offices["pagination"]["nextUrl"].startswith(f"{fake.base_url}/qualifications/{company_id(BIG)}/company-office-addresses?")


def test_fake_foreign_links_point_at_the_evil_host(fake):
    fake.faults.foreign_next_url = True
    page = raw_get(fake, "/qualifications").json()
    assert page["pagination"]["nextUrl"].startswith(fake.evil.origin)
    httpx.get(page["pagination"]["nextUrl"], headers={"Authorization": "Bearer leaked"})
    assert fake.evil.tokens_seen == ["Bearer leaked"]
