"""Deliver stage: the typed record of one file filed into ACC Docs (``manifest.json``'s
``accFiling``).

Input: the ids Data Management answered for a file (or the manifest's JSON of them). Output:
``AccRecord`` values and their JSON::

    "accFiling": {"<path in the folder>": {"name", "hubId", "projectId", "folderId", "folderPath",
                  "storageId", "itemId", "versionId", "versionNumber", "sha256", "bytes",
                  "filedAt", "state": "filed" | "uploaded"}}

and ``accFilingErrors``: ``{"<path>": {"error", "failedAt", "folderPath", "projectId"}}``, the files
the last ``reporter file`` run could not file (one-line reasons; a file's entry goes once it is
filed).

``state`` "uploaded": the bytes are stored and the upload finished but no item/version points at
them yet (a run killed there); the next run reuses the storage when the SHA-256 still matches.
``sha256`` is the hash of the bytes uploaded (for ``manifest.json`` itself: of its filing copy).
A malformed record is dropped when read: records are a cache, and filing falls back to looking
the name up in the folder.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

# Where `reporter file` puts a folder's files in ACC Docs, from a top folder ({package}: the bid package).
DEFAULT_FOLDER = "Project Files/Prequalification/{package}"

FILED = "filed"
UPLOADED = "uploaded"

_JSON = {"name": "name", "hubId": "hub_id", "projectId": "project_id", "folderId": "folder_id",
         "folderPath": "folder_path", "storageId": "storage_id", "itemId": "item_id", "versionId": "version_id",
         "versionNumber": "version_number", "sha256": "sha256", "bytes": "bytes", "filedAt": "filed_at",
         "state": "state"}


@dataclass(frozen=True)
class AccRecord:
    name: str
    hub_id: str
    project_id: str
    folder_id: str
    folder_path: str
    sha256: str
    bytes: int
    storage_id: str
    state: str = FILED
    item_id: str | None = None
    version_id: str | None = None
    version_number: int | None = None
    filed_at: str | None = None

    @property
    def filed(self) -> bool:
        return self.state == FILED and bool(self.item_id and self.version_id)

    def to_json(self) -> dict[str, Any]:
        return {key: getattr(self, attr) for key, attr in _JSON.items()}

    @classmethod
    def from_json(cls, obj: Any) -> AccRecord | None:
        if not isinstance(obj, dict):
            return None
        values: dict[str, Any] = {attr: obj.get(key) for key, attr in _JSON.items()}
        required = ("name", "hub_id", "project_id", "folder_id", "folder_path", "sha256", "storage_id")
        if not all(isinstance(values[k], str) and values[k] for k in required):
            return None
        if not isinstance(values["bytes"], int) or values["state"] not in (FILED, UPLOADED):
            return None
        for k in ("item_id", "version_id", "filed_at"):
            if values[k] is not None and not isinstance(values[k], str):
                return None
        if values["version_number"] is not None and not isinstance(values["version_number"], int):
            values["version_number"] = None
        return cls(**{f.name: values[f.name] for f in fields(cls)})


def records_from_json(obj: Any) -> dict[str, AccRecord]:
    """The ``accFiling`` object as records by path (malformed ones dropped)."""
    if not isinstance(obj, dict):
        return {}
    out: dict[str, AccRecord] = {}
    for path, raw in obj.items():
        record = AccRecord.from_json(raw)
        if isinstance(path, str) and path and record is not None:
            out[path] = record
    return out


def records_to_json(records: dict[str, AccRecord]) -> dict[str, Any]:
    return {path: records[path].to_json() for path in sorted(records)}


def failure_json(error: str, folder_path: str, project_id: str, failed_at: str) -> dict[str, Any]:
    """One ``accFilingErrors`` entry."""
    return {"error": error, "failedAt": failed_at, "folderPath": folder_path, "projectId": project_id}
