"""The fake TradeTapp's financials and flags routes, over real HTTP on 127.0.0.1: 404 for a sub with
no statements, flags filters/sort/paging/stateHistory, the injectable 429, and recorded headers."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from reporter.api.financials_models import Financials, FlagPage
from reporter.jsonio import loads_exact
from tests.fakes.records import company_id, make_records
from tests.fakes.side_records import make_financials, make_flag
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "general-contractor-company-id": "5d1a9c0e8f4a2b0012345678"}
C1, C2, C3 = company_id(1), company_id(2), company_id(3)


def _flags():
    flags = [make_flag(C1, 100 + i, name=f"Flag {i}", priority=("LOW", "MEDIUM", "HIGH")[i % 3],
                       event_date=f"2026-01-{1 + i:02d}") for i in range(25)]
    flags.append(make_flag(C2, 900, name="Default on project Harbor Point", priority="HIGH"))
    flags.append(make_flag(C2, 901, name="Late certified payroll", priority="MEDIUM", resolved="Paid in full"))
    return flags


@pytest.fixture
def fake():
    financials = {C1: make_financials(1), C2: make_financials(2, "weak"), C3: make_financials(3, statements=0)}
    with FakeTradeTapp(make_records(3), financials=financials, flags=_flags()) as server:
        yield server


def _get(fake, path, **params):
    return httpx.get(fake.base_url + path, params=params, headers=AUTH)


def test_financials_served_exactly_and_404s(fake):
    r = _get(fake, f"/financials/{C2}")
    assert r.status_code == 200
    fin = Financials.model_validate(loads_exact(r.text))
    assert fin.benchmarks.liquidityScore == 18 and fin.statements[0].metrics.currentRatio == Decimal("0.82")
    assert str(fin.statements[0].metrics.currentRatio) == "0.82"  # written as its number text
    for cid in (C3, company_id(99)):  # no statements, unknown
        missing = _get(fake, f"/financials/{cid}")
        assert missing.status_code == 404 and "financial statements" in missing.json()["detail"]
    assert httpx.get(fake.base_url + f"/financials/{C1}").status_code == 401
    seen = fake.requests_to(f"/financials/{C2}")[0]
    assert seen.headers["general-contractor-company-id"] == "5d1a9c0e8f4a2b0012345678"
    assert seen.authorization == f"Bearer {DEFAULT_TOKEN}"


def test_flags_paging_follows_next_url_with_filters(fake):
    url = fake.base_url + "/flags"
    params: dict | None = {"filter[company.id]": C1, "include": "stateHistory", "limit": "10"}
    ids, pages = [], 0
    while url:
        r = httpx.get(url, params=params, headers=AUTH)
        assert r.status_code == 200
        page = FlagPage.model_validate(loads_exact(r.text))
        assert page.pagination.totalResults == 25
        ids += [f.id for f in page.results]
        assert all(f.stateHistory is not None for f in page.results)
        url, params, pages = page.pagination.nextUrl, None, pages + 1
    assert pages == 3 and ids == list(range(100, 125))
    last = fake.requests[-1]
    assert last.query["filter[company.id]"] == C1 and last.query["include"] == "stateHistory"


def test_flags_filters_sort_and_state_history(fake):
    r = _get(fake, "/flags", **{"filter[company.id]": C2, "sort": "priority desc,eventDate desc"})
    body = r.json()
    assert [f["id"] for f in body["results"]] == [900, 901]
    assert "stateHistory" not in body["results"][0]  # only with include=stateHistory
    active = _get(fake, "/flags", **{"filter[company.id]": C2, "filter[state]": "ACTIVE"}).json()
    assert [f["name"] for f in active["results"]] == ["Default on project Harbor Point"]
    resolved = _get(fake, "/flags", **{"filter[company.id]": C2, "filter[state]": "RESOLVED",
                                       "include": "stateHistory"}).json()["results"][0]
    assert resolved["state"]["value"] == "RESOLVED"
    assert [s["value"] for s in resolved["stateHistory"]["results"]] == ["RESOLVED", "ACTIVE"]  # newest first
    window = _get(fake, "/flags", **{"filter[company.id]": C1, "filter[eventDate]": "2026-01-12..2026-01-14"})
    assert [f["eventDate"] for f in window.json()["results"]] == ["2026-01-12", "2026-01-13"]  # half-open
    assert _get(fake, "/flags", **{"filter[company.id]": C3}).json()["results"] == []


@pytest.mark.parametrize("params", [{"limit": "101"}, {"sort": "color desc"}, {"filter[state]": "OPEN"},
                                    {"filter[eventDate]": "12/01/2026"}, {"cursorState": "!!"}])
def test_flags_bad_queries_are_400(fake, params):
    r = _get(fake, "/flags", **params)
    assert r.status_code == 400 and r.json()["title"] == "Bad Request"


def test_injected_429_hits_flags_only():
    with FakeTradeTapp(make_records(1), flags=[make_flag(C1, 1)], faults=Faults(flags_429=2)) as fake:
        assert _get(fake, f"/qualifications/{C1}").status_code == 200
        first = _get(fake, "/flags")
        assert first.status_code == 429 and first.headers["Retry-After"] == "0"
        assert _get(fake, "/flags").status_code == 429
        assert _get(fake, "/flags").status_code == 200
        assert fake.statuses() == {200: 2, 429: 2}
