"""Deliver stage: the owner of ``manifest.json``, the index of a built folder.

Input: a folder, and the typed items a run produced. Output: ``manifest.json`` written atomically,
read back as typed ``Manifest`` / ``Item`` / ``FileEntry`` values, and the one verified-file
reader (``read_verified``: a listed file, inside the folder, with its listed size and SHA-256)
that ``verify``, ``send`` and the redacted re-render share (``check_verified``: the same check,
streamed, for files too big to hold: ``verify`` and ``reporter file``). No other module knows the JSON shape::

    {"generatedAt", "reporterVersion", "build": {...}, "leveling": {"path", "sha256", "bytes"},
     "items": [{"input", "companyId", "companyName", "status": "ok"|"error", "error",
                "files": {"pdf": {"path", "sha256", "bytes"}, ...}, "source", "sourceRecord",
                "sideRecords": {"financials": {"path", "sha256", "bytes"}, "flags": {...}}, "verdict", "qualificationStatus", "flagCounts", "topFlags", "warnings",
                "fromEarlierRun", "refreshError"}],
     "accFiling": {"<path>": {...}},   # reporter.deliver.acc_records
     "bidPackages": [{"id", "name", "number", "projectId", "projectName", "currency", "bidsDueAt",
                      "apparentLow", "lowestQualified", "bidders": [{"inviteId", "companyId",
                      "companyName", "inviteState", "total", "leveledTotal", "verdict", "packet"}]}],
     "bidLeveling": {"path", "sha256", "bytes"}, "awardRecommendations": {"<bidPackageId>": {...}},
     "bidPackageSources": [{"path", "sha256", "bytes"}]}

(the last four only in a folder built from BuildingConnected bid packages: ``reporter.bid_batch``)

Paths are relative to the folder. Keys this version does not know are kept (``extra``) and
written back unchanged, so a newer tool's additions survive an older tool's rewrite.

ACC filing records (``accFiling``) are typed here (``Manifest.acc_filing``); the functions that
rewrite only them, and say which files are filed, are ``reporter.deliver.manifest_acc``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reporter import __version__
from reporter.dates import format_iso
from reporter.deliver.acc_records import AccRecord, records_from_json, records_to_json
from reporter.deliver.manifest_bids import BidPackageEntry  # re-exported: part of the manifest
from reporter.deliver.manifest_files import MANIFEST as MANIFEST  # re-exported, as the next six
from reporter.deliver.manifest_files import FileProblem as FileProblem
from reporter.deliver.manifest_files import check_verified as check_verified
from reporter.deliver.manifest_files import file_sha256 as file_sha256
from reporter.deliver.manifest_files import read_verified as read_verified
from reporter.deliver.manifest_files import refusal as refusal
from reporter.deliver.manifest_files import verified_path as verified_path
from reporter.errors import DeliveryError
from reporter.fsio import atomic_write, inside, sha256_bytes

STATUS_OK = "ok"
STATUS_ERROR = "error"

_ITEM_KEYS = (
    "input", "companyId", "companyName", "status", "error", "files", "source", "sourceRecord", "sideRecords", "verdict",
    "qualificationStatus", "flagCounts", "topFlags", "warnings", "fromEarlierRun", "refreshError",
)
_TOP_KEYS = ("generatedAt", "reporterVersion", "build", "leveling", "items", "accFiling", "bidPackages", "bidLeveling",
             "awardRecommendations", "bidPackageSources")
ACC_KEY = "accFiling"


@dataclass(frozen=True)
class FileEntry:
    """One listed file: its path relative to the folder, SHA-256 and size (as listed; a
    hand-edited manifest may lack or garble any of them)."""

    path: Any
    sha256: Any = None
    bytes: Any = None

    @classmethod
    def of(cls, out_dir: Path, path: Path, data: bytes) -> FileEntry:
        return cls(path.relative_to(out_dir).as_posix(), sha256_bytes(data), len(data))

    @classmethod
    def from_json(cls, obj: Any) -> FileEntry:
        if not isinstance(obj, dict):
            return cls(None)
        return cls(obj.get("path"), obj.get("sha256"), obj.get("bytes"))

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.bytes}

    @property
    def stem(self) -> str | None:
        """The file's name without extension, lower case (the name a packet holds in the folder)."""
        return Path(self.path).stem.lower() if isinstance(self.path, str) and self.path else None


