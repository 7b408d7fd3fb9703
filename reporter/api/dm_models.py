"""Fetch stage: pydantic models of the APS Data Management (JSON:API) and OSS signed-S3 bodies that
filing packets into ACC Docs reads (``/work/shared/reference/acc-docs-upload.md``).

Input: dicts decoded from the answers of ``GET /project/v1/hubs/{hub}/projects/{project}/topFolders``,
``GET /data/v1/projects/{project}/folders/{folder}/contents``, ``POST .../folders``,
``POST .../storage``, ``GET|POST /oss/v2/buckets/{bucket}/objects/{key}/signeds3upload``,
``POST .../items`` and ``POST .../versions``. Output: ``TopFolders``, ``FolderContents``,
``FolderCreated``, ``StorageCreated``, ``SignedUpload``, ``UploadCompleted``, ``ItemCreated``,
``VersionCreated`` (all JSON:API documents of ``Resource`` objects, except the two OSS bodies).

Tolerant like ``reporter.api.models``: unknown fields kept, nulls allowed, ``type`` strings raw.
``parse_storage_urn`` splits ``urn:adsk.objects:os.object:<bucketKey>/<objectKey>``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BeforeValidator, Field, model_validator

from reporter.api.models import Int, Text, Timestamp, WireModel, none_to_list

STORAGE_URN_PREFIX = "urn:adsk.objects:os.object:"


ListResource = Annotated[list["Resource"], BeforeValidator(none_to_list)]
ListStr = Annotated[list[str], BeforeValidator(none_to_list)]


class Extension(WireModel):
    type: Text = None
    version: Text = None
    schema_: Any = Field(default=None, alias="schema")
    data: Any = None


class Attributes(WireModel):
    """The attributes of folders, items and versions (each kind uses its subset)."""

    name: Text = None
    displayName: Text = None
    createTime: Timestamp = None
    createUserId: Text = None
    createUserName: Text = None
    lastModifiedTime: Timestamp = None
    lastModifiedUserId: Text = None
    lastModifiedUserName: Text = None
    objectCount: Int = None
    hidden: bool | None = None
    reserved: bool | None = None
    versionNumber: Int = None
    storageSize: Int = None
    fileType: Text = None
    mimeType: Text = None
    extension: Extension | None = None


class Ref(WireModel):
    type: Text = None
    id: Text = None


class Relationship(WireModel):
    data: Ref | list[Ref] | None = None
    links: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None

    @property
    def ref(self) -> Ref | None:
        """The single related resource (``None`` for a to-many or empty relationship)."""
        return self.data if isinstance(self.data, Ref) else None


class Resource(WireModel):
    """A JSON:API resource object: a folder, item, version or storage object."""

    type: Text = None
    id: Text = None
    attributes: Attributes = Field(default_factory=Attributes)
    relationships: dict[str, Relationship] = Field(default_factory=dict)
    links: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if data.get("attributes") is None:
                data["attributes"] = {}
            if data.get("relationships") is None:
                data["relationships"] = {}
        return data

    def related(self, name: str) -> Ref | None:
        rel = self.relationships.get(name)
        return rel.ref if rel else None

    @property
    def title(self) -> str:
        """What ACC shows: ``displayName`` (items, versions), else ``name`` (folders)."""
        return self.attributes.displayName or self.attributes.name or ""


def _next_href(links: dict[str, Any] | None) -> str | None:
    nxt = (links or {}).get("next")
    if isinstance(nxt, dict):
        nxt = nxt.get("href")
    return nxt or None


class _Document(WireModel):
    jsonapi: dict[str, Any] | None = None
    links: dict[str, Any] | None = None
    included: ListResource = Field(default_factory=list)


class TopFolders(_Document):
    data: ListResource = Field(default_factory=list)

    def named(self, name: str) -> Resource | None:
        """The top folder with this name (case-insensitive; ACC's is "Project Files")."""
        return next((r for r in self.data if r.title.casefold() == name.casefold()), None)


class FolderContents(_Document):
    """One page of a folder's folders and items (``included`` holds their tip versions)."""

    data: ListResource = Field(default_factory=list)

    @property
    def next_url(self) -> str | None:
        return _next_href(self.links)

    def folders(self) -> list[Resource]:
        return [r for r in self.data if r.type == "folders"]

    def items(self) -> list[Resource]:
        return [r for r in self.data if r.type == "items"]


class FolderCreated(_Document):
    data: Resource


class StorageCreated(_Document):
    data: Resource

    @property
    def bucket_and_key(self) -> tuple[str, str]:
        return parse_storage_urn(self.data.id or "")


class SignedUpload(WireModel):
    """``GET .../signeds3upload``: the upload key and one pre-signed URL per part (no auth header!)."""

    uploadKey: Text = None
    urls: ListStr = Field(default_factory=list)
    uploadExpiration: Timestamp = None
    urlExpiration: Timestamp = None


class UploadCompleted(WireModel):
    bucketKey: Text = None
    objectId: Text = None
    objectKey: Text = None
    size: Int = None
    contentType: Text = None
    location: Text = None


class ItemCreated(_Document):
    """``POST /items``: the item (``data``) and its first version (in ``included``)."""

    data: Resource

    @property
    def version(self) -> Resource | None:
        return next((r for r in self.included if r.type == "versions"), None)


class VersionCreated(_Document):
    data: Resource


def parse_storage_urn(urn: str) -> tuple[str, str]:
    """``(bucketKey, objectKey)`` of ``urn:adsk.objects:os.object:<bucketKey>/<objectKey>``; raises
    ``ValueError`` for anything else."""
    if not urn.startswith(STORAGE_URN_PREFIX) or "/" not in urn[len(STORAGE_URN_PREFIX):]:
        raise ValueError(f"not an OSS storage urn: {urn!r}")
    bucket, _, key = urn[len(STORAGE_URN_PREFIX):].partition("/")
    if not bucket or not key:
        raise ValueError(f"not an OSS storage urn: {urn!r}")
    return bucket, key


def signed_upload_path(bucket: str, key: str) -> str:
    """The OSS path of the signed-upload pair for one object (both parts percent-encoded)."""
    return f"/oss/v2/buckets/{quote(bucket, safe='')}/objects/{quote(key, safe='')}/signeds3upload"
