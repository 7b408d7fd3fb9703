"""Fetch stage, retry policy: when to try a request again and how fast requests may go.

Input: ``Retry-After`` header values, attempt numbers, a clock. Output: seconds to wait
(``parse_retry_after``, ``backoff_delay``) and a ``RateLimiter`` -- a token bucket that a 429 pauses
for every caller. ``ApiClient`` (``reporter.api.http``) takes a limiter token as the last step
before a request goes on the wire, *after* it holds an in-flight slot, so a pause stops every
request not yet sent, whatever it was waiting for.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC

Sleep = Callable[[float], Awaitable[None]]


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Capped exponential backoff with equal jitter: attempt 1 waits base/2..base, then doubles."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class RateLimiter:
    """A token bucket (``per_minute`` refill, ``burst`` size) that a 429 can pause for everyone."""

    def __init__(
        self,
        per_minute: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst else max(1, min(int(per_minute // 30), 60)))
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (a 429), and restart without a burst."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 1.0  # the first request when the pause ends; then the rate, not a burst
        self._updated = max(self._updated, self._paused_until)  # no refill during the pause

    async def acquire(self) -> None:
        """Wait for a token; returns only outside a pause, with no await left before the caller's send."""
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1 - 1e-9:  # float rounding must not leave a sleep too short to count
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._sleep((1 - self._tokens) / self.rate)
