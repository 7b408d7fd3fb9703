"""Unit tests of ``reporter.api.http.ApiClient`` (through ``TradeTappClient`` and on its own): the
authorized layer (token on every request, one refresh after a 401), the host check, paging."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reporter.api.fetch import fetch_records
from reporter.api.settings import ApiSettings, QueryFilters
from reporter.api.tokens import StaticToken
from reporter.errors import (
    AuthError,
    ServerError,
    UnsafeUrl,
)
from tests.fakes.records import company_id
from tests.fakes.scripted import (
    BASE,
    CID,
    TOKEN,
    Expiring,
    Refreshing,
    Script,
    answer,
    client,
    expiring_api,
    one,
    page,
    rec,
    run,
)


def test_401_asks_once_for_a_refreshed_token_and_uses_it():
    provider = Refreshing("new-token")
    script = Script(answer(401, {"title": "Unauthorized"}), answer(200, rec(1)))
    raw = run(one(script, provider=provider))
    assert raw["id"] == CID
    assert [r.headers["Authorization"] for r in script.requests] == ["Bearer old-token", "Bearer new-token"]
    assert provider.refresh_calls == 1


def test_401_after_refresh_is_an_auth_error():
    provider = Refreshing("new-token")
    script = Script(default=answer(401, {"title": "Unauthorized"}))
    with pytest.raises(AuthError):
        run(one(script, provider=provider))
    assert provider.refresh_calls == 1 and len(script.requests) == 2


def test_401_ends_the_run_without_more_requests():
    script = Script(default=answer(401))

    async def go():
        out = []
        async for r in fetch_records(
            ApiSettings(BASE), StaticToken(TOKEN), [company_id(i) for i in range(10)],
            transport=httpx.MockTransport(script),
        ):
            out.append(r)
        return out

    results = run(go())
    assert len(results) == 10 and all(isinstance(r.error, AuthError) for r in results)
    assert len(script.requests) <= ApiSettings(BASE).max_in_flight * 2


def test_foreign_next_url_is_never_requested_and_paging_continues_under_the_base_url():
    foreign = "https://evil.test:443/construction/tradetapp/v2/qualifications?cursorState=Y3Vy&limit=40"
    script = Script(answer(200, page([rec(1)], "Y3Vy", foreign)), answer(200, page([rec(2)])))

    async def go():
        async with client(script) as c:
            return [r["id"] async for r in c.iter_qualifications(QueryFilters(search_text="Acme"))]

    assert run(go()) == [company_id(1), company_id(2)]
    assert {r.url.host for r in script.requests} == {"api.example.test"}
    second = script.requests[1].url
    assert second.params["cursorState"] == "Y3Vy" and second.params["searchText"] == "Acme"


@pytest.mark.parametrize(
    "foreign",
    [
        "http://api.example.test/construction/tradetapp/v2/qualifications?cursorState=x",  # scheme
        "https://api.example.test:8443/construction/tradetapp/v2/qualifications?cursorState=x",  # port
        "https://api.example.test.evil.test/construction/tradetapp/v2/qualifications?cursorState=x",
        "https://user:pw@api.example.test/construction/tradetapp/v2/qualifications?cursorState=x",
        "https://api.example.test/other/api?cursorState=x",  # path outside the base
    ],
)
def test_get_json_refuses_urls_away_from_the_base(foreign):
    script = Script(default=answer(200, {}))

    async def go():
        async with client(script) as c:
            await c.get_json(foreign)

    with pytest.raises(UnsafeUrl, match="refusing to send the TradeTapp token"):
        run(go())
    assert script.requests == []


def test_foreign_next_url_without_cursor_is_the_last_page_and_never_requested():
    bad = rec(1, offices=1)
    bad["companyOfficeAddresses"]["pagination"] = {"cursorState": None, "nextUrl": "https://evil.test/a"}
    script = Script(answer(200, bad))
    raw = run(one(script))
    assert raw["companyOfficeAddresses"]["pagination"]["nextUrl"] is None
    assert len(script.requests) == 1


def test_relative_next_url_is_resolved_under_the_base():
    nxt = "/construction/tradetapp/v2/qualifications?cursorState=Yw%3D%3D&limit=40"
    script = Script(answer(200, page([rec(1)], "Yw==", nxt)), answer(200, page([rec(2)])))

    async def go():
        async with client(script) as c:
            return [r["id"] async for r in c.iter_qualifications()]

    assert len(run(go())) == 2
    assert str(script.requests[1].url) == "https://api.example.test" + nxt


@pytest.mark.parametrize(
    "last",
    [
        {"omit": True},
        {"cursor": None, "next_url": None},
        {"cursor": "", "next_url": ""},
        {"cursor": "abc", "next_url": ""},  # the reference example: cursor set, nextUrl empty
        {"cursor": None, "next_url": f"{BASE}/qualifications?cursorState=abc"},
    ],
)
def test_missing_null_or_empty_all_mean_last_page(last):
    nxt = f"{BASE}/qualifications?cursorState=cDE%3D&limit=40"
    script = Script(answer(200, page([rec(1)], "cDE=", nxt)), answer(200, page([rec(2)], **last)))

    async def go():
        async with client(script) as c:
            return [r["id"] async for r in c.iter_qualifications()]

    assert run(go()) == [company_id(1), company_id(2)]
    assert len(script.requests) == 2
    assert script.requests[0].url.params["limit"] == "40"
    assert str(script.requests[1].url) == nxt  # a safe nextUrl is followed verbatim


def test_repeated_page_stops_instead_of_looping():
    nxt = f"{BASE}/qualifications?cursorState=same"
    script = Script(default=answer(200, page([rec(1)], "same", nxt)))

    async def go():
        async with client(script) as c:
            return [r["id"] async for r in c.iter_qualifications()]

    with pytest.raises(ServerError, match="repeated a page"):
        run(go())


def test_missing_token_is_a_clear_auth_error():
    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE), StaticToken(""), [CID], transport=httpx.MockTransport(lambda r: answer(200, rec(1))),
        )]

    (result,) = run(go())
    assert isinstance(result.error, AuthError) and "reporter login" in str(result.error)


def test_a_refresh_that_fails_ends_the_run_with_its_own_error():
    from reporter.errors import SignInError

    class Dead(Refreshing):
        async def refreshed(self):
            self.refresh_calls += 1
            raise SignInError("the sign-in has expired: run 'reporter login'")

    provider = Dead(None)
    script = Script(default=answer(401))

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE), provider, [company_id(i) for i in range(6)], transport=httpx.MockTransport(script),
        )]

    results = run(go())
    assert all(isinstance(r.error, SignInError) for r in results) and provider.refresh_calls == 1


@pytest.mark.parametrize("stale", [False, True])
@pytest.mark.parametrize("in_flight", [1, 4])
def test_a_run_outlives_several_token_expiries(stale, in_flight):
    provider = Expiring(stale)
    handler, state = expiring_api(life=12)
    ids = [company_id(i) for i in range(50)]

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_in_flight=in_flight, requests_per_minute=100_000), provider, ids,
            transport=httpx.MockTransport(handler),
        )]

    results = run(go())
    assert [r.error for r in results if not r.ok] == []
    assert state["expiries"] == 4
    assert provider.refresh_calls == 4  # one refresh per expiry, however many requests saw it
    assert provider.token_calls >= len(ids)  # asked on every request: it may refresh before expiry


def test_a_refreshed_token_refused_again_is_final_not_a_loop():
    provider = Expiring()
    script = Script(answer(200, rec(1)), default=answer(401, {"title": "Unauthorized"}))

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_in_flight=1), provider, [company_id(i) for i in range(1, 6)],
            transport=httpx.MockTransport(script),
        )]

    results = run(go())
    assert results[0].ok and all(isinstance(r.error, AuthError) for r in results[1:])
    assert provider.refresh_calls == 1 and len(script.requests) == 3


def test_requests_in_flight_are_bounded():
    state = {"now": 0, "max": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        cid = request.url.path.rsplit("/", 1)[1]
        return answer(200, {**rec(1), "id": cid})

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_in_flight=3, requests_per_minute=100_000), StaticToken(TOKEN),
            [company_id(i) for i in range(20)], transport=httpx.MockTransport(handler),
        )]

    results = run(go())
    assert [r.company_id for r in results] == [company_id(i) for i in range(20)]
    assert all(r.ok for r in results)
    assert state["max"] == 3
