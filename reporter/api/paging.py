"""Fetch stage, paging: where the next page of a list answer is.

Input: one page's ``pagination`` object, the endpoint and query that produced it, and a safety
check for URLs. Output: the next request as ``(url, params)`` (``params`` None when the URL already
holds them), or None on the last page. Two shapes of paging are understood:

- cursor paging (TradeTapp, BuildingConnected): ``cursorState`` + ``nextUrl``; a missing, null or
  empty value of either means the last page. ``nextUrl`` is followed only when it is under the
  API's own base URL (a relative one is resolved under it); otherwise the endpoint is asked again
  with ``cursor_param=<cursorState>``, so the token never travels to another host.
- offset paging: ``offset`` + ``limit`` (+ ``totalResults``), no ``nextUrl``: the endpoint is asked
  again with ``offset`` moved on by the page's size, until ``totalResults`` is reached or a page is
  empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Step = tuple[httpx.URL, dict[str, str] | None]


def has_next(pagination: Any) -> bool:
    """Cursor paging: missing, null or empty ``cursorState`` or ``nextUrl`` mean the last page."""
    return isinstance(pagination, dict) and bool(pagination.get("cursorState")) and bool(
        pagination.get("nextUrl")
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def next_offset(pagination: Any, count: int) -> int | None:
    """Offset paging: the next ``offset``, or None on the last page (``count`` items on this one)."""
    if not isinstance(pagination, dict) or "offset" not in pagination or pagination.get("nextUrl"):
        return None
    offset, limit, total = (_int(pagination.get(k)) for k in ("offset", "limit", "totalResults"))
    if offset is None or count <= 0:
        return None
    after = offset + count
    if total is not None and after >= total:
        return None
    if total is None and limit is not None and count < limit:
        return None
    return after


def next_step(
    pagination: Any,
    count: int,
    endpoint: httpx.URL,
    params: dict[str, str],
    *,
    base: httpx.URL,
    is_safe: Callable[[httpx.URL], bool],
    cursor_param: str = "cursorState",
    on_foreign: Callable[[str], None] | None = None,
) -> Step | None:
    """The request for the page after this one (see the module docstring), or None."""
    offset = next_offset(pagination, count)
    if offset is not None:
        return endpoint, {**params, "offset": str(offset)}
    if not has_next(pagination):
        return None
    try:
        url: httpx.URL | None = base.join(str(pagination["nextUrl"]))
    except httpx.InvalidURL:
        url = None
    if url is not None and is_safe(url):
        return url, None
    if on_foreign is not None:
        on_foreign(f"{url.scheme}://{url.host}{url.path}" if url is not None else "an invalid URL")
    return endpoint, {**params, cursor_param: str(pagination["cursorState"])}