def file_entry(out_dir: Path, path: Path, data: bytes) -> FileEntry:
    """The entry of ``data`` just written to ``path`` inside ``out_dir``."""
    return FileEntry.of(out_dir, path, data)


@dataclass
class Item:
    """One company (or one input that failed before a company was known) of a run."""

    input: str | None
    company_id: str | None = None
    company_name: str | None = None
    status: str = STATUS_OK
    error: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    source: dict[str, Any] | None = None  # fingerprint: updatedAt, sha256 of the record, settings hash
    source_record: FileEntry | None = None  # the record as received, kept in sources/
    side_records: dict[str, FileEntry] = field(default_factory=dict)  # its financials/flags kept in sources/
    verdict: str | None = None
    qualification_status: str | None = None
    flag_counts: dict[str, int] | None = None
    top_flags: list[str] | None = None
    warnings: list[str] | None = None
    from_earlier_run: bool = False
    refresh_error: str | None = None  # a later run failed to rebuild it; the packet listed is the earlier one
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    @property
    def label(self) -> str:
        return str(self.company_name or self.input or self.company_id or "?")

    def failed(self, error: str) -> Item:
        return replace(self, status=STATUS_ERROR, error=error)

    def entries(self) -> list[FileEntry]:
        """Its packet files, then its kept source record and side records (financials, flags)."""
        return [*self.files.values(), *([self.source_record] if self.source_record else []),
                *self.side_records.values()]

    def names(self) -> set[str]:
        """The base names (lower case) its files use: taken in the folder while it is listed."""
        named = [*self.files.values(), *([self.source_record] if self.source_record else [])]
        return {s for s in (e.stem for e in named) if s}

    def stem(self) -> str | None:
        """Its files' base name as written (any of them: formats may differ between runs)."""
        entry = next((self.files[k] for k in ("pdf", "xlsx", "json", "html") if k in self.files), self.source_record)
        return Path(entry.path).stem if entry and isinstance(entry.path, str) else None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "input": self.input, "companyId": self.company_id, "companyName": self.company_name,
            "status": self.status, "error": self.error,
            "files": {k: e.to_json() for k, e in self.files.items()},
        }
        optional = {
            "source": self.source,
            "sourceRecord": self.source_record.to_json() if self.source_record else None,
            "sideRecords": {k: e.to_json() for k, e in self.side_records.items()} or None,
            "verdict": self.verdict, "qualificationStatus": self.qualification_status,
            "flagCounts": self.flag_counts, "topFlags": self.top_flags, "warnings": self.warnings,
            "fromEarlierRun": True if self.from_earlier_run else None, "refreshError": self.refresh_error,
        }
        doc.update({k: v for k, v in optional.items() if v is not None})
        doc.update({k: v for k, v in self.extra.items() if k not in doc})
        return doc

    @classmethod
    def from_json(cls, obj: dict[str, Any], where: str = "item") -> Item:
        """An item of a manifest on disk; ``DeliveryError`` naming ``where`` when a field has the
        wrong type (``"files": [...]``), so no caller meets a shape it cannot handle."""
        files = obj.get("files") if obj.get("files") is not None else {}
        if not isinstance(files, dict):
            raise DeliveryError(f"{where}.files: expected an object of file entries, got {type(files).__name__}")
        side = obj.get("sideRecords") if obj.get("sideRecords") is not None else {}
        if not isinstance(side, dict):
            raise DeliveryError(f"{where}.sideRecords: expected an object of file entries, got {type(side).__name__}")
        for k in ("input", "companyId", "companyName", "status", "error", "verdict", "qualificationStatus", "refreshError"):
            v = obj.get(k)
            if v is not None and not isinstance(v, str):
                raise DeliveryError(f"{where}.{k}: expected a string, got {type(v).__name__}")
        for k, kind in (("source", dict), ("flagCounts", dict), ("topFlags", list), ("warnings", list)):
            if obj.get(k) is not None and not isinstance(obj[k], kind):
                raise DeliveryError(f"{where}.{k}: expected {'an object' if kind is dict else 'a list'}")
        return cls(
            input=obj.get("input"), company_id=obj.get("companyId"), company_name=obj.get("companyName"),
            status=obj.get("status") or STATUS_ERROR, error=obj.get("error"),
            files={str(k): FileEntry.from_json(v) for k, v in files.items()},
            source=obj.get("source"),
            source_record=FileEntry.from_json(obj["sourceRecord"]) if obj.get("sourceRecord") else None,
            side_records={str(k): FileEntry.from_json(v) for k, v in side.items()},
            verdict=obj.get("verdict"), qualification_status=obj.get("qualificationStatus"),
            flag_counts=obj.get("flagCounts"), top_flags=obj.get("topFlags"), warnings=obj.get("warnings"),
            from_earlier_run=obj.get("fromEarlierRun") is True, refresh_error=obj.get("refreshError"),
            extra={k: v for k, v in obj.items() if k not in _ITEM_KEYS},
        )


