"""Unit tests of the fetch stage's API client, through ``httpx.MockTransport`` (no network).

Each test scripts the answers, runs the client with a fake clock (sleeps are recorded, not slept)
and checks what was requested, what came back and what was waited.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from reporter.api.fetch import FetchResult, fetch_records
from reporter.api.retry import RateLimiter, backoff_delay, parse_retry_after
from reporter.api.settings import ApiSettings, QueryFilters
from reporter.api.tokens import StaticToken, token_from_env
from reporter.api.tradetapp import TradeTappClient
from reporter.errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    UnsafeUrl,
    UsageError,
)
from reporter.jsonio import dumps_exact, loads_exact
from tests.fakes.records import company_id, make_record
from tests.fakes.tradetapp import encode_json

BASE = "https://api.example.test/construction/tradetapp/v2"
TOKEN = "sekrit-token-ABC123"
CID = company_id(1)


class Clock:
    """A fake monotonic clock whose sleep only advances time and records the wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds
        await asyncio.sleep(0)


def answer(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=encode_json(body if body is not None else {}), headers=headers)


class Script:
    """A MockTransport handler: answers in order (callables get the request), records requests."""

    def __init__(self, *answers: Any, default: Any = None) -> None:
        self.answers = list(answers)
        self.default = default
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.answers.pop(0) if self.answers else self.default
        if callable(item) and not isinstance(item, httpx.Response):
            item = item(request)
        if isinstance(item, Exception):
            raise item
        return item


def run(coro):
    return asyncio.run(coro)


def client(script: Script, clock: Clock | None = None, provider=None, **settings: Any) -> TradeTappClient:
    clock = clock or Clock()
    s = ApiSettings(BASE, **{"requests_per_minute": 100_000, **settings})
    return TradeTappClient(
        s, provider or StaticToken(TOKEN), transport=httpx.MockTransport(script),
        sleep=clock.sleep, clock=clock, rng=random.Random(1),
    )


async def one(script: Script, company: str = CID, **kw: Any) -> dict:
    async with client(script, **kw) as c:
        return await c.get_qualification(company)


def page(results: list, cursor: Any = None, next_url: Any = None, *, omit: bool = False) -> dict:
    pagination: dict[str, Any] = {"limit": 40, "totalResults": 99}
    if not omit:
        pagination.update(cursorState=cursor, nextUrl=next_url)
    return {"pagination": pagination, "results": results}


def rec(n: int, offices: int = 1, questions: int = 1) -> dict:
    r = make_record(n, offices=offices, questions=questions)
    return loads_exact(encode_json(r))


# -- status codes: one clear message each, never retried -------------------------------------------


@pytest.mark.parametrize(
    "status, body, kind, words",
    [
        (400, {"title": "Bad Request", "detail": "limit must be between 1 and 40"}, ApiError,
         ["rejected", "(400)", "Bad Request", "limit must be between 1 and 40"]),
        (401, {"title": "Unauthorized"}, AuthError, ["sign-in expired or invalid", "reporter login"]),
        (403, {"title": "Forbidden", "detail": "no data:read"}, PermissionDenied, ["no permission", "(403)"]),
        (404, {"title": "Not Found"}, NotFound, ["no such company", CID, "(404)"]),
        (409, {"title": "Conflict", "detail": "two matched"}, Conflict, ["several records match", CID, "(409)"]),
        (422, {"title": "Unprocessable"}, ApiError, ["unexpected answer 422"]),
    ],
)
def test_each_status_has_one_clear_message_and_is_not_retried(status, body, kind, words):
    script = Script(default=answer(status, body))
    with pytest.raises(kind) as info:
        run(one(script))
    message = str(info.value)
    for word in words:
        assert word in message
    assert "\n" not in message and TOKEN not in message
    assert info.value.status == status
    assert len(script.requests) == 1


def test_400_without_a_body_still_says_what_happened():
    with pytest.raises(ApiError, match=r"\(400\): invalid parameters"):
        run(one(Script(default=httpx.Response(400, content=b"<html>oops</html>"))))


def test_ok_answer_that_is_not_json_is_a_server_error():
    with pytest.raises(ServerError, match="not JSON"):
        run(one(Script(default=httpx.Response(200, content=b"<html>"))))


