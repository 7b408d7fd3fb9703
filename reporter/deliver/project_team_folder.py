"""Deliver stage: the project team of a built bid-package folder, read from what the build kept.

Input: a folder built by ``reporter build --bid-package`` (its ``manifest.json`` ``bidPackages`` and
``sources/bc-project.<projectId>.json``, ``sources/bc-bid-package.<id>.json``,
``sources/bc-team.<projectId>.page-<n>.json``: BuildingConnected's own bodies). Output:
``TeamRecipients`` over every project of the folder (``reporter.deliver.project_team``); a one-line
``DeliveryError`` when the folder has no bid package or its team was not kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reporter.deliver.manifest import read_manifest
from reporter.deliver.project_team import TeamRecipients, team_recipients
from reporter.errors import DeliveryError
from reporter.jsonio import loads_exact

SOURCES = "sources"


def _read(path: Path) -> Any:
    try:
        return loads_exact(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"{path}: missing (rebuild the folder with 'reporter build --bid-package')") from None
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise DeliveryError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None


def project_team_of(folder: Path, *, include_external: bool = False) -> TeamRecipients:
    manifest = read_manifest(folder)
    if not manifest.bid_packages:
        raise DeliveryError(f"{folder}: --project-team needs a folder built with --bid-package (no bidPackages)")
    src = folder / SOURCES
    projects: dict[str, list[tuple[str, str | None]]] = {}
    for pkg in manifest.bid_packages:
        package = _read(src / f"bc-bid-package.{pkg.id}.json")
        projects.setdefault(str(pkg.project_id), []).append((str(pkg.id), package.get("leadUserId")))
    out = TeamRecipients()
    for pid, packages in projects.items():
        project = _read(src / f"bc-project.{pid}.json")
        pages = sorted(src.glob(f"bc-team.{pid}.page-*.json"))
        if not pages:
            raise DeliveryError(f"{src}: no bc-team.{pid}.page-1.json (the project team was not kept)")
        members = [m for p in pages for m in (_read(p).get("results") or [])]
        owner = (project.get("company") or {}).get("id") if isinstance(project, dict) else None
        got = team_recipients(members, owner_company_id=owner, packages=packages, include_external=include_external)
        out.addresses += [a for a in got.addresses if a.lower() not in {x.lower() for x in out.addresses}]
        out.notes += got.notes
    return out