@dataclass
class Manifest:
    items: list[Item]
    build: dict[str, Any] = field(default_factory=dict)
    leveling: FileEntry | None = None
    bid_packages: list[BidPackageEntry] = field(default_factory=list)
    bid_leveling: FileEntry | None = None  # bid-leveling.xlsx
    awards: dict[str, FileEntry] = field(default_factory=dict)  # bid package id -> its award PDF
    bid_sources: list[FileEntry] = field(default_factory=list)  # BuildingConnected bodies kept in sources/
    generated_at: str | None = None
    reporter_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    acc_filing: dict[str, AccRecord] = field(default_factory=dict)  # by path in the folder

    def ok_items(self) -> list[Item]:
        return [i for i in self.items if i.ok]

    def failed_items(self) -> list[Item]:
        return [i for i in self.items if not i.ok]

    def entries(self) -> list[FileEntry]:
        """Every listed file: each item's files and kept source record, then the leveling workbooks
        and the award recommendations."""
        extra = [e for e in (self.leveling, self.bid_leveling) if e] + list(self.awards.values()) + self.bid_sources
        return [e for i in self.items for e in i.entries()] + extra

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "generatedAt": format_iso(datetime.now(UTC)), "reporterVersion": __version__,
            **{k: v for k, v in self.extra.items() if k not in _TOP_KEYS},
            "build": self.build,
        }
        if self.leveling:
            doc["leveling"] = self.leveling.to_json()
        if self.bid_packages:
            doc["bidPackages"] = [p.to_json() for p in self.bid_packages]
        if self.bid_leveling:
            doc["bidLeveling"] = self.bid_leveling.to_json()
        if self.awards:
            doc["awardRecommendations"] = {k: v.to_json() for k, v in self.awards.items()}
        if self.bid_sources:
            doc["bidPackageSources"] = [e.to_json() for e in self.bid_sources]
        doc["items"] = [i.to_json() for i in self.items]
        if self.acc_filing:
            doc[ACC_KEY] = records_to_json(self.acc_filing)
        return doc