def test_redirects_are_not_followed():
    script = Script(default=httpx.Response(302, headers={"Location": "https://evil.test/x"}))
    with pytest.raises(ApiError, match="redirect"):
        run(one(script))
    assert [r.url.host for r in script.requests] == ["api.example.test"]


# -- retries ----------------------------------------------------------------------------------------


def test_429_waits_for_retry_after_seconds():
    clock = Clock()
    script = Script(answer(429, {"developerMessage": "Quota limit exceeded."}, {"Retry-After": "3"}), answer(200, rec(1)))
    raw = run(one(script, clock=clock))
    assert raw["id"] == CID
    assert clock.sleeps == [3.0]
    assert len(script.requests) == 2


def test_429_with_http_date_waits_until_that_time():
    clock = Clock()
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    script = Script(answer(429, {}, {"Retry-After": when}), answer(200, rec(1)))
    run(one(script, clock=clock))
    assert len(clock.sleeps) == 1 and 3.5 <= clock.sleeps[0] <= 5.0


def test_retry_after_is_capped():
    clock = Clock()
    script = Script(answer(429, {}, {"Retry-After": "3600"}), answer(200, rec(1)))
    run(one(script, clock=clock, retry_cap_seconds=60))
    assert clock.sleeps == [60.0]


def test_429_without_retry_after_backs_off_exponentially():
    clock = Clock()
    script = Script(answer(429), answer(429), answer(200, rec(1)))
    run(one(script, clock=clock, backoff_base=2))
    assert 1.0 <= clock.sleeps[0] <= 2.0 and 2.0 <= clock.sleeps[1] <= 4.0


def test_429_for_ever_gives_rate_limited_after_max_retries():
    script = Script(default=answer(429, {"developerMessage": "Quota limit exceeded."}, {"Retry-After": "1"}))
    with pytest.raises(RateLimited, match=r"rate limit still exceeded.*after 4 tries"):
        run(one(script, max_retries=3))
    assert len(script.requests) == 4


def test_a_429_pauses_every_request_of_the_client():
    limiter_clock = Clock()
    limiter = RateLimiter(600_000, clock=limiter_clock, sleep=limiter_clock.sleep)
    limiter.pause(7)

    async def go():
        await limiter.acquire()
        await limiter.acquire()

    run(go())
    assert limiter_clock.sleeps[0] == 7.0 and limiter_clock.now >= 1007


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_backoff(status):
    clock = Clock()
    script = Script(answer(status), answer(status), answer(200, rec(1)))
    raw = run(one(script, clock=clock, backoff_base=1, retry_cap_seconds=60))
    assert raw["id"] == CID
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0


def test_5xx_for_ever_gives_server_error_with_the_api_detail():
    script = Script(default=answer(500, {"title": "Internal Server Error", "detail": "boom"}))
    with pytest.raises(ServerError, match=r"server error 500.*boom.*after 3 tries"):
        run(one(script, max_retries=2))
    assert len(script.requests) == 3


def test_backoff_is_capped_and_jittered():
    rng = random.Random(0)
    delays = [backoff_delay(a, 0.5, 8, rng) for a in range(1, 12)]
    assert all(d <= 8 for d in delays)
    assert max(delays[6:]) > 4  # reached the cap region
    assert len({round(d, 6) for d in delays}) == len(delays)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.ConnectError("connection refused"),
    ],
)
def test_timeouts_and_dropped_connections_are_retried(failure):
    clock = Clock()
    script = Script(failure, answer(200, rec(1)))
    assert run(one(script, clock=clock))["id"] == CID
    assert len(script.requests) == 2 and len(clock.sleeps) == 1


def test_network_failure_for_ever_gives_server_error():
    script = Script(default=httpx.ConnectError("refused"))
    with pytest.raises(ServerError, match=r"could not be reached.*connection dropped.*3 tries"):
        run(one(script, max_retries=2))


def test_parse_retry_after_forms():
    now = 1_700_000_000.0
    assert parse_retry_after("25") == 25.0
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None


# -- tokens -----------------------------------------------------------------------------------------


