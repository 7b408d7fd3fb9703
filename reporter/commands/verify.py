"""`reporter verify DIR`: re-check every file of a built folder against its manifest.

Input: a folder. Output: one line per problem and a summary; exit 0 when all files are intact, 1
otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("reporter")


def register(sub, common) -> None:
    p = sub.add_parser("verify", parents=[common], help="re-check a built folder's files against its manifest")
    p.add_argument("folder", metavar="DIR")
    p.set_defaults(func=run)


def run(args) -> int:
    # Imported here, not at the top: every command's parser is built each run, and only this one
    # reads a manifest back.
    from reporter.deliver.manifest import read_manifest
    from reporter.deliver.verify import unlisted_files, verify_folder

    manifest = read_manifest(Path(args.folder))
    checked, problems = verify_folder(Path(args.folder), manifest)
    for p in problems:
        log.error("%s", p)
    extra = unlisted_files(Path(args.folder), manifest)
    if extra:  # not a failure: the listed files are what was built; these are beside them
        shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
        log.warning("note: %d file(s) in %s not listed in the manifest: %s", len(extra), args.folder, shown)
    if problems:
        log.error("%d of %d files failed verification in %s", len(problems), checked, args.folder)
        return 1
    log.info("%d files verified in %s", checked, args.folder)
    return 0
