"""Deliver stage, where in ACC Docs a built folder is filed: hub, project and folder path.

Input: the folder's ``Manifest``, the ``--acc-hub`` / ``--acc-project`` / ``--folder`` options and a
BuildingConnected reader (``reporter.api.acc_links``). Output: a ``Target`` -- the hub and project
(Data Management ``b.`` ids), the folder path as names (``["Project Files", "Prequalification",
"Electrical"]``) and the bidder-shared Docs folders of that ACC project -- or a one-line
``UsageError`` / ``DeliveryError``.

Bid-package mode: when the manifest lists ``bidPackages`` (each with ``projectId``, and an ``id``
or ``bidPackageId``), the hub and project come from the package's ACC link
(``currentAccLinkedHubId`` / ``currentAccLinkedProjectId``: taken from the manifest entry when it
carries them, else read from BuildingConnected: the package, then its project). ``{package}`` in
``--folder`` is the package's number and name; without a package it is the built folder's name.
Given options win over the link.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from reporter.api.acc_links import AccLink, AccLinksClient, link_of
from reporter.deliver.manifest import Manifest
from reporter.errors import DeliveryError, NotFound, UsageError

_ACC_ID = re.compile(r"^(b\.)?[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_BAD_NAME_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class PackageRef:
    package_id: str | None
    project_id: str | None
    label: str  # "26 00 00 Electrical"
    link: AccLink | None  # when the manifest entry carries it


@dataclass
class Target:
    hub_id: str
    project_id: str
    path: list[str]
    shared: dict[str, str] = field(default_factory=dict)  # bidder-shared folder id -> whose

    @property
    def path_text(self) -> str:
        return "/".join(self.path)


def acc_id(value: str, option: str) -> str:
    """An ACC hub or project id in its Data Management form (``b.`` + UUID)."""
    text = (value or "").strip()
    if not _ACC_ID.match(text):
        raise UsageError(f"{option}: not an ACC id (a UUID, with or without 'b.'): {value!r}")
    return text if text.startswith("b.") else "b." + text


def folder_name(text: str) -> str:
    """A folder name ACC accepts: no ``/ \\ : * ? " < > |`` or control characters, trimmed."""
    name = _BAD_NAME_CHARS.sub("-", text).strip(" .-")
    return name[:120]


def folder_path(template: str, package_label: str) -> list[str]:
    """``--folder`` as a list of names, ``{package}`` filled in; ``UsageError`` when unusable."""
    unknown = set(re.findall(r"\{([^}]*)\}", template)) - {"package"}
    if unknown:
        raise UsageError(f"--folder {template!r}: unknown placeholder {{{sorted(unknown)[0]}}} (only {{package}})")
    parts = [p.strip() for p in template.split("/")]
    names = [folder_name(p.replace("{package}", package_label)) if "{package}" in p else p for p in parts]
    names = [n for n in names if n]
    if not names:
        raise UsageError(f"--folder {template!r}: no folder names in it")
    for n in names[1:]:
        if folder_name(n) != n or n in (".", ".."):
            raise UsageError(f"--folder {template!r}: {n!r} is not a folder name ACC accepts")
    return names


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    to_json = getattr(value, "to_json", None) or getattr(value, "model_dump", None)
    return to_json() if callable(to_json) else value


def bid_packages(manifest: Manifest) -> list[PackageRef]:
    """The bid packages a folder was built from (``bidPackages``, typed or not); none without."""
    typed = [p.to_json() for p in manifest.bid_packages]  # the README's shape, camelCase keys
    raw: Any = typed or manifest.extra.get("bidPackages")
    if isinstance(raw, dict):
        raw = list(raw.values()) if all(isinstance(v, dict) for v in raw.values()) else [raw]
    out: list[PackageRef] = []
    for entry in raw if isinstance(raw, list) else []:
        entry = _plain(entry)
        if not isinstance(entry, dict):
            continue
        pid = next((entry[k] for k in ("bidPackageId", "id", "packageId") if isinstance(entry.get(k), str)), None)
        project = entry.get("projectId") if isinstance(entry.get("projectId"), str) else None
        words: list[str] = [v for k in ("number", "name") if isinstance(v := entry.get(k), str) and v]
        if not words and isinstance(entry.get("bidPackageName"), str):
            words = [entry["bidPackageName"]]
        hub, acc = entry.get("currentAccLinkedHubId"), entry.get("currentAccLinkedProjectId")
        link = AccLink(acc_id(hub, "bidPackages"), acc_id(acc, "bidPackages")) \
            if isinstance(hub, str) and isinstance(acc, str) and _ACC_ID.match(hub) and _ACC_ID.match(acc) else None
        if pid or project:
            out.append(PackageRef(pid, project, " ".join(words) or pid or project or "", link))
    return out


async def package_link(bc: AccLinksClient, ref: PackageRef) -> AccLink | None:
    """The ACC link of a package: from the manifest, else the package, else its project."""
    if ref.link:
        return ref.link
    project_id = ref.project_id
    if ref.package_id:
        try:
            package = await bc.bid_package(ref.package_id)
        except NotFound:
            package = None
        if package is not None:
            link = link_of(package)
            if link:
                return link
            project_id = project_id or package.projectId
    if project_id:
        return link_of(await bc.project(project_id))
    return None


async def resolve_target(manifest: Manifest, folder: Path, bc: AccLinksClient, *, hub: str | None,
                         project: str | None, template: str) -> Target:
    """Where to file ``folder``, and which folders of that ACC project bidders can see."""
    if bool(hub) != bool(project):
        raise UsageError("give both --acc-hub and --acc-project (or neither, for a bid package linked to ACC)")
    packages = bid_packages(manifest)
    label = " & ".join(p.label for p in packages if p.label) or Path(folder).resolve().name
    if hub and project:
        hub_id, project_id = acc_id(hub, "--acc-hub"), acc_id(project, "--acc-project")
    elif packages:
        links = {p.label: await package_link(bc, p) for p in packages}
        missing = [name for name, link in links.items() if link is None]
        if missing:
            raise DeliveryError(f"bid package {missing[0]} is not linked to an ACC project in BuildingConnected: "
                                "link it, or give --acc-hub and --acc-project")
        found = {link for link in links.values() if link is not None}
        if len(found) > 1:
            raise DeliveryError("the bid packages of this folder are linked to different ACC projects: "
                                "give --acc-hub and --acc-project")
        link = found.pop()
        hub_id, project_id = link.hub_id, link.project_id
    else:
        raise UsageError(f"{folder}: not built from a bid package: say where to file it with "
                         "--acc-hub ID --acc-project ID")
    path = folder_path(template, folder_name(label) or "Prequalification")
    return Target(hub_id, project_id, path, await bc.shared_folders(project_id))