class Refreshing:
    def __init__(self, new: str | None) -> None:
        self.new = new
        self.refresh_calls = 0

    async def token(self) -> str:
        return "old-token"

    async def refreshed(self) -> str | None:
        self.refresh_calls += 1
        return self.new


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


def test_bearer_and_gc_headers_are_sent():
    script = Script(answer(200, rec(1)))
    run(one(script, gc_company_id="gc-42"))
    sent = script.requests[0].headers
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert sent["general-contractor-company-id"] == "gc-42"
    script = Script(answer(200, rec(1)))
    run(one(script))
    assert "general-contractor-company-id" not in script.requests[0].headers


def test_static_token_and_env(monkeypatch):
    assert run(StaticToken(" Bearer abc ").token()) == "abc"
    assert run(StaticToken("abc").refreshed()) is None
    assert "abc" not in repr(StaticToken("abc"))
    monkeypatch.setenv("APS_ACCESS_TOKEN", "  env-token ")
    assert run(token_from_env().token()) == "env-token"
    monkeypatch.setenv("APS_ACCESS_TOKEN", "")
    assert token_from_env() is None


def test_token_never_in_errors_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    foreign = "https://evil.test/construction/tradetapp/v2/qualifications?cursorState=Yw=="
    scenarios = [
        Script(answer(429, {}, {"Retry-After": "0"}), answer(500), httpx.ReadTimeout("t"),
               answer(200, page([rec(1)], "Yw==", foreign)), answer(200, page([rec(2)])),
               default=answer(200, rec(1))),
        Script(default=answer(401, {"title": "Unauthorized", "detail": f"token {TOKEN} expired"})),
        Script(default=answer(400, {"title": "Bad Request", "detail": f"Bearer {TOKEN} is odd"})),
        Script(default=answer(500, {"detail": TOKEN})),
    ]
    messages = []
    for script in scenarios:
        async def go(script=script):
            async for r in fetch_records(
                ApiSettings(BASE, max_retries=2, backoff_base=0.001), StaticToken(TOKEN), [CID], all_=True,
                transport=httpx.MockTransport(script),
            ):
                if r.error:
                    messages.append(str(r.error))
                    messages.append(repr(r.error.__dict__))
        run(go())
    assert messages
    assert not any(TOKEN in m for m in messages)
    assert TOKEN not in caplog.text


# -- host check -------------------------------------------------------------------------------------


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


def test_company_ids_cannot_escape_the_path():
    script = Script(default=answer(200, {**rec(1), "id": "a/../../users/me"}))
    run(one(script, company="a/../../users/me"))
    assert script.requests[0].url.raw_path.startswith(b"/construction/tradetapp/v2/qualifications/a%2F..")
    with pytest.raises(UsageError):
        run(one(Script(), company=".."))


# -- paging -----------------------------------------------------------------------------------------


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


