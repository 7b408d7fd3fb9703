"""Unit tests of ``reporter.api.paging``: where the next page is, for cursor and offset paging."""

from __future__ import annotations

import httpx
import pytest

from reporter.api.paging import has_next, next_offset, next_step

BASE = httpx.URL("https://api.example.test/v2")
ENDPOINT = httpx.URL("https://api.example.test/v2/items")


def safe(url: httpx.URL) -> bool:
    return url.host == "api.example.test" and url.scheme == "https"


@pytest.mark.parametrize(
    "pagination, count, expected",
    [
        ({"offset": 0, "limit": 3, "totalResults": 7}, 3, 3),
        ({"offset": 6, "limit": 3, "totalResults": 7}, 1, None),  # reached the total
        ({"offset": 0, "limit": 3}, 3, 3),  # no total: a full page may have a next one
        ({"offset": 3, "limit": 3}, 2, None),  # no total: a short page is the last
        ({"offset": 0, "limit": 3, "totalResults": 9}, 0, None),  # an empty page always ends
        ({"limit": 3, "totalResults": 9}, 3, None),  # no offset: not offset paging
        ({"offset": "0", "limit": 3, "totalResults": 9}, 3, None),  # not a number
        ({"offset": 0, "limit": 3, "nextUrl": "x", "cursorState": "c"}, 3, None),  # cursor paging wins
    ],
)
def test_next_offset(pagination, count, expected):
    assert next_offset(pagination, count) == expected


def test_cursor_paging_follows_a_safe_next_url_and_rebuilds_a_foreign_one():
    params = {"limit": "5"}
    own = {"cursorState": "Yw==", "nextUrl": "/v2/items?cursorState=Yw%3D%3D"}
    step = next_step(own, 5, ENDPOINT, params, base=BASE, is_safe=safe)
    assert step == (httpx.URL("https://api.example.test/v2/items?cursorState=Yw%3D%3D"), None)
    seen: list[str] = []
    foreign = {"cursorState": "Yw==", "nextUrl": "https://evil.test/v2/items?cursorState=Yw=="}
    step = next_step(foreign, 5, ENDPOINT, params, base=BASE, is_safe=safe, on_foreign=seen.append)
    assert step == (ENDPOINT, {"limit": "5", "cursorState": "Yw=="})
    assert seen == ["https://evil.test/v2/items"]
    assert next_step({"cursorState": "", "nextUrl": "x"}, 5, ENDPOINT, params, base=BASE, is_safe=safe) is None
    assert not has_next(None) and not has_next({"cursorState": "a"}) and has_next({"cursorState": "a", "nextUrl": "b"})


def test_offset_paging_step_keeps_the_query():
    step = next_step({"offset": 0, "limit": 2, "totalResults": 5}, 2, ENDPOINT, {"q": "x"}, base=BASE, is_safe=safe)
    assert step == (ENDPOINT, {"q": "x", "offset": "2"})
