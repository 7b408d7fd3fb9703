"""The fake APS Data Management + OSS host over real HTTP on 127.0.0.1: the whole upload flow parsed
by the wire models, 409s on duplicates, contents paging, the S3 port refusing a bearer, scopes,
injected faults and a run killed between storage and item."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest

from reporter.api.dm_models import (
    FolderContents,
    FolderCreated,
    ItemCreated,
    SignedUpload,
    StorageCreated,
    TopFolders,
    UploadCompleted,
    VersionCreated,
    parse_storage_urn,
    signed_upload_path,
)
from tests.fakes.aps_data import READ_ONLY_TOKEN, ApsFaults, FakeApsData
from tests.fakes.tradetapp import DEFAULT_TOKEN

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
JSONAPI = {**AUTH, "Content-Type": "application/vnd.api+json"}
HUB, PROJECT = "b.28b0d8b3-4730-4f4f-8bad-4a2a5d75ed26", "b.00f1b796-293a-4c1e-9474-f09711011426"


@pytest.fixture
def aps():
    with FakeApsData() as fake:
        fake.add_project(HUB, PROJECT)
        yield fake


def _post(aps, path, body, headers=JSONAPI):
    return httpx.post(aps.base_url + path, content=json.dumps(body), headers=headers)


def _folder_body(name, parent):
    return {"jsonapi": {"version": "1.0"}, "data": {"type": "folders", "attributes": {"name": name, "extension": {
        "type": "folders:autodesk.bim360:Folder", "version": "1.0"}},
        "relationships": {"parent": {"data": {"type": "folders", "id": parent}}}}}


def _upload(aps, folder, name, data, parts=1):
    """Storage -> signed URLs -> PUT parts (no auth) -> complete; returns the storage urn."""
    storage = StorageCreated.model_validate(_post(aps, f"/data/v1/projects/{PROJECT}/storage", {
        "jsonapi": {"version": "1.0"}, "data": {"type": "objects", "attributes": {"name": name},
                                                "relationships": {"target": {"data": {"type": "folders",
                                                                                      "id": folder}}}}}).json())
    bucket, key = storage.bucket_and_key
    path = signed_upload_path(bucket, key)
    signed = SignedUpload.model_validate(httpx.get(aps.base_url + path, params={"firstPart": 1, "parts": parts},
                                                   headers=AUTH).json())
    assert len(signed.urls) == parts and all(not u.startswith(aps.base_url) for u in signed.urls)
    size = -(-len(data) // parts)
    for i, url in enumerate(signed.urls):
        assert httpx.put(url, content=data[i * size : (i + 1) * size]).status_code == 200
    done = httpx.post(aps.base_url + path, json={"uploadKey": signed.uploadKey}, headers=AUTH)
    assert UploadCompleted.model_validate(done.json()).size == len(data)
    return storage.data.id


def _item_body(name, folder, storage):
    return {"jsonapi": {"version": "1.0"}, "data": {"type": "items", "attributes": {"displayName": name, "extension": {
        "type": "items:autodesk.bim360:File", "version": "1.0"}}, "relationships": {
        "tip": {"data": {"type": "versions", "id": "1"}}, "parent": {"data": {"type": "folders", "id": folder}}}},
        "included": [{"type": "versions", "id": "1", "attributes": {"name": name, "extension": {
            "type": "versions:autodesk.bim360:File", "version": "1.0"}},
            "relationships": {"storage": {"data": {"type": "objects", "id": storage}}}}]}


def test_full_upload_flow_item_then_new_version(aps):
    top = TopFolders.model_validate(httpx.get(f"{aps.base_url}/project/v1/hubs/{HUB}/projects/{PROJECT}/topFolders",
                                              headers=AUTH).json())
    root = top.named("project files")
    assert root is not None and root.attributes.name == "Project Files"
    made = _post(aps, f"/data/v1/projects/{PROJECT}/folders", _folder_body("Prequalification", root.id))
    assert made.status_code == 201
    folder = FolderCreated.model_validate(made.json()).data.id
    dup = _post(aps, f"/data/v1/projects/{PROJECT}/folders", _folder_body("PREQUALIFICATION", root.id))
    assert dup.status_code == 409
    storage = _upload(aps, folder, "Ampere_Electric.pdf", b"%PDF-1.7 " + b"x" * 5000, parts=3)
    assert parse_storage_urn(storage)[0] == "wip.dm.prod"
    created = _post(aps, f"/data/v1/projects/{PROJECT}/items", _item_body("Ampere_Electric.pdf", folder, storage))
    assert created.status_code == 201
    item = ItemCreated.model_validate(created.json())
    assert item.version.attributes.versionNumber == 1 and item.data.related("tip").id == item.version.id
    again = _post(aps, f"/data/v1/projects/{PROJECT}/items", _item_body("Ampere_Electric.pdf", folder, storage))
    assert again.status_code == 409
    second = _upload(aps, folder, "Ampere_Electric.pdf", b"%PDF-1.7 changed")
    v2 = _post(aps, f"/data/v1/projects/{PROJECT}/versions", {"jsonapi": {"version": "1.0"}, "data": {
        "type": "versions", "attributes": {"name": "Ampere_Electric.pdf"}, "relationships": {
            "item": {"data": {"type": "items", "id": item.data.id}},
            "storage": {"data": {"type": "objects", "id": second}}}}})
    assert VersionCreated.model_validate(v2.json()).data.attributes.versionNumber == 2
    assert aps.folder_path(folder) == "Project Files/Prequalification"
    assert list(aps.items_in(folder)) == ["Ampere_Electric.pdf"] and aps.orphan_storage() == []
    assert aps.objects[second]["data"] == b"%PDF-1.7 changed"
    assert not aps.s3.rejected and all("authorization" not in r.headers for r in aps.s3.requests)


def test_s3_port_refuses_a_bearer_and_records_it(aps):
    _, folder = aps.add_project(HUB, "b.other")
    storage = StorageCreated.model_validate(_post(aps, "/data/v1/projects/b.other/storage", {"data": {
        "type": "objects", "attributes": {"name": "a.pdf"},
        "relationships": {"target": {"data": {"type": "folders", "id": folder}}}}}).json())
    path = signed_upload_path(*storage.bucket_and_key)
    signed = SignedUpload.model_validate(httpx.get(aps.base_url + path, headers=AUTH).json())
    leaked = httpx.put(signed.urls[0], content=b"data", headers=AUTH)
    assert leaked.status_code == 403
    assert [r.authorization for r in aps.s3.rejected] == [f"Bearer {DEFAULT_TOKEN}"]
    assert httpx.post(aps.base_url + path, json={"uploadKey": signed.uploadKey}, headers=AUTH).status_code == 400
    assert httpx.put(signed.urls[0].replace("sig-", "forged-"), content=b"d").status_code == 403


def test_contents_paging_and_404s(aps):
    root = aps.hubs[HUB][PROJECT][0]
    for i in range(5):
        aps.add_folder(PROJECT, root, f"Package {i}")
    url = f"{aps.base_url}/data/v1/projects/{PROJECT}/folders/{quote(root)}/contents"
    names, params = [], {"page[limit]": 2}
    while url:
        page = FolderContents.model_validate(httpx.get(url, params=params, headers=AUTH).json())
        names += [f.title for f in page.folders()]
        url, params = page.next_url, None
    assert names == [f"Package {i}" for i in range(5)]
    first = f"{aps.base_url}/data/v1/projects/{PROJECT}/folders/{quote(root)}/contents"
    for bad in ({"page[limit]": "0"}, {"page[limit]": "201"}, {"page[number]": "x"}):
        assert httpx.get(first, params=bad, headers=AUTH).status_code == 400, bad
    for path in ("/data/v1/projects/b.nope/folders/x/contents", f"/data/v1/projects/{PROJECT}/folders/x/contents",
                 f"/project/v1/hubs/{HUB}/projects/b.nope/topFolders", f"/data/v1/projects/{PROJECT}/items/urn:x"):
        assert httpx.get(aps.base_url + path, headers=AUTH).status_code == 404, path


def test_auth_scopes_and_content_type(aps):
    root = aps.hubs[HUB][PROJECT][0]
    path = f"/data/v1/projects/{PROJECT}/folders"
    assert _post(aps, path, _folder_body("A", root), {"Content-Type": "application/vnd.api+json"}).status_code == 401
    read_only = {"Authorization": f"Bearer {READ_ONLY_TOKEN}", "Content-Type": "application/vnd.api+json"}
    denied = _post(aps, path, _folder_body("A", root), read_only)
    assert denied.status_code == 403 and "data:create" in denied.json()["errors"][0]["detail"]
    assert _post(aps, path, _folder_body("A", root), {**AUTH, "Content-Type": "application/json"}).status_code == 415
    assert _post(aps, path, {"data": {"type": "folders", "attributes": {"name": "A"}}}).status_code == 400


def test_item_needs_a_completed_upload(aps):
    root = aps.hubs[HUB][PROJECT][0]
    storage = StorageCreated.model_validate(_post(aps, f"/data/v1/projects/{PROJECT}/storage", {"data": {
        "type": "objects", "attributes": {"name": "b.pdf"},
        "relationships": {"target": {"data": {"type": "folders", "id": root}}}}}).json()).data.id
    assert _post(aps, f"/data/v1/projects/{PROJECT}/items", _item_body("b.pdf", root, storage)).status_code == 400


def test_faults_and_a_run_killed_between_storage_and_item(aps):
    root = aps.hubs[HUB][PROJECT][0]
    orphan = aps.seed_orphan_upload(PROJECT, root, "Sierra_Line.pdf", b"%PDF")
    assert aps.orphan_storage() == [orphan] and aps.items_in(root) == {}
    aps.faults.script = ["429", "500", "drop-after"]
    url = f"{aps.base_url}/data/v1/projects/{PROJECT}/items"
    first = httpx.post(url, content=json.dumps(_item_body("Sierra_Line.pdf", root, orphan)), headers=JSONAPI)
    assert first.status_code == 429 and first.headers["Retry-After"] == "0"
    assert httpx.post(url, content=json.dumps(_item_body("x.pdf", root, orphan)), headers=JSONAPI).status_code == 500
    with pytest.raises(httpx.HTTPError):  # created, but the answer never arrives
        httpx.post(url, content=json.dumps(_item_body("Sierra_Line.pdf", root, orphan)), headers=JSONAPI)
    assert list(aps.items_in(root)) == ["Sierra_Line.pdf"] and aps.orphan_storage() == []
    retry = httpx.post(url, content=json.dumps(_item_body("Sierra_Line.pdf", root, orphan)), headers=JSONAPI)
    assert retry.status_code == 409  # a re-run must look the name up instead of creating again
    assert [r.status for r in aps.requests_to("POST", r"/data/v1/projects/[^/]+/items")] == [429, 500, None, 409]


def test_random_faults_hit_only_matching_paths():
    with FakeApsData(faults=ApsFaults(rate_429=1.0, fault_paths=r"/storage$", retry_after=None)) as aps:
        _, root = aps.add_project(HUB, PROJECT)
        top = httpx.get(f"{aps.base_url}/project/v1/hubs/{HUB}/projects/{PROJECT}/topFolders", headers=AUTH)
        assert top.status_code == 200
        limited = _post(aps, f"/data/v1/projects/{PROJECT}/storage", {"data": {"type": "objects"}})
        assert limited.status_code == 429 and "Retry-After" not in limited.headers
