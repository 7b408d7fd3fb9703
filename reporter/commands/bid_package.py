"""Command layer: ``build``/``fetch`` options for BuildingConnected bid packages, and their runs.

Input: parsed options -- ``--bid-package ID`` (repeatable), ``--bc-project ID`` (every published
package), ``--bid-package-dir DIR`` or an ``INPUT`` folder saved by ``reporter fetch
--bid-package``, ``--bc-base-url`` -- plus the TradeTapp connection options. Output: the packages'
``PackageData`` (fetched through ``BuildingConnectedClient`` and ``TradeTappClient`` with one token,
or read from the saved folder with no network), built by ``reporter.bid_batch`` or saved by
``save_package``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reporter.api.bid_package import (
    PackageData,
    fetch_package,
    is_package_dir,
    load_package_dir,
    package_ids_of_project,
    save_package,
)
from reporter.api.settings import ApiSettings
from reporter.commands.api_options import resolve_token_provider
from reporter.errors import UsageError


def add_bid_options(p, *, build: bool) -> None:
    g = p.add_argument_group("BuildingConnected bid packages")
    g.add_argument("--bid-package", action="append", default=[], metavar="ID", dest="bid_packages",
                   help="a BuildingConnected bid package: a packet per bidder, bid-leveling.xlsx and an "
                   "award recommendation (repeat for several)")
    g.add_argument("--bc-project", action="append", default=[], metavar="ID", dest="bc_projects",
                   help="every published bid package of a BuildingConnected project")
    if build:
        g.add_argument("--bid-package-dir", action="append", default=[], metavar="DIR", dest="bid_package_dirs",
                       help="a folder saved by 'reporter fetch --bid-package' (no network)")
    g.add_argument("--bc-base-url", metavar="URL",
                   help="BuildingConnected v2 base URL (default $BUILDINGCONNECTED_BASE_URL or the Autodesk URL)")


def wants_bid_packages(args: Any) -> bool:
    dirs = list(getattr(args, "bid_package_dirs", []) or [])
    dirs += [i for i in getattr(args, "inputs", []) or [] if is_package_dir(Path(i))]
    return bool(args.bid_packages or args.bc_projects or dirs)


def saved_dirs(args: Any) -> list[Path]:
    dirs = [Path(d) for d in getattr(args, "bid_package_dirs", []) or []]
    return dirs + [Path(i) for i in getattr(args, "inputs", []) or [] if is_package_dir(Path(i))]


def package_data_from_args(args: Any) -> list[PackageData]:
    """Saved folders first (no network), then the packages fetched online."""
    packages: list[PackageData] = []
    for folder in saved_dirs(args):
        packages.extend(load_package_dir(folder))
    other = [i for i in getattr(args, "inputs", []) or [] if not is_package_dir(Path(i))]
    if other and packages:
        raise UsageError(f"build: a saved bid package folder cannot be mixed with record files ({other[0]})")
    if args.bid_packages or args.bc_projects:
        import asyncio  # here, not at the top: parsing every command's options stays quick
        packages.extend(asyncio.run(fetch_packages(args)))
    return packages


def _clients(args: Any) -> tuple[Any, Any]:
    """The BuildingConnected and TradeTapp clients (imported here: httpx only when fetching)."""
    from reporter.api.buildingconnected import BuildingConnectedClient, bc_base_url
    from reporter.api.tradetapp import TradeTappClient, limits_of

    tokens = resolve_token_provider(args)
    settings = ApiSettings.from_env(base_url=args.base_url, gc_company_id=args.gc_company_id or None)
    bc = BuildingConnectedClient(bc_base_url(args.bc_base_url), tokens, limits=limits_of(settings))
    return bc, TradeTappClient(settings, tokens)


async def fetch_packages(args: Any, **client_kwargs: Any) -> list[PackageData]:
    from reporter.api.buildingconnected import check_id

    ids = [check_id(i, "bid package") for i in args.bid_packages]
    projects = [check_id(i, "project") for i in args.bc_projects]
    bc, tt = _clients(args)
    async with bc, tt:
        for pid in projects:
            found = await package_ids_of_project(bc, pid)
            if not found:
                raise UsageError(f"--bc-project {pid}: no published bid package in it")
            ids.extend(found)
        cache: dict[str, dict[str, Any]] = {}
        out = []
        for pkid in dict.fromkeys(ids):
            out.append(await fetch_package(bc, tt, pkid, cache))
        return out


def run_fetch(args: Any) -> int:
    """``reporter fetch --bid-package ID --out DIR``: the BuildingConnected answers and TradeTapp files."""
    import asyncio  # here, not at the top: parsing every command's options stays quick

    out = Path(args.out)
    packages = asyncio.run(fetch_packages(args))
    written = 0
    for data in packages:
        written += len(save_package(data, out))
    failed = sum(len(d.errors) for d in packages)
    if not args.quiet:
        print(f"saved {len(packages)} bid package{'s' if len(packages) != 1 else ''} ({written} files) to {out}"
              + (f", {failed} TradeTapp record{'s' if failed != 1 else ''} failed" if failed else ""))
    return 1 if failed else 0
