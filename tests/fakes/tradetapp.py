"""Test fake: the TradeTapp API v2 qualification endpoints, over real HTTP on 127.0.0.1.

Input: raw qualification records (dicts as the API would send them; ``companyOfficeAddresses`` /
``customQuestions`` may be complete ``{pagination, results}`` objects or bare lists), the valid
tokens, and ``Faults`` to inject. Output: API-shaped answers, plus ``requests`` -- every request
seen (path, query, headers, answered status) -- so tests can assert on what the client did.

Behaviour (section 10 of ``/work/shared/reference/tradetapp-api.md``):
- ``GET /qualifications`` (limit 1-40, default 20), ``/qualifications/{id}`` (404 unknown, 409 when
  two records share the id), ``/qualifications/{id}/company-office-addresses`` and
  ``/custom-questions`` (limit 1-100, default 50); anything else 404; errors are ``{title, detail}``.
- ``Authorization: Bearer <token>``: missing/garbled/unknown -> 401, a token in ``forbidden_tokens``
  (no data:read) -> 403.
- ``general-contractor-company-id``: for a plain user it must be absent or equal
  ``user_gc_company_id``; for an enterprise parent (``enterprise_children`` given) it is required
  and must name a child; otherwise 400.
- Cursor paging with base64 ``p=<offset>`` cursors; ``nextUrl`` is absolute under the fake's own
  base URL and repeats the filters; the last page has ``cursorState``/``nextUrl`` null.
- ``filter[updatedAt]`` ``A..B`` / ``A..`` / ``..B`` (lower inclusive, upper exclusive; malformed ->
  400), ``filter[uniqueId]``, ``filter[federalTaxId]`` (comma list), ``searchText`` (case-insensitive
  regex over ``companyName``/``parentCompanyName``; literal text if the regex does not compile).
- Each record embeds only the first 50 offices/questions, with nested pagination pointing at the
  sub-resource endpoints.

Fault injection (``fake.faults``, changeable while running; a seeded RNG decides):
``rate_429`` (with ``Retry-After``: ``retry_after="0"`` seconds, ``"date:N"`` an HTTP date N s ahead,
or None for no header), ``rate_500``, ``rate_slow``/``slow_seconds``, ``rate_drop`` (socket closed
without an answer), ``foreign_next_url`` (every ``nextUrl`` points at ``fake.evil``, a second
listener that records any request and its ``Authorization`` header), ``page_overlap`` (pages shift:
each next page starts that many records early), ``failing_companies`` (every request about them
gets 500), ``script`` (explicit outcomes for the next requests: ``"ok" "429" "429-date" "500" "503"
"drop" "slow"``), ``fault_paths`` (a regex; random faults hit only matching paths), ``flags_429``
(the next N ``/flags`` requests answer 429).

Financials and flags (``tests/fakes/tradetapp_flags.py``): ``financials={companyId: body}`` serves
``GET /financials/{companyId}`` (404 when absent or without statements); ``flags=[flag, ...]``
serves ``GET /flags`` (filters, sort, paging, ``include=stateHistory``). ``set_side_data`` replaces both.

    with FakeTradeTapp(make_records(30), faults=Faults(rate_429=0.1, seed=7)) as fake:
        fake.base_url    # http://127.0.0.1:<port>/construction/tradetapp/v2
        fake.requests    # [RecordedRequest(...), ...]
        fake.evil.requests
"""

from __future__ import annotations

import base64
import copy
import email.utils
import json
import random
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from tests.fakes.tradetapp_flags import FlagQueryError, financials_body, flags_page

API_PREFIX = "/construction/tradetapp/v2"
DEFAULT_TOKEN = "test-token-0123456789"
NO_SCOPE_TOKEN = "token-without-data-read"
NESTED = {"company-office-addresses": "companyOfficeAddresses", "custom-questions": "customQuestions"}


@dataclass
class Faults:
    """What to break; every rate is a probability per request (seeded, reproducible)."""

    seed: int = 0
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_slow: float = 0.0
    slow_seconds: float = 0.5
    rate_drop: float = 0.0
    retry_after: str | None = "0"
    foreign_next_url: bool = False
    page_overlap: int = 0
    failing_companies: set[str] = field(default_factory=set)
    script: list[str] = field(default_factory=list)
    fault_paths: str | None = None
    echo_token: str | None = None
    flags_429: int = 0


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float
    status: int | None = None  # None: dropped without an answer

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


class _Answer(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, title: str, detail: str) -> _Answer:
    return _Answer(status, {"title": title, "detail": detail})


def encode_json(value: Any) -> bytes:
    """JSON with each ``Decimal`` written as its exact number text."""
    marked = json.dumps(value, default=lambda o: f"\x00DEC{o}\x00" if isinstance(o, Decimal) else _no(o))
    return re.sub(r'"\\u0000DEC([^"\\]+)\\u0000"', r"\1", marked).encode()


