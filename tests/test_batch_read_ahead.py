"""Tests of ``reporter.batch_sources.read_ahead``: fetching overlaps rendering (issue 20).

The stream is read by a task of its own while the consumer is busy, never more than ``limit``
items ahead; an exception of the stream reaches the consumer at its place; a consumer that stops
early stops the reader.
"""

from __future__ import annotations

import asyncio

import pytest

from reporter.batch_sources import read_ahead


async def _numbers(n: int, produced: list[int], fail_at: int | None = None):
    for i in range(n):
        if i == fail_at:
            raise RuntimeError(f"list page {i} failed")
        await asyncio.sleep(0)  # a fetch: gives the loop away
        produced.append(i)
        yield (f"r{i}", i)


def test_the_stream_is_read_while_the_consumer_is_busy_but_at_most_limit_ahead():
    async def go():
        produced: list[int] = []
        seen: list[tuple[int, int]] = []  # (item, how many were produced when it was handed over)
        async for _label, i in read_ahead(_numbers(20, produced), 5):
            seen.append((i, len(produced)))
            await asyncio.sleep(0.01)  # rendering: the reader fetches meanwhile
        return produced, seen

    produced, seen = asyncio.run(go())
    assert produced == list(range(20))
    assert [i for i, _ in seen] == list(range(20))  # order kept
    # While the first record "rendered", later ones were fetched (read ahead), but never more than
    # the limit (5 in the queue, one in the reader's hands) beyond the one being consumed.
    assert seen[1][1] > 2
    assert all(count - i <= 7 for i, count in seen)


def test_an_error_of_the_stream_reaches_the_consumer_in_order():
    async def go():
        got: list[int] = []
        with pytest.raises(RuntimeError, match="list page 3 failed"):
            async for _label, i in read_ahead(_numbers(10, [], fail_at=3), 4):
                got.append(i)
        return got

    assert asyncio.run(go()) == [0, 1, 2]


def test_leaving_early_stops_the_reader():
    async def go():
        produced: list[int] = []
        async for _label, i in read_ahead(_numbers(1000, produced), 3):
            if i == 2:
                break
        await asyncio.sleep(0.05)
        return produced

    produced = asyncio.run(go())
    assert len(produced) < 10
