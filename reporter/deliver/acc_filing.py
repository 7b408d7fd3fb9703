"""Deliver stage, filing a built folder into ACC Docs (``reporter file``).

Input: a built folder (its ``Manifest``), the ``Target`` (``reporter.deliver.acc_target``), a
``DataManagementClient`` and a ``SignedUploader``. Output: every file ``filed_entries`` lists, and
the manifest itself (its filing copy, ``manifest_acc.filing_copy``), as an item in the target
folder (subfolders of the built folder mirrored below it); per file an ``AccRecord`` in the
manifest's ``accFiling``; a ``Planned`` line per file: ``create``, ``version`` or ``skip``.

Per file: check it against the manifest (``read_verified``: inside the folder, listed SHA-256),
find or create its folder, create storage, get signed URLs (one part up to ``PART_SIZE`` bytes,
several above: ``ceil(size / PART_SIZE)`` parts, asked 25 at a time), PUT the parts (no token),
finish the upload, then create the item (first version) or a new version of the item with the
same name.

Idempotent and resumable:
- a file whose record says this SHA-256 is already the ACC item's content is skipped;
- the record is written twice: ``uploaded`` (storage id and SHA-256) as soon as the upload is
  finished, ``filed`` (item and version ids) once attached -- a run killed between the two reuses
  the stored bytes, and finds an item it did create (its tip points at that storage) instead of
  making another version;
- the folder is always looked up by name before an item is created (a 409 turns into a new
  version of the item found), so a re-run never makes a duplicate item;
- a POST that failed with a server error or a lost answer is tried again only after looking
  whether it took effect.

A token without ``data:write data:create`` gets ``ScopeMissing`` (one line naming the scopes and
``reporter login --acc-upload``), not a raw 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import httpx

from reporter.api.acc_links import AccLinksClient, bc_root_url
from reporter.api.data_management import MAX_SIGNED_PARTS, DataManagementClient, aps_base_url
from reporter.api.dm_models import parse_storage_urn
from reporter.api.http import Limits
from reporter.api.settings import UPLOAD_SCOPES
from reporter.api.signed_s3 import SignedUploader
from reporter.api.tokens import TokenProvider
from reporter.dates import format_iso
from reporter.deliver.acc_folders import POST_ATTEMPTS, Folders, RemoteItem
from reporter.deliver.acc_records import DEFAULT_FOLDER, FILED, UPLOADED, AccRecord
from reporter.deliver.acc_target import Target, folder_name, resolve_target
from reporter.deliver.manifest import (
    MANIFEST,
    FileEntry,
    FileProblem,
    Manifest,
    read_manifest,
    read_verified,
    refusal,
)
from reporter.deliver.manifest_acc import filed_entries, filing_copy, write_acc_records
from reporter.errors import ApiError, AuthError, Conflict, PermissionDenied, ServerError
from reporter.fsio import sha256_bytes

PART_SIZE = 100 * 1024 * 1024  # bytes per signed-upload part (Autodesk: several parts above ~100 MB)
CREATE, VERSION, SKIP = "create", "version", "skip"
T = TypeVar("T")


class ScopeMissing(AuthError):
    """ACC Docs refused a write: the sign-in lacks the upload scopes."""


@dataclass
class Planned:
    path: str  # in the built folder
    name: str  # the file's name in ACC
    acc_path: tuple[str, ...]  # its ACC folder, names from the top folder
    sha256: str
    size: int
    action: str  # create | version | skip
    remote: RemoteItem | None = None
    reuse: AccRecord | None = None  # an upload a killed run finished but did not attach
    adopt: bool = False  # skip, but record the item a killed run attached
    version_number: int | None = None

    def line(self, dry_run: bool) -> str:
        where = "/".join((*self.acc_path, self.name))
        if self.action == SKIP:
            return f"{'would skip' if dry_run else 'unchanged'}: {where}"
        if self.action == VERSION:
            if dry_run:
                return f"would version: {where} (a new version of the item already there)"
            return f"new version {self.version_number or '?'}: {where}"
        return f"{'would create' if dry_run else 'created'}: {where}"


@dataclass
class FilingOutcome:
    target: Target
    planned: list[Planned] = field(default_factory=list)
    created_folders: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for p in self.planned if p.action == action)


class Filer:
    def __init__(self, folder: Path, manifest: Manifest, target: Target, dm: DataManagementClient,
                 s3: SignedUploader, *, part_size: int = PART_SIZE) -> None:
        self.folder, self.manifest, self.target = Path(folder), manifest, target
        self.dm, self.s3, self.part_size = dm, s3, max(1, part_size)
        self.folders = Folders(dm, target)
        self.records: dict[str, AccRecord] = dict(manifest.acc_filing)

    # -- planning ------------------------------------------------------------------------------

    def _local(self) -> list[tuple[str, bytes | None, str, int]]:
        """(path, bytes of the manifest copy or None, sha256, size) of every file to file."""
        out: list[tuple[str, bytes | None, str, int]] = []
        for entry in filed_entries(self.manifest):
            data = self._read(entry)
            out.append((str(entry.path), None, sha256_bytes(data), len(data)))
        copy = filing_copy(self.folder)
        out.append((MANIFEST, copy, sha256_bytes(copy), len(copy)))
        return out

    def _read(self, entry: FileEntry) -> bytes:
        try:
            return read_verified(self.folder, entry)
        except FileProblem as problem:
            raise refusal(self.folder, problem) from None

    async def plan(self) -> list[Planned]:
        await self.folders.find(tuple(self.target.path))  # refuses a bidder-shared target first
        planned = []
        for path, _, sha, size in self._local():
            rel = PurePosixPath(path)
            acc_path = (*self.target.path, *(folder_name(p) or "_" for p in rel.parts[:-1]))
            folder_id = await self.folders.find(acc_path)
            remote = (await self.folders.items(folder_id)).get(rel.name.casefold()) if folder_id else None
            rec = self.records.get(path)
            if rec and (rec.project_id != self.target.project_id or rec.folder_id != folder_id):
                rec = None  # filed elsewhere before: this destination starts afresh
            p = Planned(path, rel.name, acc_path, sha, size, CREATE if remote is None else VERSION, remote)
            if rec and remote and rec.sha256 == sha and remote.storage_id == rec.storage_id:
                p.action, p.adopt = SKIP, not rec.filed or rec.item_id != remote.item_id
            elif rec and remote and rec.filed and rec.sha256 == sha and remote.item_id == rec.item_id:
                p.action = SKIP  # ours is a version of it (someone added a later one in ACC)
            elif rec and rec.state == UPLOADED and rec.sha256 == sha:
                p.reuse = rec
            planned.append(p)
        return planned

    # -- filing --------------------------------------------------------------------------------

    async def file(self, planned: list[Planned], say: Callable[[str], None]) -> None:
        try:
            for p in planned:
                await self._file_one(p)
                if p.action != SKIP:
                    say(p.line(dry_run=False))
        except PermissionDenied as exc:
            said = f" ({exc.detail})" if exc.detail else ""
            raise ScopeMissing(
                f"ACC Docs refused to write{said}: filing needs a sign-in with the scopes {UPLOAD_SCOPES}; "
                "run 'reporter login --acc-upload' (or use a token that has them)", status=403) from None

    async def _file_one(self, p: Planned) -> None:
        if p.action == SKIP:
            if p.adopt and p.remote:
                rec = self.records[p.path]
                self._record(p, rec.folder_id, rec.storage_id, p.remote.item_id, p.remote.tip_id,
                             p.remote.tip_number)
            return
        folder_id = await self.folders.ensure(p.acc_path)
        storage = p.reuse.storage_id if p.reuse and p.reuse.folder_id == folder_id else None
        if storage is None:
            storage = await self._upload(folder_id, p)
            self._record(p, folder_id, storage)
        try:
            item, version, number = await self._attach(folder_id, p, storage)
        except ApiError as exc:
            if not p.reuse or exc.status not in (400, 404):
                raise
            storage = await self._upload(folder_id, p)  # the kept upload is gone: upload again
            self._record(p, folder_id, storage)
            item, version, number = await self._attach(folder_id, p, storage)
        p.version_number = number
        self._record(p, folder_id, storage, item, version, number)

    def _record(self, p: Planned, folder_id: str, storage: str, item: str | None = None,
                version: str | None = None, number: int | None = None) -> None:
        self.records[p.path] = AccRecord(
            name=p.name, hub_id=self.target.hub_id, project_id=self.target.project_id, folder_id=folder_id,
            folder_path="/".join(p.acc_path), sha256=p.sha256, bytes=p.size, storage_id=storage,
            state=FILED if item and version else UPLOADED, item_id=item, version_id=version,
            version_number=number, filed_at=format_iso(datetime.now(UTC)))
        write_acc_records(self.folder, self.records)

    def _bytes(self, p: Planned) -> bytes:
        if p.path == MANIFEST:
            data = filing_copy(self.folder)
        else:
            entry = next(e for e in filed_entries(self.manifest) if e.path == p.path)
            data = self._read(entry)
        if sha256_bytes(data) != p.sha256:  # changed while this run was going
            raise refusal(self.folder, FileProblem(p.path, "changed", changed=True))
        return data

    async def _upload(self, folder_id: str, p: Planned) -> str:
        """Storage, signed URLs, the PUTs and the completion; the storage id."""
        data = self._bytes(p)
        project = self.target.project_id
        storage = await _post(lambda: self.dm.create_storage(project, folder_id, p.name))
        try:
            bucket, key = parse_storage_urn(storage.data.id or "")
        except ValueError:
            raise ServerError(f"ACC Docs answered the storage for {p.name} with an unusable id") from None
        parts = [data[i : i + self.part_size] for i in range(0, len(data), self.part_size)] or [b""]
        upload_key: str | None = None
        for first in range(0, len(parts), MAX_SIGNED_PARTS):
            batch = parts[first : first + MAX_SIGNED_PARTS]
            signed = await self.dm.signed_upload(bucket, key, first + 1, len(batch), upload_key)
            upload_key = upload_key or signed.uploadKey
            await self.s3.put_parts(signed.urls, batch)
        assert upload_key is not None
        await _post(lambda: self.dm.complete_upload(bucket, key, upload_key))
        return storage.data.id or ""

    async def _attach(self, folder_id: str, p: Planned, storage: str) -> tuple[str, str, int | None]:
        """(item, version, version number): a new item, or a new version of the one of that name."""
        project = self.target.project_id
        if p.action == VERSION and p.remote:
            return await self._version(p.remote.item_id, p.name, storage)

        async def look() -> tuple[str, str, int | None] | None:
            found = (await self.folders.items(folder_id, fresh=True)).get(p.name.casefold())
            return (found.item_id, found.tip_id or "", found.tip_number) \
                if found and found.storage_id == storage else None

        try:
            made = await _post(lambda: self.dm.create_item(project, folder_id, p.name, storage), look)
        except Conflict:  # an item of that name appeared since the plan: version it
            found = (await self.folders.items(folder_id, fresh=True)).get(p.name.casefold())
            if found is None:
                raise
            p.action = VERSION
            if found.storage_id == storage:
                return found.item_id, found.tip_id or "", found.tip_number
            return await self._version(found.item_id, p.name, storage)
        if isinstance(made, tuple):
            return made
        version = made.version
        return made.data.id or "", (version.id if version else "") or "", \
            version.attributes.versionNumber if version else None

    async def _version(self, item: str, name: str, storage: str) -> tuple[str, str, int | None]:
        project = self.target.project_id

        async def look() -> tuple[str, str, int | None] | None:
            versions = await self.dm.item_versions(project, item)
            tip = versions[0] if versions else None
            ref = tip.related("storage") if tip else None
            return (item, tip.id or "", tip.attributes.versionNumber) if tip and ref and ref.id == storage else None

        made = await _post(lambda: self.dm.create_version(project, item, name, storage), look)
        if isinstance(made, tuple):
            return made
        return item, made.data.id or "", made.data.attributes.versionNumber


async def _post(action: Callable[[], Awaitable[T]], look: Callable[[], Awaitable[Any]] | None = None) -> Any:
    """``action()``; after a server error or a lost answer, ``look()`` (when given) says whether it
    took effect (its answer is returned) before the POST is tried again."""
    for attempt in range(POST_ATTEMPTS):
        try:
            return await action()
        except ServerError:
            if attempt == POST_ATTEMPTS - 1:
                raise
            if look is not None:
                found = await look()
                if found is not None:
                    return found
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class FilingRequest:
    folder: Path
    hub: str | None = None
    project: str | None = None
    folder_template: str = DEFAULT_FOLDER
    dry_run: bool = False
    aps_base_url: str | None = None
    bc_base_url: str | None = None
    part_size: int = PART_SIZE


async def file_folder(request: FilingRequest, tokens: TokenProvider, *, say: Callable[[str], None] = print,
                      transport: httpx.AsyncBaseTransport | None = None,
                      s3_transport: httpx.AsyncBaseTransport | None = None,
                      limits: Limits | None = None) -> FilingOutcome:
    """Plan, and (unless ``dry_run``) file, one built folder; ``say`` gets one line per file."""
    manifest = read_manifest(request.folder)
    async with AccLinksClient(bc_root_url(request.bc_base_url), tokens, transport=transport, limits=limits) as bc, \
            DataManagementClient(aps_base_url(request.aps_base_url), tokens, transport=transport,
                                 limits=limits) as dm, \
            SignedUploader(transport=s3_transport) as s3:
        target = await resolve_target(manifest, request.folder, bc, hub=request.hub, project=request.project,
                                      template=request.folder_template)
        filer = Filer(request.folder, manifest, target, dm, s3, part_size=request.part_size)
        outcome = FilingOutcome(target, await filer.plan())
        if request.dry_run:
            missing = [p for p in {p.acc_path for p in outcome.planned} if await filer.folders.find(p) is None]
            for path in sorted(missing):
                say(f"would create folder: {'/'.join(path)}")
            for p in outcome.planned:
                say(p.line(dry_run=True))
            return outcome
        await filer.file(outcome.planned, say)
        outcome.created_folders = list(filer.folders.created)
        return outcome
