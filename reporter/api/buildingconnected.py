"""Fetch stage, online: the client of the BuildingConnected API (v2, plus v3 projects and team).

Input: a v2 base URL (``BUILDINGCONNECTED_BASE_URL`` / ``--bc-base-url``, default the Autodesk
production URL), a ``TokenProvider`` and ids. Output: raw response bodies decoded with
``loads_exact`` -- the project (v3), bid packages, every invite of a package (all pages), the latest
bid revision of each bidder with its ``lineItems``/``plugs`` pages all fetched and merged, and the
project team (v3 ``project-team-members``).

``BuildingConnectedClient`` is a thin ``ApiClient`` (``reporter.api.http``): the host check, rate
limit, 429/5xx retries, relative ``nextUrl`` and redaction all live there. Its base URL is the
parent of ``/v2`` (``.../buildingconnected``) so one client -- one rate limit, one token -- serves
the v2 and v3 paths, and a paging link anywhere else is refused.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import quote

from reporter.api.http import ApiClient, Limits
from reporter.api.paging import has_next
from reporter.api.settings import check_base_url
from reporter.errors import ServerError, UsageError

DEFAULT_BC_BASE_URL = "https://developer.api.autodesk.com/construction/buildingconnected/v2"
BC_BASE_URL_ENV = "BUILDINGCONNECTED_BASE_URL"
NESTED = (("lineItems", "line-items"), ("plugs", "plugs"))


def bc_base_url(given: str | None = None) -> str:
    """The v2 base URL: ``given``, else ``$BUILDINGCONNECTED_BASE_URL``, else the default."""
    base = check_base_url(given or os.environ.get(BC_BASE_URL_ENV) or DEFAULT_BC_BASE_URL, "--bc-base-url")
    if not base.endswith("/v2"):
        raise UsageError(f"--bc-base-url must end in /v2 (v3 calls replace it with /v3), got {base!r}")
    return base


def check_id(value: str, what: str) -> str:
    """A BuildingConnected object id (24 hex characters), or a one-line ``UsageError``."""
    text = (value or "").strip().lower()
    if len(text) != 24 or any(c not in "0123456789abcdef" for c in text):
        raise UsageError(f"not a BuildingConnected {what} id (24 hex characters): {value!r}")
    return text


class BuildingConnectedClient(ApiClient):
    """Async BuildingConnected client; ``async with BuildingConnectedClient(base, tokens) as bc``."""

    service = "BuildingConnected"
    user_agent = "reporter (BuildingConnected bid packages)"

    def __init__(self, base_url: str, token_provider: Any, *, limits: Limits | None = None, **kwargs: Any) -> None:
        v2 = bc_base_url(base_url)
        super().__init__(v2[: -len("/v2")], token_provider, limits=limits, **kwargs)

    async def _object(self, path: str, what: str) -> dict[str, Any]:
        body = await self.get_json(path, what=what)
        if not isinstance(body, dict):
            raise ServerError(f"BuildingConnected sent something other than an object for {what}")
        return body

    async def _all(self, path: str, params: dict[str, str], what: str) -> list[dict[str, Any]]:
        return [i async for i in self.iter_items(path, params, what=what) if isinstance(i, dict)]

    async def get_project(self, project_id: str) -> dict[str, Any]:
        """``GET /v3/projects/{id}``."""
        pid = check_id(project_id, "project")
        return await self._object(f"/v3/projects/{pid}", f"project {pid}")

    async def get_bid_package(self, package_id: str) -> dict[str, Any]:
        """``GET /v2/bid-packages/{id}``."""
        pkid = check_id(package_id, "bid package")
        return await self._object(f"/v2/bid-packages/{pkid}", f"bid package {pkid}")

    async def list_bid_packages(self, project_id: str) -> list[dict[str, Any]]:
        """Every bid package of a project (all pages)."""
        pid = check_id(project_id, "project")
        return await self._all("/v2/bid-packages", {"filter[projectId]": pid, "limit": "100"},
                               f"the bid packages of project {pid}")

    async def list_invites(self, package_id: str) -> list[dict[str, Any]]:
        """Every invite of a bid package (all pages)."""
        pkid = check_id(package_id, "bid package")
        return await self._all("/v2/invites", {"filter[bidPackageId]": pkid, "limit": "100"},
                               f"the invites of bid package {pkid}")

    async def list_latest_bids(self, package_id: str) -> list[dict[str, Any]]:
        """The latest revision of each bidder's bid, line items and plugs complete."""
        pkid = check_id(package_id, "bid package")
        bids = await self._all("/v2/bids", {"filter[bidPackageId]": pkid, "onlyLatestRevision": "true",
                                            "limit": "100"}, f"the bids of bid package {pkid}")
        await asyncio.gather(*(self._complete(b) for b in bids))
        return bids

    async def list_team(self, project_id: str) -> list[dict[str, Any]]:
        """The project's team (v3), external members included (the caller decides who is mailed)."""
        pid = check_id(project_id, "project")
        return await self._all("/v3/project-team-members",
                               {"filter[projectId]": pid, "includeExternal": "true", "limit": "100"},
                               f"the team of project {pid}")

    async def _complete(self, bid: dict[str, Any]) -> None:
        bid_id = bid.get("id")
        for key, sub in NESTED:
            nested = bid.get(key)
            if not isinstance(nested, dict):
                continue
            items = list(nested.get("results") or [])
            if has_next(nested.get("pagination") if isinstance(nested.get("pagination"), dict) else {}):
                if not isinstance(bid_id, str):
                    raise ServerError(f"a bid without an id has more {key} to fetch")
                first = True
                async for page in self.iter_pages(f"/v2/bids/{quote(bid_id, safe='')}/{sub}", {"limit": "100"},
                                                  what=f"{key} of bid {bid_id}", first=nested):
                    if not first:
                        items.extend(page.get("results") or [])
                    first = False
            bid[key] = {"pagination": {"limit": None, "cursorState": None, "nextUrl": None,
                                       "totalResults": len(items)}, "results": items}
