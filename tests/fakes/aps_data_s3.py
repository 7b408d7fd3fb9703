"""Test fake helper: the "S3" host that ``FakeApsData``'s signed upload URLs point at, on its own
loopback port (see ``tests.fakes.aps_data`` for the whole fake).

Input: part PUTs (the owner checks the upload key and signature and keeps the part). Output: 200 and
an ``ETag``; 403 for (and a record in ``rejected`` of) any request with an ``Authorization`` header;
411 for a PUT without ``Content-Length`` (S3 takes no chunked upload); ``fail`` (regex on the name
the storage was created for -> status) for a scripted refusal of every PUT of those files (a 429 or 5xx with ``Retry-After: 0``,
so a test's retries take no time). Each body is read a block at a time, counted in ``part_bytes`` and,
with the owner's ``spool_dir``, kept in a file there rather than in memory.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.tradetapp import RecordedRequest, _respond

if TYPE_CHECKING:
    from tests.fakes.aps_data import FakeApsData


class FakeS3:
    """The host signed URLs point at: accepts part PUTs without auth, rejects any Authorization."""

    def __init__(self, owner: FakeApsData) -> None:
        self.owner = owner
        self.requests: list[RecordedRequest] = []
        self.rejected: list[RecordedRequest] = []
        self.part_bytes: list[int] = []
        self.fail: dict[str, int] = {}
        self._server: Any = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        rec = RecordedRequest(h.command, parts.path, query, {k.lower(): v for k, v in h.headers.items()}, time.time())
        length = h.headers.get("Content-Length")
        body = self._read_body(h, int(length or 0))
        size = len(body) if isinstance(body, bytes) else body.stat().st_size
        failing = next((status for rx, status in self.fail.items() if re.search(rx, self._name(parts.path))), None)
        with self.owner.lock:
            self.requests.append(rec)
            self.part_bytes.append(size)
            if "authorization" in rec.headers:
                self.rejected.append(rec)
                rec.status = 403
            elif h.command != "PUT":
                rec.status = 405
            elif length is None:
                rec.status = 411
            elif failing is not None:
                rec.status = failing
            else:
                rec.status = self.owner._store_part(query, body)
        _respond(h, rec.status, {} if rec.status == 200 else {"error": "AccessDenied" if rec.status == 403 else
                                                                   "bad part"},
                 {"ETag": f'"{uuid.uuid5(uuid.NAMESPACE_URL, str(size)).hex}"'} if rec.status == 200 else
                 {"Retry-After": "0"} if rec.status == 429 or rec.status >= 500 else {})

    def _name(self, path: str) -> str:
        """The file name the object at this part URL was created for ("" when unknown)."""
        key = unquote(path.rsplit("/", 1)[-1])
        with self.owner.lock:
            return next((o["name"] for o in self.owner.objects.values() if o["key"] == key), "")

    def _read_body(self, h: BaseHTTPRequestHandler, length: int) -> bytes | Path:
        """The body, read a block at a time: bytes, or (with ``spool_dir``) a file there."""
        spool = self.owner.spool_dir
        out: Any = open(spool / f"{uuid.uuid4().hex}.part", "wb") if spool else io.BytesIO()
        with out:
            left = length
            while left > 0:
                block = h.rfile.read(min(left, 1 << 20))
                if not block:
                    break
                out.write(block)
                left -= len(block)
            return Path(out.name) if spool else out.getvalue()
