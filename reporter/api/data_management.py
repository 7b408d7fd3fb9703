"""Fetch stage, the APS Data Management + OSS client: the calls that file packets into ACC Docs.

Input: the APS base URL (``--aps-base-url``, else ``APS_BASE_URL``, else
``https://developer.api.autodesk.com``) and a ``TokenProvider``. Output: the wire models of
``reporter.api.dm_models`` for each step of ``/work/shared/reference/acc-docs-upload.md``: top
folders, a folder's whole contents (every page), folder creation, storage, signed-upload URLs, the
upload's completion, the first version of an item and a later version.

Built on ``ApiClient`` (rate limit, 429/5xx/Retry-After, host check, redaction, token refresh): the
bearer token only ever goes to the APS host. The signed S3 PUTs are *not* made here (they go to
another host and must never carry the token): see ``reporter.api.signed_s3``.

A POST that failed with a server error or a dropped connection may or may not have been acted on;
``ApiClient`` does not retry it, and the caller (``reporter.deliver.acc_filing``) looks before it
tries again.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from reporter.api.dm_models import (
    FolderContents,
    FolderCreated,
    ItemCreated,
    Resource,
    SignedUpload,
    StorageCreated,
    TopFolders,
    UploadCompleted,
    VersionCreated,
    signed_upload_path,
)
from reporter.api.http import ApiClient
from reporter.errors import ServerError

DEFAULT_APS_BASE_URL = "https://developer.api.autodesk.com"
APS_BASE_URL_ENV = "APS_BASE_URL"
JSONAPI = {"version": "1.0"}
JSONAPI_HEADERS = {"Content-Type": "application/vnd.api+json"}
MAX_SIGNED_PARTS = 25  # OSS hands out at most 25 part URLs per request
_MAX_CONTENT_PAGES = 10_000


def aps_base_url(given: str | None = None) -> str:
    """``given``, else ``APS_BASE_URL``, else the Autodesk production host."""
    return (given or os.environ.get(APS_BASE_URL_ENV) or DEFAULT_APS_BASE_URL).strip()


def _q(ident: str) -> str:
    return quote(ident, safe="")


class DataManagementClient(ApiClient):
    """``async with DataManagementClient(base, tokens) as dm: await dm.top_folders(hub, project)``."""

    service = "ACC Docs (Data Management)"

    async def top_folders(self, hub_id: str, project_id: str) -> TopFolders:
        doc = await self.get_json(f"/project/v1/hubs/{_q(hub_id)}/projects/{_q(project_id)}/topFolders",
                                  what=f"the top folders of ACC project {project_id}")
        return TopFolders.model_validate(doc)

    async def folder_contents(self, project_id: str, folder_id: str) -> FolderContents:
        """Every page of a folder's contents, as one ``FolderContents`` (``included``: tip versions)."""
        url: Any = f"/data/v1/projects/{_q(project_id)}/folders/{_q(folder_id)}/contents"
        params: dict[str, str] | None = {"page[limit]": "200"}
        data: list[Resource] = []
        included: list[Resource] = []
        seen: set[str] = set()
        for _ in range(_MAX_CONTENT_PAGES):
            page = FolderContents.model_validate(
                await self.get_json(url, params, what=f"the contents of folder {folder_id}"))
            data += page.data
            included += page.included
            nxt = page.next_url
            if not nxt:
                return FolderContents(data=data, included=included)
            if nxt in seen:
                raise ServerError(f"{self.service} paging of folder {folder_id} repeated a page; stopped")
            seen.add(nxt)
            url, params = nxt, None
        raise ServerError(f"{self.service} paging of folder {folder_id} did not end")

    async def create_folder(self, project_id: str, parent_id: str, name: str) -> FolderCreated:
        body = {"jsonapi": JSONAPI, "data": {
            "type": "folders",
            "attributes": {"name": name, "extension": {"type": "folders:autodesk.bim360:Folder", "version": "1.0"}},
            "relationships": {"parent": {"data": {"type": "folders", "id": parent_id}}}}}
        doc = await self.post_json(f"/data/v1/projects/{_q(project_id)}/folders", body,
                                   what=f"creating folder {name!r}", headers=JSONAPI_HEADERS)
        return FolderCreated.model_validate(doc)

    async def create_storage(self, project_id: str, folder_id: str, name: str) -> StorageCreated:
        body = {"jsonapi": JSONAPI, "data": {
            "type": "objects", "attributes": {"name": name},
            "relationships": {"target": {"data": {"type": "folders", "id": folder_id}}}}}
        doc = await self.post_json(f"/data/v1/projects/{_q(project_id)}/storage", body,
                                   what=f"creating storage for {name!r}", headers=JSONAPI_HEADERS)
        return StorageCreated.model_validate(doc)

    async def signed_upload(self, bucket: str, key: str, first_part: int, parts: int,
                            upload_key: str | None = None) -> SignedUpload:
        params = {"firstPart": str(first_part), "parts": str(parts)}
        if upload_key:
            params["uploadKey"] = upload_key
        doc = await self.get_json(signed_upload_path(bucket, key), params, what=f"upload URLs for {key}")
        signed = SignedUpload.model_validate(doc)
        if not signed.uploadKey or len(signed.urls) != parts:
            raise ServerError(f"{self.service} sent {len(signed.urls)} upload URLs for {key}, asked for {parts}")
        return signed

    async def complete_upload(self, bucket: str, key: str, upload_key: str) -> UploadCompleted:
        doc = await self.post_json(signed_upload_path(bucket, key), {"uploadKey": upload_key},
                                   what=f"finishing the upload of {key}")
        return UploadCompleted.model_validate(doc or {})

    async def create_item(self, project_id: str, folder_id: str, name: str, storage_id: str) -> ItemCreated:
        body = {"jsonapi": JSONAPI, "data": {
            "type": "items",
            "attributes": {"displayName": name, "extension": {"type": "items:autodesk.bim360:File", "version": "1.0"}},
            "relationships": {"tip": {"data": {"type": "versions", "id": "1"}},
                              "parent": {"data": {"type": "folders", "id": folder_id}}}},
            "included": [{"type": "versions", "id": "1", "attributes": {
                "name": name, "extension": {"type": "versions:autodesk.bim360:File", "version": "1.0"}},
                "relationships": {"storage": {"data": {"type": "objects", "id": storage_id}}}}]}
        doc = await self.post_json(f"/data/v1/projects/{_q(project_id)}/items", body,
                                   what=f"creating item {name!r}", headers=JSONAPI_HEADERS)
        return ItemCreated.model_validate(doc)

    async def create_version(self, project_id: str, item_id: str, name: str, storage_id: str) -> VersionCreated:
        body = {"jsonapi": JSONAPI, "data": {
            "type": "versions",
            "attributes": {"name": name, "extension": {"type": "versions:autodesk.bim360:File", "version": "1.0"}},
            "relationships": {"item": {"data": {"type": "items", "id": item_id}},
                              "storage": {"data": {"type": "objects", "id": storage_id}}}}}
        doc = await self.post_json(f"/data/v1/projects/{_q(project_id)}/versions", body,
                                   what=f"a new version of {name!r}", headers=JSONAPI_HEADERS)
        return VersionCreated.model_validate(doc)

    async def item_versions(self, project_id: str, item_id: str) -> list[Resource]:
        """An item's versions, newest first."""
        doc = await self.get_json(f"/data/v1/projects/{_q(project_id)}/items/{_q(item_id)}/versions",
                                  what=f"the versions of item {item_id}")
        return [Resource.model_validate(v) for v in (doc or {}).get("data") or [] if isinstance(v, dict)]
