"""Test fake helper: the JSON:API views of ``FakeApsData``'s state (folders, items, versions, and a
folder's paged contents), as Data Management sends them.

Input: the fake and a urn (or a folder and the query). Output: resource objects / one contents page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from tests.fakes.aps_data import FakeApsData

JSONAPI = {"version": "1.0"}
STAMP = "2026-11-28T17:00:00.000Z"


class ContentsQueryError(Exception):
    """A malformed ``page[...]`` parameter (the fake answers 400)."""



def contents_page(fake: FakeApsData, project: str, folder: str, query: dict[str, str]) -> Any:
    try:
        number = int(query.get("page[number]", "0"))
        limit = int(query.get("page[limit]", str(fake.contents_page_limit)))
    except ValueError:
        raise ContentsQueryError("page[number] and page[limit] must be integers") from None
    if number < 0 or not 1 <= limit <= 200:
        raise ContentsQueryError("page[limit] must be 1-200")
    entries = [("folders", u) for u, f in fake.folders.items() if f["parent"] == folder]
    entries += [("items", u) for u, i in fake.items.items() if i["folder"] == folder]
    page = entries[number * limit : (number + 1) * limit]
    path = f"/data/v1/projects/{quote(project)}/folders/{quote(folder)}/contents"
    links: dict[str, Any] = {"self": {"href": f"{fake.base_url}{path}?" + urlencode(query)}}
    if (number + 1) * limit < len(entries):
        links["next"] = {"href": f"{fake.base_url}{path}?" + urlencode(
            {**query, "page[number]": number + 1, "page[limit]": limit})}
    data = [folder_view(fake, u) if kind == "folders" else item_view(fake, u) for kind, u in page]
    included = [version_view(fake, fake.items[u]["versions"][-1]) for kind, u in page if kind == "items"]
    return {"jsonapi": JSONAPI, "links": links, "data": data, "included": included}


def folder_view(fake: FakeApsData, urn: str) -> dict[str, Any]:
    f = fake.folders[urn]
    count = sum(1 for x in fake.folders.values() if x["parent"] == urn)
    count += sum(1 for x in fake.items.values() if x["folder"] == urn)
    rel = {"parent": {"data": {"type": "folders", "id": f["parent"]}}} if f["parent"] else {}
    return {"type": "folders", "id": urn, "attributes": {
        "name": f["name"], "displayName": f["name"], "createTime": STAMP, "lastModifiedTime": STAMP,
        "objectCount": count, "hidden": False,
        "extension": {"type": "folders:autodesk.bim360:Folder", "version": "1.0"}}, "relationships": rel}


def item_view(fake: FakeApsData, urn: str) -> dict[str, Any]:
    i = fake.items[urn]
    return {"type": "items", "id": urn, "attributes": {
        "displayName": i["name"], "createTime": STAMP, "lastModifiedTime": STAMP, "hidden": False,
        "reserved": False, "extension": {"type": "items:autodesk.bim360:File", "version": "1.0"}},
        "relationships": {"tip": {"data": {"type": "versions", "id": i["versions"][-1]}},
                          "parent": {"data": {"type": "folders", "id": i["folder"]}}}}


def version_view(fake: FakeApsData, urn: str) -> dict[str, Any]:
    v = fake.versions[urn]
    return {"type": "versions", "id": urn, "attributes": {
        "name": v["name"], "displayName": v["name"], "versionNumber": v["number"], "createTime": STAMP,
        "storageSize": fake.objects[v["storage"]].get("size", 0),
        "fileType": v["name"].rsplit(".", 1)[-1].lower(),
        "extension": {"type": "versions:autodesk.bim360:File", "version": "1.0"}},
        "relationships": {"item": {"data": {"type": "items", "id": v["item"]}},
                          "storage": {"data": {"type": "objects", "id": v["storage"]}}}}
