"""Data Management / OSS wire models: the reference's bodies validate, odd-but-legal shapes are
kept (string ``links.next``, null attributes, unknown fields), storage urns split or are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporter.api.dm_models import (
    FolderContents,
    ItemCreated,
    SignedUpload,
    StorageCreated,
    TopFolders,
    UploadCompleted,
    VersionCreated,
    parse_storage_urn,
    signed_upload_path,
)
from reporter.jsonio import loads_exact


def test_storage_signed_upload_and_completion_bodies():
    storage = StorageCreated.model_validate(loads_exact(
        '{"jsonapi": {"version": "1.0"}, "data": {"type": "objects",'
        ' "id": "urn:adsk.objects:os.object:wip.dm.prod/2a6d61f2-49df-4d7b.pdf",'
        ' "relationships": {"target": {"data": {"type": "folders", "id": "urn:adsk.wipprod:fs.folder:co.abc"}}}}}'))
    assert storage.bucket_and_key == ("wip.dm.prod", "2a6d61f2-49df-4d7b.pdf")
    assert storage.data.related("target").id == "urn:adsk.wipprod:fs.folder:co.abc"
    signed = SignedUpload.model_validate(loads_exact(
        '{"uploadKey": "AQICAHh", "uploadExpiration": "2026-11-28T18:00:00Z", "urls": ["https://s3/a?p=1",'
        ' "https://s3/a?p=2"], "extra": 1}'))
    assert signed.uploadKey == "AQICAHh" and len(signed.urls) == 2 and signed.other_fields == {"extra": 1}
    assert signed.uploadExpiration == datetime(2026, 11, 28, 18, tzinfo=UTC)
    done = UploadCompleted.model_validate({"bucketKey": "wip.dm.prod", "objectId": "urn:x", "objectKey": "k",
                                           "size": 5001, "contentType": "application/pdf", "location": "https://x"})
    assert done.size == 5001
    assert signed_upload_path("wip.dm.prod", "a b/c.pdf") == \
        "/oss/v2/buckets/wip.dm.prod/objects/a%20b%2Fc.pdf/signeds3upload"


def test_folders_items_versions():
    top = TopFolders.model_validate({"data": [
        {"type": "folders", "id": "f1", "attributes": {"name": "Plans", "displayName": "Plans"}},
        {"type": "folders", "id": "f2", "attributes": {"name": "Project Files", "hidden": False, "objectCount": 3}}]})
    assert top.named("PROJECT FILES").id == "f2" and top.named("Photos") is None
    contents = FolderContents.model_validate({
        "links": {"next": "https://x/contents?page[number]=1"},
        "data": [{"type": "folders", "id": "f3", "attributes": None, "relationships": None},
                 {"type": "items", "id": "i1", "attributes": {"displayName": "a.pdf"},
                  "relationships": {"tip": {"data": {"type": "versions", "id": "v1"}}}},
                 {"type": "links", "id": "l1"}],
        "included": [{"type": "versions", "id": "v1", "attributes": {"versionNumber": 4, "storageSize": 10}}]})
    assert contents.next_url == "https://x/contents?page[number]=1"
    assert [f.id for f in contents.folders()] == ["f3"] and [i.title for i in contents.items()] == ["a.pdf"]
    assert contents.items()[0].related("tip").id == "v1" and contents.included[0].attributes.versionNumber == 4
    assert FolderContents.model_validate({"links": {"next": {"href": None}}, "data": None}).next_url is None
    item = ItemCreated.model_validate({"data": {"type": "items", "id": "urn:adsk.wipprod:dm.lineage:x"},
                                       "included": [{"type": "versions", "id": "v?version=1",
                                                     "attributes": {"versionNumber": 1}}]})
    assert item.version.id == "v?version=1"
    version = VersionCreated.model_validate({"data": {"type": "versions", "id": "v?version=2", "relationships": {
        "item": {"data": {"type": "items", "id": "urn:adsk.wipprod:dm.lineage:x"}}, "refs": {"data": []}}}})
    assert version.data.related("item").id.endswith(":x") and version.data.related("refs") is None


@pytest.mark.parametrize("urn", ["", "urn:adsk.objects:os.object:bucket", "urn:adsk.objects:os.object:/k",
                                 "urn:adsk.wipprod:fs.file:vf.x"])
def test_bad_storage_urns(urn):
    with pytest.raises(ValueError):
        parse_storage_urn(urn)
