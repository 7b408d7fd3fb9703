"""Fetch stage, the small BuildingConnected read that filing into ACC Docs needs.

Input: the BuildingConnected base URL (``--bc-base-url``, else ``BUILDINGCONNECTED_BASE_URL``,
else the Autodesk production URL; a ``.../v2`` or ``.../v3`` suffix is the API root's version) and
a ``TokenProvider``. Output: ``BcProject`` / ``BidPackage`` models: the projects and bid packages
linked to one ACC project (``filter[currentAccLinkedProjectId]``, closed projects included), one
bid package, one project -- and from them ``AccLink`` (hub and project of a package's ACC link) and
the bidder-shared Docs folder ids (``currentAccDocsFolderId``) that packets must never land in.

Kept small on ``ApiClient`` so it can be folded into the full BuildingConnected client later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from reporter.api.bc_models import BcProject, BidPackage
from reporter.api.http import ApiClient

DEFAULT_BC_BASE_URL = "https://developer.api.autodesk.com/construction/buildingconnected/v2"
BC_BASE_URL_ENV = "BUILDINGCONNECTED_BASE_URL"


def bc_root_url(given: str | None = None) -> str:
    """The API root (without ``/v2`` or ``/v3``) of ``given``, else the env, else the default."""
    base = (given or os.environ.get(BC_BASE_URL_ENV) or DEFAULT_BC_BASE_URL).strip().rstrip("/")
    for suffix in ("/v2", "/v3"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def bare_uuid(ident: str) -> str:
    """An ACC id as BuildingConnected holds it: without the Data Management ``b.`` prefix."""
    return ident[2:] if ident.startswith("b.") else ident


@dataclass(frozen=True)
class AccLink:
    hub_id: str  # Data Management form: "b." + UUID
    project_id: str


def link_of(obj: BcProject | BidPackage) -> AccLink | None:
    hub, project = obj.currentAccLinkedHubId, obj.currentAccLinkedProjectId
    if not hub or not project:
        return None
    return AccLink("b." + bare_uuid(hub), "b." + bare_uuid(project))


class AccLinksClient(ApiClient):
    """``async with AccLinksClient(bc_root_url(), tokens) as bc: await bc.shared_folders(project)``."""

    service = "BuildingConnected"

    async def linked_projects(self, acc_project_id: str) -> list[BcProject]:
        params = {"filter[currentAccLinkedProjectId]": bare_uuid(acc_project_id), "includeClosed": "true",
                  "limit": "100"}
        return [BcProject.model_validate(p) async for p in self.iter_items(
            "/v3/projects", params, what="the BuildingConnected projects linked to the ACC project")]

    async def linked_packages(self, acc_project_id: str) -> list[BidPackage]:
        params = {"filter[currentAccLinkedProjectId]": bare_uuid(acc_project_id), "limit": "100"}
        return [BidPackage.model_validate(p) async for p in self.iter_items(
            "/v2/bid-packages", params, what="the bid packages linked to the ACC project")]

    async def bid_package(self, package_id: str) -> BidPackage:
        return BidPackage.model_validate(await self.get_json(f"/v2/bid-packages/{package_id}",
                                                             what=f"bid package {package_id}"))

    async def project(self, project_id: str) -> BcProject:
        return BcProject.model_validate(await self.get_json(f"/v3/projects/{project_id}",
                                                            what=f"project {project_id}"))

    async def shared_folders(self, acc_project_id: str) -> dict[str, str]:
        """``{folder id: what shares it}`` for every project and bid package linked to the ACC
        project: their Docs folders are shared with bidders."""
        shared: dict[str, str] = {}
        for p in await self.linked_projects(acc_project_id):
            if p.currentAccDocsFolderId:
                shared[p.currentAccDocsFolderId] = f"project {p.name or p.id}"
        for k in await self.linked_packages(acc_project_id):
            if k.currentAccDocsFolderId:
                shared.setdefault(k.currentAccDocsFolderId, f"bid package {k.name or k.id}")
        return shared