def test_nested_pages_are_fetched_merged_and_marked_complete():
    record = rec(1, offices=3, questions=2)
    offices = record["companyOfficeAddresses"]["results"]
    record["companyOfficeAddresses"] = {
        "pagination": {"limit": 1, "cursorState": "bzE=", "totalResults": 3,
                       "nextUrl": f"{BASE}/qualifications/{CID}/company-office-addresses?cursorState=bzE%3D", "previousUrl": None},
        "results": offices[:1],
    }
    questions = record["customQuestions"]["results"]
    record["customQuestions"] = {
        "pagination": {"limit": 1, "cursorState": "cTE=", "totalResults": 2,
                       "nextUrl": f"{BASE}/qualifications/{CID}/custom-questions?cursorState=cTE%3D", "previousUrl": None},
        "results": questions[:1],
    }

    def route(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/company-office-addresses"):
            if request.url.params["cursorState"] == "bzE=":
                return answer(200, page(offices[1:2], "bzI=", f"{BASE}/qualifications/{CID}/company-office-addresses?cursorState=bzI%3D"))
            return answer(200, page(offices[2:], None, None))
        if path.endswith("/custom-questions"):
            return answer(200, page(questions[1:], None, ""))
        return answer(200, record)

    script = Script(default=route)
    raw = run(one(script))
    assert raw["companyOfficeAddresses"]["results"] == offices
    assert raw["customQuestions"]["results"] == questions
    for key, n in (("companyOfficeAddresses", 3), ("customQuestions", 2)):
        p = raw[key]["pagination"]
        assert p["cursorState"] is None and p["nextUrl"] is None and p["previousUrl"] is None
        assert p["totalResults"] == n
    assert len(script.requests) == 4
    assert isinstance(raw["customQuestions"]["results"][0]["numberResponse"], Decimal)


def test_list_records_get_their_nested_pages_too():
    big = rec(2, offices=2)
    first, rest = big["companyOfficeAddresses"]["results"][:1], big["companyOfficeAddresses"]["results"][1:]
    big["companyOfficeAddresses"] = {
        "pagination": {"cursorState": "bzE=", "nextUrl": f"{BASE}/qualifications/{company_id(2)}/company-office-addresses?cursorState=bzE%3D"},
        "results": first,
    }

    def route(request):
        if request.url.path.endswith("/qualifications"):
            return answer(200, page([rec(1), big]))
        return answer(200, page(rest))

    async def go():
        async with client(Script(default=route)) as c:
            return [r async for r in c.iter_qualifications()]

    records = run(go())
    assert [len(r["companyOfficeAddresses"]["results"]) for r in records] == [1, 2]


def test_each_company_once_when_pages_shift():
    n1 = f"{BASE}/qualifications?cursorState=MQ%3D%3D"
    n2 = f"{BASE}/qualifications?cursorState=Mg%3D%3D"
    script = Script(
        answer(200, page([rec(1), rec(2)], "MQ==", n1)),
        answer(200, page([rec(2), rec(3)], "Mg==", n2)),  # rec 2 again: a record moved
        answer(200, page([rec(3), rec(4)])),
    )

    async def go():
        async with client(script) as c:
            return [r["id"] async for r in c.iter_qualifications()]

    assert run(go()) == [company_id(i) for i in (1, 2, 3, 4)]


def test_numbers_are_decimal_never_float():
    script = Script(answer(200, rec(1, questions=1)))
    raw = run(one(script))
    number = raw["customQuestions"]["results"][0]["numberResponse"]
    assert isinstance(number, Decimal) and str(number) == "5600.89650000000000000001"
    assert "5600.89650000000000000001" in dumps_exact(raw)


# -- filters ----------------------------------------------------------------------------------------


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


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


def test_filters_are_sent_on_the_first_page():
    script = Script(answer(200, page([])))

    async def go():
        async with client(script) as c:
            return [r async for r in c.iter_qualifications(QueryFilters(updated_since=utc(2024, 1, 1), limit=5))]

    assert run(go()) == []
    assert script.requests[0].url.params["filter[updatedAt]"] == "2024-01-01T00:00:00.000Z.."
    assert script.requests[0].url.params["limit"] == "5"


# -- rate limit and concurrency ---------------------------------------------------------------------


def test_rate_limiter_allows_a_burst_then_the_rate():
    clock = Clock()
    limiter = RateLimiter(60, burst=3, clock=clock, sleep=clock.sleep)  # 1 a second after 3 at once

    async def go():
        for _ in range(8):
            await limiter.acquire()

    run(go())
    assert clock.now - 1000 == pytest.approx(5.0)


def test_default_rate_keeps_any_minute_under_1000():
    limiter = RateLimiter(ApiSettings(BASE).requests_per_minute)
    assert limiter.capacity + limiter.rate * 60 < 1000


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


# -- fetch_records ----------------------------------------------------------------------------------


def test_fetch_records_reports_failures_as_results_and_goes_on():
    def route(request: httpx.Request) -> httpx.Response:
        cid = request.url.path.rsplit("/", 1)[1]
        if cid == company_id(2):
            return answer(404, {"title": "Not Found"})
        if request.url.path.endswith("/qualifications"):
            return answer(200, page([rec(1), rec(3), rec(4)]))
        return answer(200, {**rec(1), "id": cid})

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE), StaticToken(TOKEN), [company_id(1), company_id(2), company_id(1)], all_=True,
            transport=httpx.MockTransport(route),
        )]

    results = run(go())
    assert [r.company_id for r in results] == [company_id(i) for i in (1, 2, 3, 4)]
    assert isinstance(results[1].error, NotFound) and results[1].raw is None
    assert all(isinstance(r, FetchResult) for r in results)