def _no(o: Any) -> Any:
    raise TypeError(f"cannot encode {type(o).__name__}")


def _cursor(offset: int) -> str:
    return base64.b64encode(f"p={offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith("p="):
            raise ValueError
        value = int(text[2:])
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        raise _error(400, "Bad Request", f"cursorState {cursor!r} is not valid") from None


def _limit(query: dict[str, str], default: int, maximum: int) -> int:
    text = query.get("limit")
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _error(400, "Bad Request", f"limit must be an integer, got {text!r}") from None
    if not 1 <= value <= maximum:
        raise _error(400, "Bad Request", f"limit must be between 1 and {maximum}")
    return value


def _instant(text: str) -> datetime:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", text):
        raise _error(400, "Bad Request", f"filter[updatedAt]: {text!r} is not an ISO 8601 time")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _updated_range(text: str) -> tuple[datetime | None, datetime | None, bool]:
    """(low, high, exact) from ``A..B``, ``A..``, ``..B`` or a single instant."""
    if ".." not in text:
        moment = _instant(text)
        return moment, moment, True
    low, _, high = text.partition("..")
    if not low and not high:
        raise _error(400, "Bad Request", "filter[updatedAt]: empty range")
    return (_instant(low) if low else None), (_instant(high) if high else None), False


class FakeTradeTapp:
    """The fake server; a context manager (``start``/``stop`` also work)."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]] = (),
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        forbidden_tokens: Iterable[str] = (NO_SCOPE_TOKEN,),
        user_gc_company_id: str = "5d1a9c0e8f4a2b0012345678",
        enterprise_children: Iterable[str] = (),
        faults: Faults | None = None,
        nested_page_size: int = 50,
        financials: dict[str, dict[str, Any]] | None = None,
        flags: Iterable[dict[str, Any]] = (),
    ) -> None:
        self.tokens = set(tokens)
        self.forbidden_tokens = set(forbidden_tokens)
        self.user_gc_company_id = user_gc_company_id
        self.enterprise_children = set(enterprise_children)
        self.faults = faults or Faults()
        self.nested_page_size = nested_page_size
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._records: list[dict[str, Any]] = []
        self.set_records(records)
        self.set_side_data(financials or {}, flags)
        self._server: ThreadingHTTPServer | None = None
        self.evil = EvilHost()

    # -- data ---------------------------------------------------------------------------------

    def set_records(self, records: Iterable[dict[str, Any]]) -> None:
        """Replace the data (each record's nested lists are stored complete)."""
        stored = []
        for record in records:
            record = copy.deepcopy(record)
            for key in NESTED.values():
                value = record.get(key)
                if isinstance(value, dict):
                    record[key] = list(value.get("results") or [])
                elif value is None:
                    record[key] = []
            stored.append(record)
        with self.lock:
            self._records = stored

    def set_side_data(self, financials: dict[str, dict[str, Any]], flags: Iterable[dict[str, Any]]) -> None:
        """Replace the financials bodies (by company id) and the flag objects."""
        with self.lock:
            self.financials = copy.deepcopy(dict(financials))
            self.flags = copy.deepcopy(list(flags))

    def upsert(self, record: dict[str, Any]) -> None:
        """Replace the record with the same id (or add it at the end)."""
        with self.lock:
            others = [r for r in self._records if r.get("id") != record.get("id")]
        self.set_records([*others, record])

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeTradeTapp:
        self.evil.start()
        self._server = _serve(self)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.evil.stop()

    def __enter__(self) -> FakeTradeTapp:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + API_PREFIX

    def reseed(self, seed: int) -> None:
        with self.lock:
            self.faults.seed = seed
            self._rng = random.Random(seed)

    # -- what happened ------------------------------------------------------------------------

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose path (after the API prefix) matches ``pattern`` fully."""
        rx = re.compile(pattern)
        return [r for r in self.requests if rx.fullmatch(r.path.removeprefix(API_PREFIX))]

    def statuses(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for r in self.requests:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    # -- answering ----------------------------------------------------------------------------

    def _pick_fault(self, path: str) -> str:
        f = self.faults
        with self.lock:
            if f.flags_429 and path.endswith("/flags"):
                f.flags_429 -= 1
                return "429"
            if f.script:
                return f.script.pop(0)
            if f.fault_paths and not re.search(f.fault_paths, path):
                return "ok"
            roll = self._rng.random()
            for name, rate in (("drop", f.rate_drop), ("429", f.rate_429), ("500", f.rate_500), ("slow", f.rate_slow)):
                if roll < rate:
                    return name
                roll -= rate
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
        if fault == "slow":
            time.sleep(self.faults.slow_seconds)
        try:
            if fault in ("429", "429-date"):
                raise _Answer(429, {"developerMessage": "Quota limit exceeded."}, self._retry_after(fault))
            if fault in ("500", "503"):
                raise _error(int(fault), "Internal Server Error", "injected failure")
            if h.command != "GET":
                h.close_connection = True  # the body is never read
                raise _error(405, "Method Not Allowed", f"{h.command} is not supported here")
            self._check_auth(rec.headers)
            status, body = 200, self._route(parts.path, query)
            headers: dict[str, str] = {}
        except _Answer as answer:
            status, body, headers = answer.status, answer.body, answer.headers
            if self.faults.echo_token and isinstance(body, dict):
                body = {**body, "detail": f"{body.get('detail', '')} (you sent {self._echo(rec)})"}
        rec.status = status
        _respond(h, status, body, headers)

    def _echo(self, rec: RecordedRequest) -> str:
        header = rec.authorization or ""
        token = header.removeprefix("Bearer ")
        form = self.faults.echo_token
        if form == "url":
            return quote(header, safe="")
        if form == "cut":
            return token[:-1]
        if form == "base64":
            return base64.b64encode(header.encode()).decode()
        return header

    def _retry_after(self, fault: str) -> dict[str, str]:
        value = self.faults.retry_after
        if fault == "429-date" and not (value or "").startswith("date:"):
            value = "date:0"
        if value is None:
            return {}
        if value.startswith("date:"):
            return {"Retry-After": email.utils.formatdate(time.time() + float(value[5:]), usegmt=True)}
        return {"Retry-After": value}

    def _check_auth(self, headers: dict[str, str]) -> None:
        m = re.fullmatch(r"Bearer ([A-Za-z0-9._~+/=-]+)", headers.get("authorization", ""))
        if not m or m.group(1) not in self.tokens | self.forbidden_tokens:
            raise _error(401, "Unauthorized", "The bearer token is missing, expired or not valid.")
        if m.group(1) in self.forbidden_tokens:
            raise _error(403, "Forbidden", "The token does not grant data:read for TradeTapp.")
        gc = headers.get("general-contractor-company-id")
        if self.enterprise_children:
            if not gc or gc not in self.enterprise_children:
                raise _error(400, "Bad Request", "general-contractor-company-id must name a child company")
        elif gc is not None and gc != self.user_gc_company_id:
            raise _error(400, "Bad Request", "general-contractor-company-id does not match your company")

    def _route(self, path: str, query: dict[str, str]) -> Any:
        if not path.startswith(API_PREFIX + "/"):
            raise _error(404, "Not Found", f"no route {path}")
        parts = path[len(API_PREFIX) + 1 :].split("/")
        if parts == ["qualifications"]:
            return self._list(query)
        if parts == ["flags"]:
            try:
                return flags_page(self.flags, query, self._link_base(), _cursor, _offset(query.get("cursorState")),
                                  _limit(query, 20, 100))
            except FlagQueryError as exc:
                raise _error(400, "Bad Request", str(exc)) from None
        if len(parts) == 2 and parts[0] == "financials" and parts[1]:
            body = financials_body(self.financials, parts[1])
            if body is None:
                raise _error(404, "Not Found", f"No financial statements found for company {parts[1]}.")
            return body
        if len(parts) in (2, 3) and parts[0] == "qualifications" and parts[1]:
            company_id = parts[1]
            if company_id in self.faults.failing_companies:
                raise _error(500, "Internal Server Error", "this company always fails")
            if len(parts) == 2:
                return self._view(self._one(company_id))
            if parts[2] in NESTED:
                return self._nested(self._one(company_id, allow_duplicates=True), parts[2], query)
        raise _error(404, "Not Found", f"no route {path}")

    def _one(self, company_id: str, allow_duplicates: bool = False) -> dict[str, Any]:
        with self.lock:
            found = [r for r in self._records if r.get("id") == company_id]
        if not found:
            raise _error(404, "Not Found", f"No qualification found for company {company_id}.")
        if len(found) > 1 and not allow_duplicates:
            raise _error(409, "Conflict", f"More than one qualification matched company {company_id}.")
        return found[0]

    def _link_base(self) -> str:
        return (self.evil.origin if self.faults.foreign_next_url else self.origin) + API_PREFIX

    def _list(self, query: dict[str, str]) -> Any:
        limit = _limit(query, 20, 40)
        offset = _offset(query.get("cursorState"))
        with self.lock:
            matches = [r for r in self._records if self._matches(r, query)]
        page = matches[offset : offset + limit]
        end = offset + len(page)
        filters = {k: v for k, v in query.items() if k not in ("cursorState", "limit")}
        next_url = cursor = None
        if end < len(matches):
            cursor = _cursor(max(offset + 1, end - self.faults.page_overlap))
            next_url = f"{self._link_base()}/qualifications?" + urlencode(
                {**filters, "cursorState": cursor, "limit": limit}
            )
        previous = None
        if offset > 0:
            previous = f"{self.origin}{API_PREFIX}/qualifications?" + urlencode(
                {**filters, "cursorState": _cursor(max(0, offset - limit)), "limit": limit}
            )
        return {
            "pagination": {
                "limit": limit, "cursorState": cursor, "totalResults": len(matches),
                "nextUrl": next_url, "previousUrl": previous,
            },
            "results": [self._view(r) for r in page],
        }

    def _matches(self, record: dict[str, Any], query: dict[str, str]) -> bool:
        if "filter[updatedAt]" in query:
            low, high, exact = _updated_range(query["filter[updatedAt]"])
            stamp = record.get("updatedAt")
            if not stamp:
                return False
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if exact and when != low:
                return False
            if not exact and ((low and when < low) or (high and when >= high)):
                return False
        if "filter[uniqueId]" in query and record.get("uniqueId") != query["filter[uniqueId]"]:
            return False
        if "filter[federalTaxId]" in query:
            wanted = {t.strip() for t in query["filter[federalTaxId]"].split(",") if t.strip()}
            if record.get("federalTaxId") not in wanted:
                return False
        if query.get("searchText"):
            text = query["searchText"]
            names = [n for n in (record.get("companyName"), record.get("parentCompanyName")) if n]
            try:
                rx = re.compile(text, re.IGNORECASE)
                return any(rx.search(n) for n in names)
            except re.error:
                return any(text.lower() in n.lower() for n in names)
        return True

    def _view(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record as the API sends it: only the first page of each nested list embedded."""
        out = copy.deepcopy(record)
        size = self.nested_page_size
        for sub, key in NESTED.items():
            items = record.get(key) or []
            more = len(items) > size
            out[key] = {
                "pagination": {
                    "limit": size,
                    "cursorState": _cursor(size) if more else None,
                    "totalResults": len(items),
                    "nextUrl": (
                        f"{self._link_base()}/qualifications/{quote(str(record.get('id')))}/{sub}?"
                        + urlencode({"cursorState": _cursor(size), "limit": size})
                    ) if more else None,
                    "previousUrl": None,
                },
                "results": copy.deepcopy(items[:size]),
            }
        return out

    def _nested(self, record: dict[str, Any], sub: str, query: dict[str, str]) -> Any:
        limit = _limit(query, 50, 100)
        offset = _offset(query.get("cursorState"))
        items = record.get(NESTED[sub]) or []
        page = items[offset : offset + limit]
        end = offset + len(page)
        base = f"/qualifications/{quote(str(record.get('id')))}/{sub}?"
        cursor = _cursor(end) if end < len(items) else None
        return {
            "pagination": {
                "limit": limit,
                "cursorState": cursor,
                "totalResults": len(items),
                "nextUrl": self._link_base() + base + urlencode({"cursorState": cursor, "limit": limit}) if cursor else None,
                "previousUrl": (
                    self.origin + API_PREFIX + base + urlencode({"cursorState": _cursor(max(0, offset - limit)), "limit": limit})
                ) if offset else None,
            },
            "results": copy.deepcopy(page),
        }


class EvilHost:
    """A foreign listener: records every request (with its Authorization header) and answers with
    a poisoned page, so a client that follows a foreign ``nextUrl`` is caught twice over."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        self._server = _serve(self)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def tokens_seen(self) -> list[str]:
        return [r.authorization for r in self.requests if r.authorization]

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        rec = RecordedRequest(h.command, parts.path, query, {k.lower(): v for k, v in h.headers.items()}, time.time(), 200)
        with self.lock:
            self.requests.append(rec)
        poisoned = {"id": "e" * 24, "companyName": "EVIL HOST", "isMainOffice": False, "question": "EVIL"}
        _respond(h, 200, {"pagination": {"cursorState": None, "nextUrl": None}, "results": [poisoned]}, {})


# -- HTTP plumbing ---------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: Any

    def handle_error(self, request: Any, client_address: Any) -> None:  # clients hang up on purpose
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    disable_nagle_algorithm = True  # else delayed ACKs cost ~40 ms an answer
    server: _Server

    def do_GET(self) -> None:  # noqa: N802
        self.server.app.handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


def _serve(app: Any) -> _Server:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.app = app
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def _respond(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
    data = encode_json(body)
    try:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()
    except OSError:
        h.close_connection = True


def _drop(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True
    try:
        h.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
