"""Fetch stage: one BuildingConnected bid package and its bidders' TradeTapp files, online or saved.

Input: a ``BuildingConnectedClient`` and a ``TradeTappClient`` plus bid package (or project) ids --
or a folder saved by ``reporter fetch --bid-package`` / ``samples/bid-package/`` (layout in
``samples/README.md``). Output: ``PackageData`` -- the raw project, package, invites, latest bids
(one per invite) and team, and per bidder company its TradeTapp qualification (``None`` after a
404), financials and flags bodies -- and ``save_package`` writing exactly that layout.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.api.side_files import FINANCIALS_SUFFIX, FLAGS_SUFFIX
from reporter.errors import InputError, NotFound, ReporterError
from reporter.fsio import atomic_write
from reporter.jsonio import dumps_exact, loads_exact

if TYPE_CHECKING:  # the clients are only passed in: reading a saved folder needs no HTTP library
    from reporter.api.buildingconnected import BuildingConnectedClient
    from reporter.api.tradetapp import TradeTappClient

NOT_FOUND = {"notFound": True, "status": 404}
_PAGE = re.compile(r"^bc-(invites|bids|team)\.([0-9a-f]{24})\.page-(\d+)\.json$")


@dataclass
class PackageData:
    """Everything one bid package's award needs, as the two APIs sent it."""

    project: dict[str, Any]
    package: dict[str, Any]
    invites: list[dict[str, Any]]
    bids: list[dict[str, Any]]  # the latest revision per invite
    team: list[dict[str, Any]]
    qualifications: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # None: 404
    financials: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, ReporterError] = field(default_factory=dict)  # company id -> TradeTapp failure

    @property
    def id(self) -> str:
        return str(self.package.get("id") or "")

    def company_ids(self) -> list[str]:
        """Each invited Builders Network company once, in invite order (ghosts have none)."""
        ids = [(i.get("bidderCompany") or {}).get("id") for i in self.invites]
        return list(dict.fromkeys(c for c in ids if isinstance(c, str) and c))


