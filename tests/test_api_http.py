"""Unit tests of ``reporter.api.http.ApiClient`` (through ``TradeTappClient`` and on its own): the
authorized layer (token on every request, one refresh after a 401), the host check, paging."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

import httpx
import pytest

from reporter.api.fetch import fetch_records
from reporter.api.http import ApiClient, Limits
from reporter.api.settings import ApiSettings, QueryFilters
from reporter.api.tokens import StaticToken
from reporter.errors import (
    AuthError,
    ServerError,
    UnsafeUrl,
    UsageError,
)
from tests.fakes.records import company_id
from tests.fakes.scripted import (
    BASE,
    CID,
    TOKEN,
    Clock,
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


# -- the generic client on its own (what the next clients build on) --------------------------------


DM_BASE = "https://dm.example.test/data/v1"


def generic(script: Script, **kw: Any) -> ApiClient:
    clock = Clock()
    kw.setdefault("limits", Limits(requests_per_minute=100_000, backoff_base=0.01))
    return ApiClient(
        DM_BASE, StaticToken(TOKEN), transport=httpx.MockTransport(script), service="Data Management",
        sleep=clock.sleep, clock=clock, rng=random.Random(1), **kw,
    )


def test_generic_client_sends_extra_headers_and_lets_a_call_drop_one():
    script = Script(default=answer(200, {"ok": True}))

    async def go():
        async with generic(script, extra_headers={"x-ads-region": "EMEA", "x-user-id": "u1"}) as api:
            first = await api.get_json("/projects", {"page[limit]": "5"})
            await api.get_json("projects/p1", headers={"x-user-id": None, "x-extra": "1"})
            return first

    assert run(go()) == {"ok": True}
    one_, two = script.requests
    assert str(one_.url) == f"{DM_BASE}/projects?page%5Blimit%5D=5"
    assert one_.headers["x-ads-region"] == "EMEA" and one_.headers["x-user-id"] == "u1"
    assert one_.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "x-user-id" not in two.headers and two.headers["x-extra"] == "1" and two.url.path == "/data/v1/projects/p1"


def test_generic_client_names_its_service_in_messages():
    script = Script(default=answer(503, {"title": "Unavailable"}))

    async def go():
        async with generic(script, limits=Limits(max_retries=1, backoff_base=0.001)) as api:
            await api.get_json("/projects")

    with pytest.raises(ServerError, match=r"^Data Management server error 503 .*after 2 tries"):
        run(go())

    async def away():
        async with generic(Script()) as api:
            await api.get_json("https://other.example.test/data/v1/projects")

    with pytest.raises(UnsafeUrl, match="refusing to send the Data Management token"):
        run(away())


def test_post_json_sends_the_body_and_is_retried_only_when_never_received():
    script = Script(answer(429, {}, {"Retry-After": "0"}), answer(201, {"id": "new"}))

    async def go(s: Script):
        async with generic(s) as api:
            return await api.post_json("/folders", {"name": "Bids", "n": Decimal("1.10")})

    assert run(go(script)) == {"id": "new"}
    assert [r.method for r in script.requests] == ["POST", "POST"]
    assert script.requests[1].content == b'{"name": "Bids", "n": 1.10}'
    assert script.requests[1].headers["Content-Type"] == "application/json"
    failing = Script(default=answer(500, {"title": "boom"}))
    with pytest.raises(ServerError, match="server error 500"):
        run(go(failing))
    assert len(failing.requests) == 1  # a POST the server may have acted on is not sent twice
    dropped = Script(httpx.ReadError("cut"), default=answer(201, {}))
    with pytest.raises(ServerError, match="connection dropped"):
        run(go(dropped))
    assert len(dropped.requests) == 1
    refused = Script(httpx.ConnectError("refused"), answer(201, {"id": "x"}))
    assert run(go(refused)) == {"id": "x"} and len(refused.requests) == 2


def test_204_is_none():
    async def go():
        async with generic(Script(default=httpx.Response(204))) as api:
            return await api.get_json("/nothing")

    assert run(go()) is None


def offset_page(items: list, offset: int, limit: int, total: int | None) -> dict:
    pagination: dict[str, Any] = {"offset": offset, "limit": limit}
    if total is not None:
        pagination["totalResults"] = total
    return {"pagination": pagination, "results": items}


@pytest.mark.parametrize("total", [7, None])
def test_offset_paging_moves_the_offset_until_the_total_or_a_short_page(total):
    items = list(range(7))

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        return answer(200, offset_page(items[offset : offset + 3], offset, 3, total))

    script = Script(default=handler)

    async def go():
        async with generic(script) as api:
            return [i async for i in api.iter_items("/items", {"limit": "3"})]

    assert run(go()) == items
    assert [r.url.params.get("offset") for r in script.requests] == [None, "3", "6"]
    assert all(r.url.params["limit"] == "3" for r in script.requests)


def test_next_url_on_the_own_host_is_followed_and_a_relative_one_resolved():
    nxt = "/data/v1/items?cursorState=Yg%3D%3D"
    script = Script(
        answer(200, {"pagination": {"cursorState": "YQ==", "nextUrl": f"{DM_BASE}/items?cursorState=YQ%3D%3D"},
                     "results": [1]}),
        answer(200, {"pagination": {"cursorState": "Yg==", "nextUrl": nxt}, "results": [2]}),
        answer(200, {"pagination": {"cursorState": None, "nextUrl": None}, "results": [3]}),
    )

    async def go():
        async with generic(script) as api:
            return [i async for i in api.iter_items("/items")]

    assert run(go()) == [1, 2, 3]
    assert [str(r.url) for r in script.requests] == [
        f"{DM_BASE}/items", f"{DM_BASE}/items?cursorState=YQ%3D%3D", "https://dm.example.test" + nxt,
    ]


def test_a_loopback_base_url_may_be_plain_http_any_other_may_not():
    assert ApiClient("http://127.0.0.2:9/v1", StaticToken(TOKEN)).base_url.host == "127.0.0.2"
    assert ApiClient("http://[::1]:9/v1", StaticToken(TOKEN)).base_url.host == "::1"
    with pytest.raises(UsageError, match="plain http"):
        ApiClient("http://dm.example.test/v1", StaticToken(TOKEN))
