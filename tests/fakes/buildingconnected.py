"""Test fake: the BuildingConnected API (v2, plus v3 projects and project-team-members) over real
HTTP on 127.0.0.1.

Input: a ``BcData`` (raw objects as the API sends them; a key starting with ``_`` is the fake's own
marker and never sent: ``_external`` on a project or team member = visible only with
``includeExternal=true``), the valid tokens, a clock (``now``) and ``BcFaults``. Output: API-shaped
answers, plus ``requests`` -- every request seen (path, query, headers, status) -- for assertions.

Behaviour (section 5 of ``/work/shared/reference/buildingconnected-api.md``), all GET:
- ``/v2|v3/projects[/{id}]`` (v2 objects lack ``bidFormId``), ``/bid-packages[/{id}]``,
  ``/invites[/{id}]``, ``/bids[/{id}]``, ``/bids/{id}/line-items``, ``/bids/{id}/plugs``,
  ``/v2|v3/project-team-members[/{id}]``, ``/users``, ``/users/me``, ``/users/{id}``,
  ``/bid-package-stats/{id}`` (counted from the invites). Unknown path or id -> 404; an id that is not
  24 hex characters (in a path or an id filter) -> 400; errors are ``{title, detail}``.
- ``Authorization: Bearer``: missing/unknown -> 401; a token in ``forbidden_tokens`` -> 403.
- Paging: ``limit`` 1-100 (default 100, else 400); opaque base64 cursor of ``{"limit","offset"}``;
  the last page has no ``cursorState``/``nextUrl`` (null); ``nextUrl`` repeats every original
  parameter, absolute under the fake's origin, or relative (``/construction/...``) with
  ``faults.relative_next_url``, or on ``fake.evil`` (a recording foreign host) with
  ``faults.foreign_next_url``. ``pagination.totalResults`` only on invites with
  ``includeTotalResults=true``.
- Filters: comma lists for ``filter[projectId]``, ``filter[bidPackageId]``, ``filter[state]``,
  ``filter[bidderCompanyId]`` (single value on bids), ``filter[owningOfficeId]``; ``filter[inviteId]``,
  ``filter[userId]``, ``filter[isProjectLead]``, ``filter[isTemplate]``, ``filter[createdBy]``,
  ``filter[currentAccLinkedProjectId]``; ``filter[updatedAt]`` ``A..B`` half-open; ``searchText``
  word-start, case-insensitive on name or number; ``includeClosed`` (CLOSED projects hidden by
  default); ``includeExternal`` -> 400 without an allowed companion filter.
- Bids: ``onlyLatestRevision=true`` keeps the highest revision per invite; each bid embeds the first
  ``embedded_page_size`` line items and plugs with a ``nextUrl`` to its sub-endpoint; bids of a
  sealed package (``BidPackage.bids_sealed`` at ``now``) are left out of lists and ``/bids/{id}``
  answers 403.

Faults (``fake.faults``, changeable while running): ``rate_429`` (+ ``Retry-After: retry_after``),
``rate_500``, ``script`` (next outcomes: ``"ok" "429" "500" "503" "drop"``), ``fault_paths`` (regex),
``relative_next_url``, ``foreign_next_url``.

    with FakeBuildingConnected(scenario.bc, faults=BcFaults(relative_next_url=True)) as bc:
        bc.base_url      # http://127.0.0.1:<port>/construction/buildingconnected/v2
        bc.v3_base_url   # .../construction/buildingconnected/v3
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from reporter.api.bc_models import BcProject, BidPackage
from tests.fakes.tradetapp import (
    DEFAULT_TOKEN,
    NO_SCOPE_TOKEN,
    EvilHost,
    RecordedRequest,
    _drop,
    _respond,
    _serve,
)

PREFIX = "/construction/buildingconnected"
HEX24 = re.compile(r"[0-9a-f]{24}")
ID_FILTERS = ("filter[projectId]", "filter[bidPackageId]", "filter[inviteId]", "filter[bidderCompanyId]",
              "filter[userId]")
EXTERNAL_COMPANIONS = {
    "projects": ("filter[userId]", "filter[currentAccLinkedProjectId]"),
    "bid-packages": ("filter[projectId]", "filter[currentAccLinkedProjectId]"),
    "invites": ("filter[projectId]", "filter[bidPackageId]", "filter[currentAccLinkedProjectId]"),
    "bids": ("filter[projectId]", "filter[bidPackageId]", "filter[currentAccLinkedProjectId]"),
    "project-team-members": ("filter[userId]", "filter[projectId]", "filter[currentAccLinkedProjectId]"),
}
COMMA = {"filter[projectId]": "projectId", "filter[bidPackageId]": "bidPackageId", "filter[state]": "state",
         "filter[owningOfficeId]": "owningOfficeId"}
SINGLE = {"filter[inviteId]": "inviteId", "filter[userId]": "userId", "filter[createdBy]": "createdBy",
          "filter[currentAccLinkedProjectId]": "currentAccLinkedProjectId"}


@dataclass
class BcData:
    """Everything the fake serves; ``line_items``/``plugs`` map a bid id to its complete list."""

    projects: list[dict[str, Any]] = field(default_factory=list)
    bid_packages: list[dict[str, Any]] = field(default_factory=list)
    invites: list[dict[str, Any]] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    line_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    plugs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    team_members: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    me: dict[str, Any] | None = None


@dataclass
class BcFaults:
    seed: int = 0
    rate_429: float = 0.0
    rate_500: float = 0.0
    retry_after: str | None = "0"
    script: list[str] = field(default_factory=list)
    fault_paths: str | None = None
    relative_next_url: bool = False
    foreign_next_url: bool = False


class _Answer(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, {"title": title, "detail": detail}, headers or {}


def _bad(detail: str) -> _Answer:
    return _Answer(400, "Bad Request", detail)


def _cursor(limit: int, offset: int) -> str:
    return base64.b64encode(json.dumps({"limit": limit, "offset": offset}).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.b64decode(cursor.encode(), validate=True))["offset"]
        if not isinstance(value, int) or value < 0:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError):
        raise _bad(f"cursorState {cursor!r} is not valid") from None


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _updated_in(obj: dict[str, Any], text: str) -> bool:
    low, sep, high = text.partition("..")
    try:
        lo, hi = _when(low), _when(high)
    except ValueError:
        raise _bad(f"filter[updatedAt]: {text!r} is not an ISO 8601 time or range") from None
    when = _when(obj.get("updatedAt"))
    if when is None:
        return False
    if not sep:
        return when == lo
    return (lo is None or when >= lo) and (hi is None or when < hi)


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


class FakeBuildingConnected:
    """The fake server; a context manager (``start``/``stop`` also work)."""

    def __init__(self, data: BcData, *, tokens: tuple[str, ...] = (DEFAULT_TOKEN,),
                 forbidden_tokens: tuple[str, ...] = (NO_SCOPE_TOKEN,), faults: BcFaults | None = None,
                 now: datetime | None = None, embedded_page_size: int = 100) -> None:
        self.data = copy.deepcopy(data)
        self.tokens, self.forbidden_tokens = set(tokens), set(forbidden_tokens)
        self.faults = faults or BcFaults()
        self.now = now or datetime.now(UTC)
        self.embedded_page_size = embedded_page_size
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._server: Any = None
        self.evil = EvilHost()

    def start(self) -> FakeBuildingConnected:
        self.evil.start()
        self._server = _serve(self)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.evil.stop()

    def __enter__(self) -> FakeBuildingConnected:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}{PREFIX}/v2"

    @property
    def v3_base_url(self) -> str:
        return f"{self.origin}{PREFIX}/v3"

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose path after ``/construction/buildingconnected`` matches fully
        (e.g. ``r"/v2/invites"``)."""
        rx = re.compile(pattern)
        return [r for r in self.requests if rx.fullmatch(r.path.removeprefix(PREFIX))]

    # -- answering ----------------------------------------------------------------------------

    def _pick_fault(self, path: str) -> str:
        f = self.faults
        with self.lock:
            if f.script:
                return f.script.pop(0)
            if f.fault_paths and not re.search(f.fault_paths, path):
                return "ok"
            roll = self._rng.random()
            if roll < f.rate_429:
                return "429"
            if roll < f.rate_429 + f.rate_500:
                return "500"
        return "ok"

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        rec = RecordedRequest(h.command, parts.path, query, {k.lower(): v for k, v in h.headers.items()}, time.time())
        with self.lock:
            self.requests.append(rec)
        fault = self._pick_fault(parts.path)
        if fault == "drop":
            _drop(h)
            return
        headers: dict[str, str] = {}
        try:
            if fault == "429":
                ra = {} if self.faults.retry_after is None else {"Retry-After": self.faults.retry_after}
                raise _Answer(429, "Too Many Requests", "Rate limit exceeded.", ra)
            if fault in ("500", "503"):
                raise _Answer(int(fault), "Internal Server Error", "injected failure")
            if h.command != "GET":
                h.close_connection = True
                raise _Answer(405, "Method Not Allowed", f"{h.command} is not supported here")
            self._check_auth(rec.headers)
            status, body = 200, self._route(parts.path, query)
        except _Answer as answer:
            status, body, headers = answer.status, answer.body, answer.headers
        rec.status = status
        _respond(h, status, body, headers)

    def _check_auth(self, headers: dict[str, str]) -> None:
        m = re.fullmatch(r"Bearer ([A-Za-z0-9._~+/=-]+)", headers.get("authorization", ""))
        if not m or m.group(1) not in self.tokens | self.forbidden_tokens:
            raise _Answer(401, "Unauthorized", "The bearer token is missing, expired or not valid.")
        if m.group(1) in self.forbidden_tokens:
            raise _Answer(403, "Forbidden", "The token does not grant data:read.")

    def _route(self, path: str, query: dict[str, str]) -> Any:
        m = re.fullmatch(PREFIX + r"/(v2|v3)/([a-z-]+)(?:/([^/]+))?(?:/([a-z-]+))?", path)
        if not m:
            raise _Answer(404, "Not Found", f"no route {path}")
        version, kind, ident, sub = m.groups()
        versioned = kind in ("projects", "project-team-members")
        if version == "v3" and not versioned:
            raise _Answer(404, "Not Found", f"no route {path}")
        if kind == "users" and ident == "me" and not sub:
            return copy.deepcopy(self.data.me or {})
        if ident is not None and not HEX24.fullmatch(ident):
            raise _bad(f"{ident!r} is not a valid id")
        if kind == "bid-package-stats" and ident and not sub:
            return self._stats(ident)
        if kind == "bids" and ident and sub in ("line-items", "plugs"):
            bid = self._bid(ident)
            store = self.data.line_items if sub == "line-items" else self.data.plugs
            return self._page(path, query, store.get(bid["id"], []))
        if sub is not None:
            raise _Answer(404, "Not Found", f"no route {path}")
        lists = {"projects": self.data.projects, "bid-packages": self.data.bid_packages,
                 "invites": self.data.invites, "bids": self.data.bids,
                 "project-team-members": self.data.team_members, "users": self.data.users}
        if kind not in lists:
            raise _Answer(404, "Not Found", f"no route {path}")
        if ident is not None:
            if kind == "bids":
                return self._view(kind, version, self._bid(ident))
            found = next((o for o in lists[kind] if o.get("id") == ident), None)
            if found is None:
                raise _Answer(404, "Not Found", f"No {kind.rstrip('s')} found with id {ident}.")
            return self._view(kind, version, found)
        items = [o for o in lists[kind] if self._matches(kind, o, query)]
        if kind == "bids" and query.get("onlyLatestRevision") == "true":
            latest: dict[Any, dict[str, Any]] = {}
            for b in items:
                key = b.get("inviteId") or b.get("id")
                if key not in latest or (b.get("revision") or 0) > (latest[key].get("revision") or 0):
                    latest[key] = b
            items = [b for b in items if latest.get(b.get("inviteId") or b.get("id")) is b]
        return self._page(path, query, items, view=lambda o: self._view(kind, version, o),
                          total=kind == "invites" and query.get("includeTotalResults") == "true")

    def _matches(self, kind: str, obj: dict[str, Any], query: dict[str, str]) -> bool:
        for key in ID_FILTERS:
            single = key in ("filter[inviteId]", "filter[userId]") or (kind == "bids" and key == "filter[bidderCompanyId]")
            for value in ((query[key].split(",") if not single else [query[key]]) if key in query else ()):
                if not HEX24.fullmatch(value):
                    raise _bad(f"{key}: {value!r} is not a valid id")
        if query.get("includeExternal") == "true":
            if not any(c in query for c in EXTERNAL_COMPANIONS.get(kind, ())):
                raise _bad(f"includeExternal needs one of {', '.join(EXTERNAL_COMPANIONS.get(kind, ()))}")
        elif obj.get("_external"):
            return False
        for key, name in COMMA.items():
            if key in query and obj.get(name) not in query[key].split(","):
                return False
        for key, name in SINGLE.items():
            if key == "filter[userId]" and kind == "project-team-members":
                if key in query and (obj.get("user") or {}).get("id") != query[key]:
                    return False
            elif key in query and kind != "projects" and obj.get(name) != query[key]:
                return False
        if "filter[bidderCompanyId]" in query:
            cid = obj.get("bidderCompanyId") if kind == "bids" else (obj.get("bidderCompany") or {}).get("id")
            wanted = [query["filter[bidderCompanyId]"]] if kind == "bids" else query["filter[bidderCompanyId]"].split(",")
            if cid not in wanted:
                return False
        for key, name in (("filter[isProjectLead]", "isProjectLead"), ("filter[isTemplate]", "isTemplate")):
            if key in query and bool(obj.get(name)) != (query[key] == "true"):
                return False
        if "filter[updatedAt]" in query and not _updated_in(obj, query["filter[updatedAt]"]):
            return False
        if kind == "projects":
            if obj.get("state") == "CLOSED" and query.get("includeClosed") != "true":
                return False
            for key in ("filter[createdBy]", "filter[currentAccLinkedProjectId]"):
                if key in query and obj.get(SINGLE[key]) != query[key]:
                    return False
            if query.get("searchText"):
                rx = re.compile(r"\b" + re.escape(query["searchText"]), re.IGNORECASE)
                if not any(rx.search(obj.get(k) or "") for k in ("name", "number")):
                    return False
        if kind == "bids" and self._sealed(obj):
            return False
        return True

    def _sealed(self, bid: dict[str, Any]) -> bool:
        pkg = next((p for p in self.data.bid_packages if p.get("id") == bid.get("bidPackageId")), None)
        proj = next((p for p in self.data.projects if p.get("id") == bid.get("projectId")), None)
        if pkg is None or proj is None:
            return False
        return BidPackage.model_validate(_public(pkg)).bids_sealed(BcProject.model_validate(_public(proj)), self.now)

    def _bid(self, ident: str) -> dict[str, Any]:
        bid = next((b for b in self.data.bids if b.get("id") == ident), None)
        if bid is None:
            raise _Answer(404, "Not Found", f"No bid found with id {ident}.")
        if self._sealed(bid):
            raise _Answer(403, "Forbidden", "Bids on this bid package are sealed until the bid due date.")
        return bid

    def _view(self, kind: str, version: str, obj: dict[str, Any]) -> dict[str, Any]:
        out = _public(obj)
        if kind == "projects" and version == "v2":
            out.pop("bidFormId", None)
        if kind == "bids":
            for sub, store in (("line-items", self.data.line_items), ("plugs", self.data.plugs)):
                items = store.get(obj["id"], [])
                key = "lineItems" if sub == "line-items" else "plugs"
                path = f"{PREFIX}/v2/bids/{obj['id']}/{sub}"
                out[key] = self._page(path, {"limit": str(self.embedded_page_size)}, items)
        return out

    def _link(self, path: str, params: dict[str, Any]) -> str:
        tail = f"{path}?{urlencode(params)}"
        if self.faults.foreign_next_url:
            return self.evil.origin + tail
        return tail if self.faults.relative_next_url else self.origin + tail

    def _page(self, path: str, query: dict[str, str], items: list[dict[str, Any]], view: Any = None,
              total: bool = False) -> dict[str, Any]:
        text = query.get("limit", "100")
        if not text.isdigit() or not 1 <= int(text) <= 100:
            raise _bad(f"limit must be an integer between 1 and 100, got {text!r}")
        limit, offset = int(text), _offset(query.get("cursorState"))
        page = items[offset : offset + limit]
        end = offset + len(page)
        pagination: dict[str, Any] = {"limit": limit, "cursorState": None, "nextUrl": None}
        if end < len(items):
            cursor = _cursor(limit, end)
            params = {**{k: v for k, v in query.items() if k != "cursorState"}, "cursorState": cursor}
            pagination.update(cursorState=cursor, nextUrl=self._link(path, params))
        if total:
            pagination["totalResults"] = len(items)
        return {"pagination": pagination, "results": [(view or _public)(o) for o in page]}

    def _stats(self, package_id: str) -> dict[str, Any]:
        if not any(p.get("id") == package_id for p in self.data.bid_packages):
            raise _Answer(404, "Not Found", f"No bid package found with id {package_id}.")
        invites = [i for i in self.data.invites if i.get("bidPackageId") == package_id]
        sent = [i for i in invites if i.get("state") != "NOT_INVITED"]

        def count(*states: str) -> int:
            return sum(1 for i in sent if i.get("state") in states)

        return {"bidPackageId": package_id, "invitedCount": len(sent),
                "viewedCount": sum(1 for i in sent if any(v.get("firstViewedAt") for v in i.get("invitees") or [])),
                "undecidedCount": count("UNDECIDED"), "notBiddingCount": count("NOT_BIDDING"),
                "biddingCount": count("BIDDING"), "submittedBiddersCount": count("BID_SUBMITTED", "WON", "LOST")}
