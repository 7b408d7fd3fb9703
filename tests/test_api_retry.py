"""Unit tests of ``reporter.api.retry`` and the retrying layer of ``ApiClient``: Retry-After, backoff,
the rate limiter and its 429 pause (fake clock: sleeps are recorded, not slept)."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time

import httpx
import pytest

from reporter.api.fetch import fetch_records
from reporter.api.retry import RateLimiter, backoff_delay, parse_retry_after
from reporter.api.settings import ApiSettings
from reporter.api.tokens import StaticToken
from reporter.errors import (
    RateLimited,
    ServerError,
)
from tests.fakes.records import company_id, make_records
from tests.fakes.scripted import (
    BASE,
    CID,
    Clock,
    Script,
    answer,
    one,
    rec,
    run,
)
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults


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

# -- issue 14 --------------------------------------------------------------------------------


def test_a_429_pause_also_holds_requests_that_wait_for_an_in_flight_slot():
    # The first request gets a 429 with a 1 s pause; every other answer takes 0.3 s, so requests
    # that hold a rate-limit token and wait for one of the two slots get one inside the pause.
    ids = [company_id(n) for n in range(1, 9)]
    faults = Faults(script=["429"], retry_after="1", rate_slow=1.0, slow_seconds=0.3)
    with FakeTradeTapp(make_records(8), faults=faults) as fake:
        settings = ApiSettings(fake.base_url, max_in_flight=2, requests_per_minute=1_000_000, backoff_base=0.005)

        async def go():
            return [r async for r in fetch_records(settings, StaticToken(DEFAULT_TOKEN), ids)]

        results = asyncio.run(go())
        requests = list(fake.requests)
    assert [r.company_id for r in results if not r.ok] == []
    (limited,) = [r for r in requests if r.status == 429]
    inside = [r.path for r in requests if limited.at + 0.1 < r.at < limited.at + 0.9]
    assert inside == []  # the client learnt of the pause within 0.1 s: nothing may arrive after that
    assert max(r.at for r in requests) >= limited.at + 0.95  # the retry came after the pause