def latest_bids(bids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The highest ``revision`` per invite (what ``onlyLatestRevision=true`` returns online)."""
    def revision(bid: dict[str, Any]) -> int:
        rev = bid.get("revision")
        return rev if isinstance(rev, int) else -1

    best: dict[Any, dict[str, Any]] = {}
    for bid in bids:
        key = bid.get("inviteId") or bid.get("id")
        was = best.get(key)
        if was is None or revision(bid) >= revision(was):
            best[key] = bid
    return list(best.values())


# -- online ------------------------------------------------------------------------------------


async def package_ids_of_project(bc: BuildingConnectedClient, project_id: str) -> list[str]:
    """The published bid packages of a project (``--bc-project``)."""
    packages = await bc.list_bid_packages(project_id)
    return [p["id"] for p in packages if p.get("state") == "PUBLISHED" and isinstance(p.get("id"), str)]


async def fetch_package(bc: BuildingConnectedClient, tt: TradeTappClient, package_id: str,
                        projects: dict[str, dict[str, Any]] | None = None) -> PackageData:
    """The package, its project (cached in ``projects``), invites, latest bids, team and TradeTapp files."""
    import asyncio  # here, not at the top: the build command's options are parsed without it

    from reporter.api.buildingconnected import check_id  # with the client: HTTP is in use already

    package = await bc.get_bid_package(check_id(package_id, "bid package"))
    pid = check_id(str(package.get("projectId") or ""), "project")
    projects = projects if projects is not None else {}
    if pid not in projects:
        projects[pid] = await bc.get_project(pid)
    invites, bids, team = await asyncio.gather(bc.list_invites(package["id"]), bc.list_latest_bids(package["id"]),
                                               bc.list_team(pid))
    data = PackageData(projects[pid], package, invites, latest_bids(bids), team)
    await asyncio.gather(*(_fetch_company(tt, data, cid) for cid in data.company_ids()))
    return data


async def _fetch_company(tt: TradeTappClient, data: PackageData, cid: str) -> None:
    try:
        data.qualifications[cid] = await tt.get_qualification(cid)
    except NotFound:
        data.qualifications[cid] = None
        return
    except ReporterError as exc:
        data.errors[cid] = exc
        return
    try:
        data.financials[cid] = await tt.get_json(f"/financials/{cid}", what=f"financials of company {cid}")
    except NotFound as exc:
        data.financials[cid] = {**NOT_FOUND, "detail": str(exc)}
    except ReporterError as exc:  # as a plain fetch: a side call that fails fails the company
        data.qualifications.pop(cid, None)
        data.errors[cid] = exc
        return
    try:
        data.flags[cid] = await tt.get_json("/flags", {"filter[company.id]": cid, "include": "stateHistory",
                                                       "limit": "100"}, what=f"flags of company {cid}")
    except ReporterError as exc:
        data.qualifications.pop(cid, None)
        data.financials.pop(cid, None)
        data.errors[cid] = exc


# -- saved -------------------------------------------------------------------------------------


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"pagination": {"limit": 100, "cursorState": None, "nextUrl": None}, "results": items}


def save_package(data: PackageData, out: Path) -> list[Path]:
    """Write ``data`` in the ``samples/bid-package/`` layout; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    pid, pkid = data.project["id"], data.id
    files: dict[str, Any] = {
        f"bc-project.{pid}.json": data.project, f"bc-bid-package.{pkid}.json": data.package,
        f"bc-invites.{pkid}.page-1.json": _page(data.invites), f"bc-bids.{pkid}.page-1.json": _page(data.bids),
        f"bc-team.{pid}.page-1.json": _page(data.team),
    }
    for cid, raw in data.qualifications.items():
        files[f"{cid}.json"] = raw if raw is not None else {
            **NOT_FOUND, "detail": f"No qualification found for company {cid}."}
    for cid, body in data.financials.items():
        files[f"{cid}{FINANCIALS_SUFFIX}"] = body
    for cid, body in data.flags.items():
        files[f"{cid}{FLAGS_SUFFIX}"] = body
    written = []
    for name, body in files.items():
        atomic_write(out / name, (dumps_exact(body) + "\n").encode("utf-8"))
        written.append(out / name)
    return written


def is_package_dir(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("bc-bid-package.*.json"))


def _read(path: Path) -> Any:
    try:
        return loads_exact(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: missing (a saved bid package needs it)") from None
    except (OSError, UnicodeDecodeError, ValueError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None


def _pages(folder: Path, kind: str, ident: str) -> list[dict[str, Any]]:
    found = sorted((int(m.group(3)), p) for p in folder.iterdir()
                   if (m := _PAGE.match(p.name)) and m.group(1) == kind and m.group(2) == ident)
    items: list[dict[str, Any]] = []
    for _, path in found:
        body = _read(path)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise InputError(f"{path}: not a BuildingConnected list page (no results list)")
        items.extend(i for i in body["results"] if isinstance(i, dict))
    return items


def _merge_nested(folder: Path, bid: dict[str, Any]) -> None:
    for key, sub in (("lineItems", "line-items"), ("plugs", "plugs")):
        given = bid.get(key)
        items = list((given.get("results") if isinstance(given, dict) else None) or [])
        for path in sorted(folder.glob(f"bc-bid.{bid.get('id')}.{sub}.page-*.json"),
                           key=lambda p: int(p.name.rsplit("page-", 1)[1].split(".")[0])):
            items.extend((_read(path) or {}).get("results") or [])
        bid[key] = _page(items)


def load_package_dir(folder: Path) -> list[PackageData]:
    """Every bid package saved in ``folder``, with its bidders' TradeTapp files; no network."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    out = []
    for pkg_path in sorted(folder.glob("bc-bid-package.*.json")):
        package = _read(pkg_path)
        if not isinstance(package, dict) or not isinstance(package.get("id"), str):
            raise InputError(f"{pkg_path}: not a BuildingConnected bid package")
        pid = str(package.get("projectId") or "")
        project = _read(folder / f"bc-project.{pid}.json")
        bids = latest_bids(_pages(folder, "bids", package["id"]))
        for bid in bids:
            _merge_nested(folder, bid)
        data = PackageData(project, package, _pages(folder, "invites", package["id"]), bids,
                           _pages(folder, "team", pid))
        for cid in data.company_ids():
            _load_company(folder, data, cid)
        out.append(data)
    if not out:
        raise InputError(f"{folder}: no saved bid package in it (bc-bid-package.<id>.json)")
    return out


def _load_company(folder: Path, data: PackageData, cid: str) -> None:
    path = folder / f"{cid}.json"
    if not path.exists():
        data.errors[cid] = InputError(f"{path}: missing (no TradeTapp record saved for company {cid})")
        return
    raw = _read(path)
    data.qualifications[cid] = None if isinstance(raw, dict) and raw.get("notFound") else raw
    for suffix, target in ((FINANCIALS_SUFFIX, data.financials), (FLAGS_SUFFIX, data.flags)):
        side = folder / f"{cid}{suffix}"
        if side.exists():
            target[cid] = _read(side)
