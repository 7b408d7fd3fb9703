"""Test fake helper: TradeTapp's ``GET /flags`` list and ``GET /financials/{companyId}`` answers.

Input: the flag objects and financials bodies a ``FakeTradeTapp`` holds beside its qualification
records, and the request's query. Output: API-shaped bodies (``{pagination, results}`` with base64
``p=<offset>`` cursors and an absolute ``nextUrl`` repeating the filters), or a ``ValueError``-free
``(status, body)`` for errors. Kept apart so ``tradetapp.py`` only gains two routes.

Flags behaviour (``tradetapp-financials-flags.md`` section 2): ``limit`` 1-100 (default 20);
filters ``company.id``, ``type``, ``priority``, ``state`` (comma lists), ``eventDate`` (a day or a
half-open ``A..B``); ``sort`` over ``name,type,priority,eventDate,createdAt,updatedAt`` with
``asc``/``desc`` (priority desc = HIGH, MEDIUM, LOW); ``stateHistory`` only with
``include=stateHistory`` (newest first, one embedded page). A financials body whose ``statements``
is empty or missing answers 404, as TradeTapp does for a sub with no statements.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

SORT_FIELDS = ("name", "type", "priority", "eventDate", "createdAt", "updatedAt")
PRIORITY_RANK = {"HIGH": 3, "MEDIUM": 2, "LOW": 1}
LIST_FILTERS = {"filter[type]": "type", "filter[priority]": "priority"}


class FlagQueryError(Exception):
    """A malformed query: the fake answers 400 with this text as ``detail``."""


def financials_body(store: dict[str, dict[str, Any]], company_id: str) -> dict[str, Any] | None:
    """The body for ``/financials/{id}``, or None for TradeTapp's 404 (no statements)."""
    body = store.get(company_id)
    if body is None or not body.get("statements"):
        return None
    return copy.deepcopy(body)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FlagQueryError(f"filter[eventDate]: {text!r} is not YYYY-MM-DD") from None


def _matches(flag: dict[str, Any], query: dict[str, str]) -> bool:
    if "filter[company.id]" in query:
        wanted = set(query["filter[company.id]"].split(","))
        if (flag.get("company") or {}).get("id") not in wanted:
            return False
    for key, field in LIST_FILTERS.items():
        if key in query and flag.get(field) not in set(query[key].split(",")):
            return False
    if "filter[state]" in query:
        states = set(query["filter[state]"].split(","))
        if not states <= {"ACTIVE", "RESOLVED"}:
            raise FlagQueryError("filter[state] must be ACTIVE or RESOLVED")
        if (flag.get("state") or {}).get("value") not in states:
            return False
    if "filter[eventDate]" in query:
        text = query["filter[eventDate]"]
        when = date.fromisoformat(flag["eventDate"][:10]) if flag.get("eventDate") else None
        if ".." in text:
            low, _, high = text.partition("..")
            lo, hi = (_day(low) if low else None), (_day(high) if high else None)
            if when is None or (lo and when < lo) or (hi and when >= hi):
                return False
        elif when != _day(text):
            return False
    return True


def _sort(flags: list[dict[str, Any]], spec: str | None) -> list[dict[str, Any]]:
    if not spec:
        return sorted(flags, key=lambda f: f.get("id") or 0)
    keys = []
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(\w+)(?:\s+(asc|desc))?\s*", part)
        if not m or m.group(1) not in SORT_FIELDS:
            raise FlagQueryError(f"sort: cannot sort by {part.strip()!r}")
        keys.append((m.group(1), m.group(2) == "desc"))
    out = sorted(flags, key=lambda f: f.get("id") or 0)
    for name, desc in reversed(keys):  # stable sorts, last key first
        def key(f: dict[str, Any], name: str = name) -> Any:
            value = f.get(name)
            return PRIORITY_RANK.get(value, 0) if name == "priority" else (value or "")
        out.sort(key=key, reverse=desc)
    return out


def _view(flag: dict[str, Any], with_history: bool, origin_api: str) -> dict[str, Any]:
    out = copy.deepcopy(flag)
    history = out.pop("stateHistory", None)
    if with_history:
        items = history.get("results", []) if isinstance(history, dict) else list(history or [])
        items = sorted(items, key=lambda s: s.get("createdAt") or "", reverse=True)
        out["stateHistory"] = {
            "results": items,
            "pagination": {"limit": 50, "cursorState": None, "totalResults": len(items),
                           "nextUrl": None, "previousUrl": None},
        }
    return out


def flags_page(
    flags: list[dict[str, Any]], query: dict[str, str], link_base: str, cursor, offset: int, limit: int
) -> dict[str, Any]:
    """One ``/flags`` page; ``cursor(n)`` makes the cursor for offset ``n``."""
    include = query.get("include", "")
    if include and set(include.split(",")) - {"stateHistory"}:
        raise FlagQueryError(f"include: unknown value {include!r}")
    matches = _sort([f for f in flags if _matches(f, query)], query.get("sort"))
    page = matches[offset : offset + limit]
    end = offset + len(page)
    filters = {k: v for k, v in query.items() if k not in ("cursorState", "limit")}
    next_cursor = cursor(end) if end < len(matches) else None
    return {
        "pagination": {
            "limit": limit, "cursorState": next_cursor, "totalResults": len(matches),
            "nextUrl": f"{link_base}/flags?" + urlencode({**filters, "cursorState": next_cursor, "limit": limit})
            if next_cursor else None,
            "previousUrl": f"{link_base}/flags?" + urlencode(
                {**filters, "cursorState": cursor(max(0, offset - limit)), "limit": limit}
            ) if offset else None,
        },
        "results": [_view(f, "stateHistory" in include.split(","), link_base) for f in page],
    }
