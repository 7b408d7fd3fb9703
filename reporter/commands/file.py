"""`reporter file DIR`: file a built folder's packets into the project's ACC Docs folder.

Input: a folder written by ``reporter build``; ``--acc-hub`` / ``--acc-project`` (or, for a folder
built from a bid package, its ACC link in BuildingConnected), ``--folder``, ``--dry-run``,
``--aps-base-url`` / ``--bc-base-url``, ``--token-file``. Output: one line per file created, versioned
(or, with ``--dry-run``, skipped too), one line on stderr per file that failed (the others are still
filed), and a summary line; the ACC ids recorded in the manifest (and the failures, in
``accFilingErrors``). Exit 0 all filed, 1 a file failed or the run stopped (one line why: a refusal
to write, a folder that cannot be made, ACC down; a re-run files only what is missing), 2 a usage
error or a refused (bidder-shared) folder. The work is ``reporter.deliver.acc_filing``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from reporter.api.settings import UPLOAD_SCOPES
from reporter.batch_lock import FolderLock
from reporter.commands.api_options import resolve_token_provider
from reporter.deliver.acc_records import DEFAULT_FOLDER
from reporter.errors import UsageError

log = logging.getLogger("reporter")


def register(sub, common) -> None:
    p = sub.add_parser(
        "file", parents=[common],
        help="file a built folder's packets into the project's ACC Docs folder",
        description="Upload every file the manifest lists (packets, workbooks, leveling, the manifest) into "
        "ACC Docs through APS Data Management: a first version, or a new version of the item with the same "
        f"name; unchanged files are skipped. Needs a sign-in with the scopes data:read {UPLOAD_SCOPES} "
        "('reporter login --acc-upload'). Never files into a Docs folder BuildingConnected shares with bidders.",
    )
    p.add_argument("folder", metavar="DIR", help="a folder written by 'reporter build'")
    p.add_argument("--acc-hub", metavar="ID", help="the ACC hub (account) id, with or without 'b.'")
    p.add_argument("--acc-project", metavar="ID",
                   help="the ACC project id (default for a bid-package folder: the package's ACC link)")
    p.add_argument("--folder", dest="acc_folder", default=DEFAULT_FOLDER, metavar="PATH",
                   help=f"the folder path in ACC Docs, from a top folder (default {DEFAULT_FOLDER!r}; "
                   "{package}: the bid package, else the built folder's name)")
    p.add_argument("--dry-run", action="store_true", help="list what would be created, versioned or skipped")
    p.add_argument("--aps-base-url", metavar="URL",
                   help="APS base URL (default $APS_BASE_URL or https://developer.api.autodesk.com)")
    p.add_argument("--bc-base-url", metavar="URL",
                   help="BuildingConnected base URL (default $BUILDINGCONNECTED_BASE_URL or the Autodesk URL)")
    p.add_argument("--token-file", metavar="FILE",
                   help="read an access token from FILE (used as is: never refreshed or stored)")
    p.set_defaults(func=run)


def run(args) -> int:
    # Imported here, not at the top: every command is imported to parse the arguments, and filing
    # pulls in httpx (start-up cost of every other command).
    from reporter.deliver.acc_filing import CREATE, SKIP, VERSION, FilingRequest, file_folder

    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder (give a folder written by 'reporter build')")
    request = FilingRequest(folder, hub=args.acc_hub, project=args.acc_project, folder_template=args.acc_folder,
                            dry_run=args.dry_run, aps_base_url=args.aps_base_url, bc_base_url=args.bc_base_url)
    tokens = resolve_token_provider(args)
    say = (lambda line: None) if args.quiet else (lambda line: print(line, flush=True))

    def fail(line: str) -> None:
        log.error("reporter: %s", line)

    import asyncio  # here, not at the top: parsing every command's options stays quick

    if args.dry_run:
        outcome = asyncio.run(file_folder(request, tokens, say=say, fail=fail))
    else:
        with FolderLock(folder):
            outcome = asyncio.run(file_folder(request, tokens, say=say, fail=fail))
    t, failed = outcome.target, len(outcome.failed)
    verb = "would file" if args.dry_run else "filed"
    summary = (f"{verb} {len(outcome.planned) - failed} of {len(outcome.planned)} files in {t.path_text} "
               f"(ACC project {t.project_id}): {outcome.count(CREATE)} new, {outcome.count(VERSION)} new versions, "
               f"{outcome.count(SKIP)} unchanged")
    if failed:
        log.error("%s, %d failed (listed above and in the manifest's accFilingErrors); run 'reporter file %s' "
                  "again to file them", summary, failed, folder)
        return 1
    if not args.quiet:
        print(summary)
    return 0
