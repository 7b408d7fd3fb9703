"""`reporter fetch`: download complete qualification records and save them as JSON.

Input: the API options (``api_options``) and ``--out DIR``.
Output: one ``DIR/<companyId>.json`` per company, in the API's own shape (what ``reporter build``
reads), written atomically with exact numbers; one line on stderr per company that failed. Exit 0
when every company was saved, 1 when any failed (the others are still saved). A fully successful
``--all`` run advances the folder's ``--updated-since last`` clock.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from reporter.api.saved import validate_record
from reporter.api.sync_state import save_record
from reporter.commands.api_options import ApiRequest, add_api_options, api_request_from_args
from reporter.errors import InputError, ReporterError, UsageError


def register(sub, common) -> None:
    p = sub.add_parser(
        "fetch",
        parents=[common],
        help="download qualification records from TradeTapp as JSON",
        description="Download complete TradeTapp qualification records (all office addresses and "
        "custom questions) and save each as DIR/<companyId>.json.",
    )
    add_api_options(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the JSON files")
    p.set_defaults(func=run)


def run(args) -> int:
    request = api_request_from_args(args)
    assert request is not None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, expected a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    saved, failed = asyncio.run(fetch_into(request, out, quiet=args.quiet))
    if failed == 0:
        request.mark_success()
    if not args.quiet:
        tail = f", {failed} failed" if failed else ""
        print(f"saved {saved} record{'s' if saved != 1 else ''} to {out}{tail}")
    return 1 if failed else 0


async def fetch_into(request: ApiRequest, out: Path, *, quiet: bool = False, **fetch_kwargs) -> tuple[int, int]:
    """Fetch and save every record of ``request``; return (saved, failed)."""
    saved = failed = repeats = 0
    last_error: ReporterError | None = None
    async for result in request.fetch(**fetch_kwargs):
        name = result.company_id or "the qualification list"
        if result.error is None:
            assert result.raw is not None
            try:
                save_record(result.raw, out)
            except (InputError, OSError) as exc:
                failed += 1
                print(f"reporter: failed: {name}: cannot save: {exc}", file=sys.stderr)
                continue
            saved += 1
            if not quiet:
                _warn_if_unbuildable(result.raw, name)
            continue
        failed += 1
        if result.error is last_error:  # one sign-in failure ends every later company: say it once
            repeats += 1
            continue
        last_error = result.error
        print(f"reporter: failed: {name}: {result.error}", file=sys.stderr)
    if repeats:
        print(f"reporter: failed: {repeats} more for the same reason", file=sys.stderr)
    return saved, failed


def _warn_if_unbuildable(raw: dict, name: str) -> None:
    try:
        validate_record(raw, name)
    except InputError as exc:
        print(f"reporter: warning: saved, but 'reporter build' will refuse it: {exc}", file=sys.stderr)