def test_a_failing_list_is_one_result_without_company():
    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_retries=0), StaticToken(TOKEN), all_=True,
            transport=httpx.MockTransport(lambda r: answer(400, {"title": "Bad Request", "detail": "bad filter"})),
        )]

    (result,) = run(go())
    assert result.company_id is None and "bad filter" in str(result.error)


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


# -- a run longer than the token's life ---------------------------------------------------------


class Expiring:
    """A sign-in whose access token the API stops accepting; ``refreshed()`` gets the next one.
    ``stale``: its ``token()`` keeps handing out the first token (the client must not reuse it)."""

    def __init__(self, stale: bool = False) -> None:
        self.generation = 1
        self.stale = stale
        self.token_calls = 0
        self.refresh_calls = 0

    async def token(self) -> str:
        self.token_calls += 1
        return "tok-1" if self.stale else f"tok-{self.generation}"

    async def refreshed(self) -> str | None:
        self.refresh_calls += 1
        self.generation += 1
        await asyncio.sleep(0)
        return f"tok-{self.generation}"


def expiring_api(life: int):
    """A handler accepting only the current token, which expires after every ``life`` answers."""
    state = {"valid": 1, "served": 0, "expiries": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        if request.headers["Authorization"] != f"Bearer tok-{state['valid']}":
            return answer(401, {"title": "Unauthorized"})
        state["served"] += 1
        if state["served"] % life == 0:
            state["valid"] += 1
            state["expiries"] += 1
        return answer(200, {**rec(1), "id": request.url.path.rsplit("/", 1)[1]})

    return handler, state


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


def test_error_text_from_the_api_is_one_line_and_never_holds_the_token_however_nested():
    body = {"title": "Internal\nServer Error", "detail": {"request": {"headers": [f"Bearer {TOKEN}"]}}}
    with pytest.raises(ServerError) as info:
        run(one(Script(default=answer(500, body)), max_retries=0))
    message = str(info.value)
    assert "\n" not in message and TOKEN not in message and "Internal Server Error" in message
    assert TOKEN not in repr(info.value.__dict__)
    with pytest.raises(ApiError) as info:
        run(one(Script(default=answer(400, {"title": "Bad Request", "detail": "x" * 5000}))))
    assert len(str(info.value)) < 400


def test_after_a_429_pause_requests_restart_at_the_rate_not_in_a_burst():
    clock = Clock()
    limiter = RateLimiter(60, burst=10, clock=clock, sleep=clock.sleep)  # 1 a second, bursts of 10

    async def go():
        await limiter.acquire()
        limiter.pause(25)
        for _ in range(3):
            await limiter.acquire()

    run(go())
    assert clock.now - 1000 == pytest.approx(25 + 2)  # the pause, then one a second


@pytest.mark.parametrize("bad", ["gc 42", "gc-42\r\nX-Evil: 1", "-x", "a" * 200])
def test_gc_company_id_must_be_an_id(bad):
    with pytest.raises(UsageError, match="--gc-company-id"):
        ApiSettings(BASE, gc_company_id=bad)


def test_gc_company_id_is_trimmed_and_blank_means_none():
    assert ApiSettings(BASE, gc_company_id="  5d1a9c0e8f4a2b0012345678 ").gc_company_id == "5d1a9c0e8f4a2b0012345678"
    assert ApiSettings(BASE, gc_company_id="  ").gc_company_id is None


def test_a_record_of_another_company_is_not_taken_for_the_one_asked():
    script = Script(default=answer(200, rec(2)))
    with pytest.raises(ServerError, match="record of company"):
        run(one(script, company=company_id(1)))
    assert run(one(Script(default=answer(200, rec(1))), company=company_id(1).upper()))["id"] == company_id(1)


def test_get_json_can_leave_out_the_gc_header():
    script = Script(default=answer(200, {"user": {}}))

    async def go():
        async with client(script, gc_company_id="gc-42") as c:
            await c.get_json("/users/me", gc_header=False)
            await c.get_json("/qualifications")

    run(go())
    assert "general-contractor-company-id" not in script.requests[0].headers
    assert script.requests[1].headers["general-contractor-company-id"] == "gc-42"

