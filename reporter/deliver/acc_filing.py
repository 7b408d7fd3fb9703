"""Deliver stage, filing a built folder into ACC Docs (``reporter file``).

Input: a built folder (its ``Manifest``), the ``Target`` (``reporter.deliver.acc_target``), a
``DataManagementClient`` and a ``SignedUploader``. Output: every file ``filed_entries`` lists, and
the manifest itself (its filing copy, ``manifest_acc.filing_copy``), as an item in the target
folder (subfolders of the built folder mirrored below it); per file an ``AccRecord`` in the
manifest's ``accFiling``; a ``Planned`` line per file: ``create``, ``version`` or ``skip``.

Per file: check it against the manifest (``check_verified``: inside the folder, listed SHA-256,
hashed a block at a time), find or create its folder, upload it (``reporter.deliver.acc_upload``:
storage, signed URLs, the parts streamed from disk, the completion), then create the item (first
version) or a new version of the item with the same name.

A failed file does not stop the run: its error is recorded (``accFilingErrors`` in the manifest,
``Planned.error``), one line is said for it (``fail``), and the next file goes. What no later file
can get past stops the run at once, in one line: a refusal to write (403: the sign-in's scopes,
or the user's permission on the folder: ``ScopeMissing``), a sign-in refused (401), a folder that
cannot be found or created (``FolderFailed``), a manifest that cannot take a record
(``RecordsNotWritten``), and ``MAX_FAILED_IN_A_ROW`` files in a row failing on ACC's side (ACC or
S3 unavailable: ``StoppedEarly``). A changed or missing file found while planning refuses the run
before anything is sent (``reporter verify`` says more).

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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import httpx

from reporter.api.acc_links import AccLinksClient, bc_root_url
from reporter.api.data_management import DataManagementClient, aps_base_url
from reporter.api.http import Limits
from reporter.api.settings import UPLOAD_SCOPES
from reporter.api.signed_s3 import SignedUploader
from reporter.api.tokens import TokenProvider
from reporter.dates import format_iso
from reporter.deliver.acc_folders import Folders, RemoteItem, SharedFolderRefused
from reporter.deliver.acc_records import DEFAULT_FOLDER, FILED, UPLOADED, AccRecord, failure_json
from reporter.deliver.acc_target import Target, folder_name, resolve_target
from reporter.deliver.acc_upload import PART_SIZE, Upload, post_looking, upload
from reporter.deliver.manifest import (
    MANIFEST,
    FileEntry,
    FileProblem,
    Manifest,
    check_verified,
    one_line,
    read_manifest,
    refusal,
)
from reporter.deliver.manifest_acc import (
    RecordsNotWritten,
    acc_failures,
    filed_entries,
    filing_copy,
    write_acc_records,
)
from reporter.errors import ApiError, AuthError, Conflict, DeliveryError, PermissionDenied, ReporterError
from reporter.fsio import sha256_bytes

CREATE, VERSION, SKIP = "create", "version", "skip"
MAX_FAILED_IN_A_ROW = 3  # files failing on ACC's side, one after another: the service is down, stop


class ScopeMissing(AuthError):
    """ACC Docs refused a write: the sign-in lacks the upload scopes (or the folder's permission)."""


class FolderFailed(DeliveryError):
    """A target folder could not be found or created: no file can go there, the run stops."""


class StoppedEarly(DeliveryError):
    """Several files in a row failed on ACC's side: the rest are not tried (run again later)."""


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
    source: Path | None = None  # the file on disk (None: the manifest's filing copy)
    error: str | None = None  # why filing it failed in this run

    @property
    def where(self) -> str:
        return "/".join((*self.acc_path, self.name))

    def line(self, dry_run: bool) -> str:
        where = self.where
        if self.error:
            return f"failed: {where}: {self.error}"
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
        return sum(1 for p in self.planned if p.action == action and not p.error)

    @property
    def failed(self) -> list[Planned]:
        return [p for p in self.planned if p.error]


class Filer:
    def __init__(self, folder: Path, manifest: Manifest, target: Target, dm: DataManagementClient,
                 s3: SignedUploader, *, part_size: int = PART_SIZE) -> None:
        self.folder, self.manifest, self.target = Path(folder), manifest, target
        self.dm, self.s3, self.part_size = dm, s3, max(1, part_size)
        self.folders = Folders(dm, target)
        self.records: dict[str, AccRecord] = dict(manifest.acc_filing)
        self.failures: dict[str, dict] = acc_failures(manifest)  # path -> {"error", "failedAt", ...}

    # -- planning ------------------------------------------------------------------------------

    def _local(self) -> list[tuple[str, Path | None, str, int]]:
        """(path, the file on disk or None for the manifest, sha256, size) of every file to file;
        each checked against the manifest a block at a time."""
        out: list[tuple[str, Path | None, str, int]] = []
        for entry in filed_entries(self.manifest):
            out.append((str(entry.path), self._check(entry), str(entry.sha256), int(entry.bytes)))
        copy = filing_copy(self.folder)
        out.append((MANIFEST, None, sha256_bytes(copy), len(copy)))
        return out

    def _check(self, entry: FileEntry) -> Path:
        try:
            return check_verified(self.folder, entry)
        except FileProblem as problem:
            raise refusal(self.folder, problem) from None

    async def plan(self) -> list[Planned]:
        await self.folders.find(tuple(self.target.path))  # refuses a bidder-shared target first
        planned = []
        for path, source, sha, size in self._local():
            rel = PurePosixPath(path)
            acc_path = (*self.target.path, *(folder_name(p) or "_" for p in rel.parts[:-1]))
            folder_id = await self.folders.find(acc_path)
            remote = (await self.folders.items(folder_id)).get(rel.name.casefold()) if folder_id else None
            rec = self.records.get(path)
            if rec and (rec.project_id != self.target.project_id or rec.folder_id != folder_id):
                rec = None  # filed elsewhere before: this destination starts afresh
            p = Planned(path, rel.name, acc_path, sha, size, CREATE if remote is None else VERSION, remote,
                        source=source)
            if rec and remote and rec.sha256 == sha and remote.storage_id == rec.storage_id:
                p.action, p.adopt = SKIP, not rec.filed or rec.item_id != remote.item_id
            elif rec and remote and rec.filed and rec.sha256 == sha and remote.item_id == rec.item_id:
                p.action = SKIP  # ours is a version of it (someone added a later one in ACC)
            elif rec and rec.state == UPLOADED and rec.sha256 == sha:
                p.reuse = rec
            planned.append(p)
        return planned

    # -- filing --------------------------------------------------------------------------------

    async def file(self, planned: list[Planned], say: Callable[[str], None],
                   fail: Callable[[str], None] | None = None) -> None:
        """File each planned file; a file that fails is recorded and said (``fail``), the next goes."""
        fail = fail or say
        in_a_row = 0
        for n, p in enumerate(planned):
            try:
                await self._file_one(p)
            except PermissionDenied as exc:
                said = f" ({exc.detail})" if exc.detail else ""
                raise ScopeMissing(
                    f"ACC Docs refused to write into {'/'.join(p.acc_path)}{said}: filing needs a sign-in with the scopes "
                    f"{UPLOAD_SCOPES} and permission to upload into that folder; run 'reporter login --acc-upload' "
                    "(or use a token that has them); stopped, no other file tried", status=403) from None
            except (AuthError, FolderFailed, SharedFolderRefused, RecordsNotWritten):
                raise
            except ReporterError as exc:
                p.error = one_line(str(exc))
                self._failed(p)
                fail(p.line(dry_run=False))
                in_a_row = in_a_row + 1 if isinstance(exc, ApiError) else 0
                if in_a_row >= MAX_FAILED_IN_A_ROW and n + 1 < len(planned):
                    raise StoppedEarly(
                        f"stopped after {in_a_row} files in a row failed on ACC's side (the last: {p.error}); "
                        f"{len(planned) - n - 1} files not tried: run 'reporter file' again later to finish") from None
                continue
            in_a_row = 0
            if p.action != SKIP:
                say(p.line(dry_run=False))

    async def _ensure(self, p: Planned) -> str:
        try:
            return await self.folders.ensure(p.acc_path)
        except (AuthError, PermissionDenied, SharedFolderRefused):
            raise
        except ReporterError as exc:
            raise FolderFailed(f"cannot find or create the ACC folder {'/'.join(p.acc_path)} ({one_line(str(exc))}); "
                               "stopped: no file can go there") from None

    async def _file_one(self, p: Planned) -> None:
        if p.action == SKIP:
            if p.adopt and p.remote:
                rec = self.records[p.path]
                self._record(p, rec.folder_id, rec.storage_id, p.remote.item_id, p.remote.tip_id,
                             p.remote.tip_number)
            return
        folder_id = await self._ensure(p)
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
        self.failures.pop(p.path, None)
        write_acc_records(self.folder, self.records, self.failures)

    def _failed(self, p: Planned) -> None:
        self.failures[p.path] = failure_json(p.error or "", "/".join(p.acc_path), self.target.project_id,
                                             format_iso(datetime.now(UTC)))
        write_acc_records(self.folder, self.records, self.failures)

    async def _upload(self, folder_id: str, p: Planned) -> str:
        """The file's bytes into ACC storage, streamed from disk (``acc_upload``); the storage id."""
        where = str(self.folder / p.path)
        if p.source is None:  # the manifest: its filing copy, small, made now
            data = filing_copy(self.folder)
            if sha256_bytes(data) != p.sha256:  # a build rewrote it while this run was going
                raise refusal(self.folder, FileProblem(p.path, "changed", changed=True))
            up = Upload(p.name, where, p.sha256, p.size, data=data)
        else:
            up = Upload(p.name, where, p.sha256, p.size, path=p.source)
        return await upload(self.dm, self.s3, self.target.project_id, folder_id, up, part_size=self.part_size)

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
            made = await post_looking(lambda: self.dm.create_item(project, folder_id, p.name, storage), look)
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

        made = await post_looking(lambda: self.dm.create_version(project, item, name, storage), look)
        if isinstance(made, tuple):
            return made
        return item, made.data.id or "", made.data.attributes.versionNumber


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
                      fail: Callable[[str], None] | None = None,
                      transport: httpx.AsyncBaseTransport | None = None,
                      s3_transport: httpx.AsyncBaseTransport | None = None,
                      limits: Limits | None = None) -> FilingOutcome:
    """Plan, and (unless ``dry_run``) file, one built folder; ``say`` gets one line per file filed,
    ``fail`` (default ``say``) one per file that failed (the others are still filed)."""
    manifest = read_manifest(request.folder)
    async with AccLinksClient(bc_root_url(request.bc_base_url), tokens, transport=transport, limits=limits) as bc, \
            DataManagementClient(aps_base_url(request.aps_base_url), tokens, transport=transport,
                                 limits=limits) as dm, \
            _uploader(s3_transport, limits) as s3:
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
        await filer.file(outcome.planned, say, fail)
        outcome.created_folders = list(filer.folders.created)
        return outcome


def _uploader(transport: httpx.AsyncBaseTransport | None, limits: Limits | None) -> SignedUploader:
    """The S3 client, with the APS calls' retry policy (its timeout stays longer: a part is big)."""
    if limits is None:
        return SignedUploader(transport=transport)
    return SignedUploader(transport=transport, max_retries=limits.max_retries, backoff_base=limits.backoff_base,
                          retry_cap=limits.retry_cap_seconds)
