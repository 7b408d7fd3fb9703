"""Test fake: scripted API answers through ``httpx.MockTransport`` (no sockets), a fake clock whose
sleeps only advance time, and token providers that refresh or expire on cue -- what the unit tests
of ``reporter.api`` (``test_api_*.py``) drive the clients with.

    script = Script(answer(429, {}, {"Retry-After": "3"}), answer(200, rec(1)))
    raw = run(one(script, clock=clock))   # one company through a TradeTappClient
    script.requests                       # every request the client sent
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

import httpx

from reporter.api.settings import ApiSettings
from reporter.api.tokens import StaticToken
from reporter.api.tradetapp import TradeTappClient
from reporter.jsonio import loads_exact
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


class Refreshing:
    def __init__(self, new: str | None) -> None:
        self.new = new
        self.refresh_calls = 0

    async def token(self) -> str:
        return "old-token"

    async def refreshed(self) -> str | None:
        self.refresh_calls += 1
        return self.new


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


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def cli_main(monkeypatch: Any) -> Any:
    """``reporter.cli.main`` with ``APS_ACCESS_TOKEN`` set, no proxy variables, only the commands that
    exist yet (a test passes ``monkeypatch``)."""
    import importlib.util

    from reporter import cli
    from tests.fakes.tradetapp import DEFAULT_TOKEN

    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("TRADETAPP_BASE_URL", raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    present = tuple(c for c in cli.COMMANDS if importlib.util.find_spec(f"reporter.commands.{c}"))
    monkeypatch.setattr(cli, "COMMANDS", present)
    return cli.main


def leaked(text: str, *secrets: str, size: int = 12) -> list[str]:
    """Every run of ``size`` characters of a secret found in ``text`` (what redaction must leave none of)."""
    return sorted({s[i : i + size] for s in secrets for i in range(len(s) - size + 1)} & _windows(text, size))


def _windows(text: str, size: int) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}