def write_manifest(out_dir: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically; ``DeliveryError`` naming the path on an OS error (disk
    full, read-only folder)."""
    path = Path(out_dir) / MANIFEST
    data = (json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise DeliveryError(f"{path}: cannot write the manifest ({exc.strerror or exc})") from None
    return path


def read_manifest(folder: Path) -> Manifest:
    """A built folder's manifest; ``DeliveryError`` naming the file when it is missing or bad."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"{folder}: no manifest.json (is this a folder written by 'reporter build'?)") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DeliveryError(f"{path}: cannot read the manifest ({getattr(exc, 'strerror', None) or exc})") from None
    items = doc.get("items", []) if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DeliveryError(f"{path}: not a reporter manifest (expected an object with a list of items)")
    build = doc.get("build") if doc.get("build") is not None else {}
    if not isinstance(build, dict):
        raise DeliveryError(f"{path}: build: expected an object")
    return Manifest(
        items=[Item.from_json(i, f"{path}: items[{n}]") for n, i in enumerate(items)],
        build=build,
        leveling=FileEntry.from_json(doc["leveling"]) if doc.get("leveling") else None,
        bid_packages=[BidPackageEntry.from_json(p) for p in doc.get("bidPackages") or [] if isinstance(p, dict)],
        bid_leveling=FileEntry.from_json(doc["bidLeveling"]) if doc.get("bidLeveling") else None,
        awards={str(k): FileEntry.from_json(v) for k, v in (doc.get("awardRecommendations") or {}).items()}
        if isinstance(doc.get("awardRecommendations"), dict) else {},
        bid_sources=[FileEntry.from_json(e) for e in doc.get("bidPackageSources") or [] if isinstance(e, dict)],
        generated_at=doc.get("generatedAt") if isinstance(doc.get("generatedAt"), str) else None,
        reporter_version=doc.get("reporterVersion") if isinstance(doc.get("reporterVersion"), str) else None,
        extra={k: v for k, v in doc.items() if k not in _TOP_KEYS},
        acc_filing=records_from_json(doc.get(ACC_KEY)),
    )


def previous_items(out_dir: Path) -> dict[str, Item]:
    """Finished items of the folder's last manifest, by company id (none when it is missing or bad:
    the run then builds everything)."""
    try:
        manifest = read_manifest(out_dir)
    except DeliveryError:
        return {}
    return {i.company_id: i for i in manifest.items if i.ok and isinstance(i.company_id, str) and i.company_id}


def unchanged(prev: Item | None, fingerprint: dict[str, Any], out_dir: Path) -> bool:
    """Can ``prev``'s packet stand for this record? Its fingerprint and files are as listed -- and a
    packet built with side files (financials, flags) by a version that did not list them is built
    again, so that every file it keeps in ``sources/`` becomes listed and checked."""
    if prev is None or prev.source != fingerprint or not files_intact(prev, out_dir):
        return False
    return not (fingerprint.get("side") and not prev.side_records)


def files_intact(item: Item, out_dir: Path) -> bool:
    """Are the item's packet files (and kept source record) all there, inside the folder, at their
    listed sizes?"""
    if not item.files:
        return False
    for entry in item.entries():
        p = inside(out_dir, entry.path)
        try:
            if p is None or not p.is_file() or p.stat().st_size != entry.bytes:
                return False
        except OSError:
            return False
    return True


def files_verified(item: Item, out_dir: Path) -> bool:
    """Are the item's files all there with their listed SHA-256 (not only their sizes)?"""
    if not item.files:
        return False
    try:
        for entry in item.entries():
            check_verified(out_dir, entry)
    except FileProblem:
        return False
    return True


def one_line(text: Any) -> str:
    """Text for the manifest, a log line or the summary line: one line, and no control character
    (from a company name or a record) reaches a terminal raw: each is shown as ``\\xNN``."""
    parts = [p.strip() for p in str(text).splitlines() if p.strip()]
    joined = " ".join(parts)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in joined)


class LinkInFolder(DeliveryError):
    """A symbolic link where the tool would write or delete inside an output folder."""


def refuse_links(out_dir: Path, folder: Path) -> None:
    """``LinkInFolder`` when ``folder`` (inside ``out_dir``) or a folder between them is a symbolic
    link: writing or deleting through it would touch files outside the output folder."""
    root = Path(out_dir)
    rel = Path(folder).relative_to(root)
    here = root
    for part in rel.parts:
        here = here / part
        if here.is_symlink():
            raise LinkInFolder(f"{here}: is a symbolic link inside the output folder; reporter never writes or "
                               "deletes through one (remove it, or choose another --out)")


def write_in_folder(out_dir: Path, rel: str, data: bytes) -> FileEntry:
    """Write ``data`` atomically at ``rel`` inside ``out_dir`` (never through a symbolic link);
    its entry. ``DeliveryError`` naming the path on an OS error (disk full, permissions)."""
    path = Path(out_dir) / rel
    refuse_links(out_dir, path.parent)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise DeliveryError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return FileEntry.of(Path(out_dir), path, data)
