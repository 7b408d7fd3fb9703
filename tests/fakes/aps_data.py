"""Test fake: APS Data Management + OSS signed S3 uploads (filing into ACC Docs) over real HTTP on
127.0.0.1, plus the "S3" host the signed URLs point at, on ANOTHER loopback port.

Input: hubs/projects with their top folders (``add_project``), tokens with their scopes, ``ApsFaults``.
Output: JSON:API answers as ``acc-docs-upload.md`` describes, the stored state (``folders``,
``items``, ``versions``, ``objects``) and every request seen (``requests``; ``s3.requests`` for the S3
host, with headers) so tests can assert on them.

Behaviour:
- ``GET /project/v1/hubs/{hub}/projects/{project}/topFolders``; ``GET /data/v1/projects/{p}/folders/
  {f}/contents`` (``page[number]`` from 0, ``page[limit]`` 1-200, default 200; ``links.next.href``
  absolute until the last page; tip versions in ``included``); ``POST .../folders`` (201, or 409 when
  the parent already holds that name, case-insensitive); ``POST .../storage`` (201, an
  ``urn:adsk.objects:os.object:wip.dm.prod/<uuid>.<ext>``); ``GET /oss/v2/buckets/{b}/objects/{k}/
  signeds3upload?firstPart=&parts=`` (``uploadKey`` + one URL per part on the S3 host); ``POST`` the
  same path with ``{"uploadKey"}`` (400 while a part is missing); ``POST .../items`` (201 with the
  first version in ``included``; 409 when the folder already holds that name; 400 unless the
  storage's upload was completed); ``POST .../versions`` (201, next ``versionNumber``);
  ``GET .../items/{item}`` and ``.../items/{item}/versions``.
- Auth: ``Bearer`` token known -> its scopes; none/unknown -> 401; a GET without ``data:read`` or a
  POST without ``data:write``/``data:create`` -> 403. DM POSTs need ``Content-Type:
  application/vnd.api+json`` (else 415). Unknown hub/project/folder/item/object -> 404.
- The S3 host answers ``PUT`` of a known part URL with 200 and an ``ETag``; it REJECTS (403) and
  records any request that carries an ``Authorization`` header (``s3.rejected``), and a chunked PUT
  without ``Content-Length`` (411), as S3 does. It reads each body a block at a time and counts
  it (``s3.part_bytes``: the bytes of each PUT). With ``spool_dir`` the parts (and, once completed,
  each object: ``objects[urn]["path"]``) are kept in files there instead of in memory, so a test can
  file a few hundred MiB and measure the client's memory; every completed object has ``sha256`` and
  ``size``. ``s3.fail`` (regex on the object key -> status) answers that status to every PUT of
  matching objects.

Faults (``fake.faults``): ``rate_429`` (+ ``Retry-After``), ``rate_500``, ``fault_paths`` (regex), and
``script`` (next outcomes on the API host: ``"ok" "429" "500" "503" "drop"`` -- dropped before
acting -- and ``"drop-after"`` -- acted, then the connection closed without an answer, as when a run
is killed mid-request). ``seed_orphan_upload`` sets up a run killed between storage and item.

    with FakeApsData() as aps:
        project, folder = aps.add_project("b.hub-1", "b.proj-1")   # folder = "Project Files"
        aps.base_url     # http://127.0.0.1:<port>  (APS_BASE_URL)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from tests.fakes.aps_data_s3 import FakeS3
from tests.fakes.aps_data_views import (
    JSONAPI,
    ContentsQueryError,
    contents_page,
    folder_view,
    item_view,
    version_view,
)
from tests.fakes.tradetapp import DEFAULT_TOKEN, RecordedRequest, _drop, _respond, _serve

FULL_SCOPES = frozenset({"data:read", "data:write", "data:create"})
READ_ONLY_TOKEN = "token-data-read-only"
BUCKET = "wip.dm.prod"


@dataclass
class ApsFaults:
    seed: int = 0
    rate_429: float = 0.0
    rate_500: float = 0.0
    retry_after: str | None = "0"
    script: list[str] = field(default_factory=list)
    fault_paths: str | None = None


class _Answer(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.headers = status, headers or {}
        self.body = {"jsonapi": JSONAPI, "errors": [{"status": str(status), "detail": detail}]}


class FakeApsData:
    """The fake APS host; a context manager (``start``/``stop`` also work)."""

    def __init__(self, *, tokens: dict[str, frozenset[str]] | None = None, faults: ApsFaults | None = None,
                 contents_page_limit: int = 200, spool_dir: Path | None = None) -> None:
        self.spool_dir = spool_dir
        self.tokens = tokens if tokens is not None else {DEFAULT_TOKEN: FULL_SCOPES,
                                                         READ_ONLY_TOKEN: frozenset({"data:read"})}
        self.faults = faults or ApsFaults()
        self.contents_page_limit = contents_page_limit
        self.lock = threading.RLock()
        self._rng = random.Random(self.faults.seed)
        self.requests: list[RecordedRequest] = []
        self.hubs: dict[str, dict[str, list[str]]] = {}  # hub -> project -> top folder urns
        self.folders: dict[str, dict[str, Any]] = {}  # urn -> {name, parent, project}
        self.items: dict[str, dict[str, Any]] = {}  # urn -> {name, folder, project, versions[]}
        self.versions: dict[str, dict[str, Any]] = {}  # urn -> {item, number, storage, name}
        self.objects: dict[str, dict[str, Any]] = {}  # storage urn -> {bucket, key, name, folder, data, completed}
        self.uploads: dict[str, dict[str, Any]] = {}  # uploadKey -> {urn, parts{n: bytes}, count}
        self.s3 = FakeS3(self)
        self._server: Any = None

    # -- set-up and lifecycle -----------------------------------------------------------------

    def add_project(self, hub_id: str, project_id: str, top: tuple[str, ...] = ("Project Files", "Plans")
                    ) -> tuple[str, str]:
        """A hub + project with its top folders; returns ``(project_id, urn of the first top folder)``."""
        with self.lock:
            urns = [self._new_folder(name, None, project_id) for name in top]
            self.hubs.setdefault(hub_id, {})[project_id] = urns
        return project_id, urns[0]

    def add_folder(self, project_id: str, parent: str, name: str) -> str:
        with self.lock:
            return self._new_folder(name, parent, project_id)

    def seed_orphan_upload(self, project_id: str, folder: str, name: str, data: bytes) -> str:
        """State left by a run killed between storage and item: storage created, bytes uploaded and
        the upload completed, but no item or version refers to it. Returns the storage urn."""
        with self.lock:
            urn = self._new_storage(project_id, folder, name)
            self.objects[urn].update(data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                     completed=True)
        return urn

    def start(self) -> FakeApsData:
        self.s3._server = _serve(self.s3)
        self._server = _serve(self)
        return self

    def stop(self) -> None:
        for server in (self._server, self.s3._server):
            if server is not None:
                server.shutdown()
                server.server_close()
        self._server = self.s3._server = None

    def __enter__(self) -> FakeApsData:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- what happened ------------------------------------------------------------------------

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    def items_in(self, folder: str) -> dict[str, str]:
        """``{name: item urn}`` of a folder."""
        return {i["name"]: urn for urn, i in self.items.items() if i["folder"] == folder}

    def folder_path(self, urn: str) -> str:
        names = []
        while urn:
            names.append(self.folders[urn]["name"])
            urn = self.folders[urn]["parent"]
        return "/".join(reversed(names))

    def orphan_storage(self) -> list[str]:
        used = {v["storage"] for v in self.versions.values()}
        return [urn for urn in self.objects if urn not in used]

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
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        with self.lock:
            self.requests.append(rec)
        fault = self._pick_fault(parts.path)
        if fault == "drop":
            _drop(h)
            return
        headers: dict[str, str] = {}
        try:
            if fault == "429":
                raise _Answer(429, "Too many requests", {} if self.faults.retry_after is None
                              else {"Retry-After": self.faults.retry_after})
            if fault in ("500", "503"):
                raise _Answer(int(fault), "injected failure")
            self._check_auth(h.command, rec.headers)
            with self.lock:
                status, body = self._route(h.command, parts.path, query, rec.headers, raw)
        except _Answer as answer:
            status, body, headers = answer.status, answer.body, answer.headers
        rec.status = status
        if fault == "drop-after":
            rec.status = None
            _drop(h)
            return
        _respond(h, status, body, headers)

    def _check_auth(self, method: str, headers: dict[str, str]) -> None:
        m = re.fullmatch(r"Bearer (\S+)", headers.get("authorization", ""))
        if not m or m.group(1) not in self.tokens:
            raise _Answer(401, "The bearer token is missing, expired or not valid.")
        scopes = self.tokens[m.group(1)]
        needed = {"data:read"} if method == "GET" else {"data:write", "data:create"}
        if not needed <= scopes:
            raise _Answer(403, f"The token lacks the scope(s) {', '.join(sorted(needed - scopes))}.")

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
               ) -> tuple[int, Any]:
        m = re.fullmatch(r"/project/v1/hubs/([^/]+)/projects/([^/]+)/topFolders", path)
        if m and method == "GET":
            project = self.hubs.get(unquote(m.group(1)), {}).get(unquote(m.group(2)))
            if project is None:
                raise _Answer(404, "No such hub or project.")
            return 200, {"jsonapi": JSONAPI, "links": {"self": {"href": self.base_url + path}},
                         "data": [folder_view(self, urn) for urn in project]}
        m = re.fullmatch(r"/oss/v2/buckets/([^/]+)/objects/([^/]+)/signeds3upload", path)
        if m:
            urn = f"urn:adsk.objects:os.object:{unquote(m.group(1))}/{unquote(m.group(2))}"
            if urn not in self.objects:
                raise _Answer(404, "No such object.")
            return self._signed_get(urn, query) if method == "GET" else self._signed_complete(urn, raw)
        m = re.fullmatch(r"/data/v1/projects/([^/]+)/(folders|storage|items|versions)(?:/([^/]+))?(?:/([a-z]+))?",
                         path)
        if not m:
            raise _Answer(404, f"no route {path}")
        project, kind, ident, sub = unquote(m.group(1)), m.group(2), m.group(3), m.group(4)
        if not any(project in p for p in self.hubs.values()):
            raise _Answer(404, f"No project {project}.")
        if method == "GET":
            return 200, self._get(project, kind, unquote(ident or ""), sub, query)
        if ident is not None or method != "POST":
            raise _Answer(405, f"{method} is not supported here")
        if not headers.get("content-type", "").startswith("application/vnd.api+json"):
            raise _Answer(415, "Content-Type must be application/vnd.api+json")
        try:
            doc = json.loads(raw)
            data = doc["data"]
        except (ValueError, KeyError, TypeError):
            raise _Answer(400, "The body is not a JSON:API document.") from None
        return 201, {"folders": self._create_folder, "storage": self._create_storage,
                     "items": self._create_item, "versions": self._create_version}[kind](project, data, doc)

    def _get(self, project: str, kind: str, ident: str, sub: str | None, query: dict[str, str]) -> Any:
        if kind == "folders" and sub == "contents" and ident in self.folders:
            try:
                return contents_page(self, project, ident, query)
            except ContentsQueryError as exc:
                raise _Answer(400, str(exc)) from None
        if kind == "items" and ident in self.items:
            item = self.items[ident]
            if sub == "versions":
                return {"jsonapi": JSONAPI, "data": [version_view(self, v) for v in reversed(item["versions"])]}
            if sub is None:
                return {"jsonapi": JSONAPI, "data": item_view(self, ident),
                        "included": [version_view(self, item["versions"][-1])]}
        raise _Answer(404, f"No {kind} {ident}.")

    # -- state changes ------------------------------------------------------------------------

    def _new_folder(self, name: str, parent: str | None, project: str) -> str:
        urn = f"urn:adsk.wipprod:fs.folder:co.{uuid.uuid4().hex[:22]}"
        self.folders[urn] = {"name": name, "parent": parent, "project": project}
        return urn

    def _new_storage(self, project: str, folder: str, name: str) -> str:
        ext = name.rsplit(".", 1)[-1] if "." in name else "bin"
        urn = f"urn:adsk.objects:os.object:{BUCKET}/{uuid.uuid4()}.{ext}"
        self.objects[urn] = {"bucket": BUCKET, "key": urn.rsplit("/", 1)[1], "name": name, "folder": folder,
                             "project": project, "data": None, "completed": False}
        return urn

    def _ref(self, data: dict[str, Any], rel: str, kind: str) -> str:
        try:
            ref = data["relationships"][rel]["data"]
            if ref["type"] != kind:
                raise ValueError
            return ref["id"]
        except (KeyError, TypeError, ValueError):
            raise _Answer(400, f"relationships.{rel} must name a {kind} resource") from None

    def _name(self, data: dict[str, Any], key: str) -> str:
        name = (data.get("attributes") or {}).get(key)
        if not isinstance(name, str) or not name.strip():
            raise _Answer(400, f"attributes.{key} is required")
        return name

    def _taken(self, folder: str, name: str) -> bool:
        names = [f["name"] for f in self.folders.values() if f["parent"] == folder]
        names += [i["name"] for i in self.items.values() if i["folder"] == folder]
        return any(n.casefold() == name.casefold() for n in names)

    def _folder(self, urn: str, project: str) -> str:
        if urn not in self.folders or self.folders[urn]["project"] != project:
            raise _Answer(404, f"No folder {urn} in project {project}.")
        return urn

    def _create_folder(self, project: str, data: dict[str, Any], doc: Any) -> Any:
        parent = self._folder(self._ref(data, "parent", "folders"), project)
        name = self._name(data, "name")
        if self._taken(parent, name):
            raise _Answer(409, f"A folder or file named {name!r} already exists in the parent folder.")
        return {"jsonapi": JSONAPI, "data": folder_view(self, self._new_folder(name, parent, project))}

    def _create_storage(self, project: str, data: dict[str, Any], doc: Any) -> Any:
        folder = self._folder(self._ref(data, "target", "folders"), project)
        urn = self._new_storage(project, folder, self._name(data, "name"))
        return {"jsonapi": JSONAPI, "data": {"type": "objects", "id": urn, "relationships": {
            "target": {"data": {"type": "folders", "id": folder}}}}}

    def _storage_ready(self, urn: str) -> str:
        if urn not in self.objects:
            raise _Answer(404, f"No storage object {urn}.")
        if not self.objects[urn]["completed"]:
            raise _Answer(400, f"The upload of {urn} was not completed.")
        return urn

    def _create_item(self, project: str, data: dict[str, Any], doc: Any) -> Any:
        folder = self._folder(self._ref(data, "parent", "folders"), project)
        name = self._name(data, "displayName")
        included = [v for v in doc.get("included") or [] if isinstance(v, dict) and v.get("type") == "versions"]
        if not included:
            raise _Answer(400, "included must hold the first version")
        storage = self._storage_ready(self._ref(included[0], "storage", "objects"))
        if self._taken(folder, name):
            raise _Answer(409, f"A file named {name!r} already exists in the folder.")
        item = f"urn:adsk.wipprod:dm.lineage:{uuid.uuid4().hex[:22]}"
        self.items[item] = {"name": name, "folder": folder, "project": project, "versions": []}
        version = self._add_version(item, storage)
        return {"jsonapi": JSONAPI, "data": item_view(self, item), "included": [version_view(self, version)]}

    def _create_version(self, project: str, data: dict[str, Any], doc: Any) -> Any:
        item = self._ref(data, "item", "items")
        if item not in self.items or self.items[item]["project"] != project:
            raise _Answer(404, f"No item {item}.")
        version = self._add_version(item, self._storage_ready(self._ref(data, "storage", "objects")))
        return {"jsonapi": JSONAPI, "data": version_view(self, version)}

    def _add_version(self, item: str, storage: str) -> str:
        number = len(self.items[item]["versions"]) + 1
        urn = f"urn:adsk.wipprod:fs.file:vf.{item.rsplit(':', 1)[1]}?version={number}"
        self.versions[urn] = {"item": item, "number": number, "storage": storage, "name": self.items[item]["name"]}
        self.items[item]["versions"].append(urn)
        return urn

    def _signed_get(self, urn: str, query: dict[str, str]) -> tuple[int, Any]:
        try:
            first, count = int(query.get("firstPart", "1")), int(query.get("parts", "1"))
        except ValueError:
            raise _Answer(400, "firstPart and parts must be integers") from None
        if not (first >= 1 and 1 <= count <= 25):
            raise _Answer(400, "parts must be 1-25")
        key = query.get("uploadKey") or uuid.uuid4().hex
        upload = self.uploads.setdefault(key, {"urn": urn, "parts": {}, "count": 0})
        upload["count"] = max(upload["count"], first + count - 1)
        obj = self.objects[urn]
        urls = [f"{self.s3.origin}/s3/{obj['bucket']}/{quote(obj['key'])}?"
                + urlencode({"uploadId": key, "partNumber": n, "X-Amz-Signature": f"sig-{key[:8]}-{n}"})
                for n in range(first, first + count)]
        return 200, {"uploadKey": key, "uploadExpiration": "2026-11-28T18:00:00Z",
                     "urlExpiration": "2026-11-28T17:02:00Z", "urls": urls}

    def _store_part(self, query: dict[str, str], body: bytes | Path) -> int:
        upload = self.uploads.get(query.get("uploadId", ""))
        try:
            n = int(query.get("partNumber", ""))
        except ValueError:
            return 400
        if upload is None or query.get("X-Amz-Signature") != f"sig-{query['uploadId'][:8]}-{n}":
            return 403
        upload["parts"][n] = body
        return 200

    def _signed_complete(self, urn: str, raw: bytes) -> tuple[int, Any]:
        try:
            key = json.loads(raw)["uploadKey"]
        except (ValueError, KeyError, TypeError):
            raise _Answer(400, "body must be {\"uploadKey\": ...}") from None
        upload = self.uploads.get(key)
        if upload is None or upload["urn"] != urn:
            raise _Answer(400, "unknown uploadKey for this object")
        missing = [n for n in range(1, upload["count"] + 1) if n not in upload["parts"]]
        if missing:
            raise _Answer(400, f"parts not uploaded: {missing}")
        obj = self.objects[urn]
        pieces = [upload["parts"][n] for n in range(1, upload["count"] + 1)]
        if self.spool_dir is not None:  # concatenated on disk, a block at a time
            path, digest, size = self.spool_dir / f"{obj['key']}.object", hashlib.sha256(), 0
            with open(path, "wb") as out:
                for piece in pieces:
                    with open(piece, "rb") as fh:
                        while block := fh.read(1 << 20):
                            digest.update(block)
                            size += len(block)
                            out.write(block)
            obj.update(data=None, path=path, sha256=digest.hexdigest(), size=size, completed=True)
        else:
            data = b"".join(pieces)
            obj.update(data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data), completed=True)
        return 200, {"bucketKey": obj["bucket"], "objectId": urn, "objectKey": obj["key"], "size": obj["size"],
                     "contentType": "application/octet-stream",
                     "location": f"{self.base_url}/oss/v2/buckets/{obj['bucket']}/objects/{quote(obj['key'])}"}
