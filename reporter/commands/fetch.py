"""`reporter fetch`: download complete qualification records and save them as JSON.

Input: the API options (``api_options``) and ``--out DIR``.
With ``--bid-package ID`` / ``--bc-project ID``: the BuildingConnected answers (project, package,
invites, bids, team) in their own shapes beside the bidders' TradeTapp files, as
``reporter.api.bid_package.save_package`` lays them out (``reporter build DIR`` rebuilds offline).
Output: one ``DIR/<companyId>.json`` per company, in the API's own shape (what ``reporter build``
reads), written atomically with exact numbers; one line on stderr per company that failed. Exit 0
when every company was saved, 1 when any failed (the others are still saved). A fully successful
``--all`` run advances the folder's ``--updated-since last`` clock. Like ``reporter build``, a fetch
holds the folder's run lock (``reporter.batch_lock``) while it writes: a second run into the same
folder (a fetch or a build) stops at once with exit 2, and a dead run's lock is taken over.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from reporter.batch_lock import FolderLock
from reporter.commands.api_options import ApiRequest, add_api_options, api_request_from_args
from reporter.commands.bid_package import add_bid_options, run_fetch
from reporter.errors import UsageError


def register(sub, common) -> None:
    p = sub.add_parser(
        "fetch",
        parents=[common],
        help="download qualification records from TradeTapp as JSON",
        description="Download complete TradeTapp qualification records (all office addresses and "
        "custom questions) and save each as DIR/<companyId>.json.",
    )
    add_api_options(p)
    add_bid_options(p, build=False)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the JSON files")
    p.set_defaults(func=run)


def run(args) -> int:
    bid = bool(args.bid_packages or args.bc_projects)
    request = None if bid else api_request_from_args(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, expected a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    with FolderLock(out):  # one run per folder, as for build: no build cleans up our .part files
        if request is None:
            return run_fetch(args)
        return _fetch_records(args, request, out)


def _fetch_records(args, request: ApiRequest, out: Path) -> int:
    import asyncio  # here, not at the top: parsing every command's options stays quick
    saved, failed = asyncio.run(fetch_into(request, out, quiet=args.quiet))
    if failed == 0:
        request.mark_success()
    if not args.quiet:
        tail = f", {failed} failed" if failed else ""
        print(f"saved {saved} record{'s' if saved != 1 else ''} to {out}{tail}")
    return 1 if failed else 0


async def fetch_into(request: ApiRequest, out: Path, *, quiet: bool = False, **fetch_kwargs: Any) -> tuple[int, int]:
    """Fetch and save every record of ``request`` (``reporter.api.fetch.save_fetched``), saying
    each failure on one stderr line; return (saved, failed)."""
    saved = failed = repeats = 0
    from reporter.api.fetch import save_fetched  # lazily: see api_options (httpx at start-up)

    async for outcome in save_fetched(request.fetch(**fetch_kwargs), out, check=not quiet):
        if outcome.ok:
            saved += 1
            if outcome.warning:
                print(f"reporter: warning: saved, but 'reporter build' will refuse it: {outcome.warning}",
                      file=sys.stderr)
            continue
        failed += 1
        if outcome.repeat:  # one sign-in failure ends every later company: say it once
            repeats += 1
            continue
        print(f"reporter: failed: {outcome.name}: {outcome.problem}", file=sys.stderr)
    if repeats:
        print(f"reporter: failed: {repeats} more for the same reason", file=sys.stderr)
    return saved, failed
