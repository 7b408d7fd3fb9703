"""`reporter build INPUT... --out DIR`: saved records (or, later, the API) to packets.

Input: CLI options. Output: files in ``--out`` and exit status 0 (all built), 1 (some failed),
2 (usage error).
"""

from __future__ import annotations

import logging

from reporter.config import DEFAULT_FORMATS, FORMATS, build_config_from_args
from reporter.errors import UsageError
from reporter.pipeline import build_files
from reporter.render.pdf import DEFAULT_VARIANT

log = logging.getLogger("reporter")


def add_report_options(p) -> None:
    """Options that shape the report (shared by every command that builds one)."""
    g = p.add_argument_group("report")
    g.add_argument("--as-of", metavar="DATE", help="day expiries are judged against (default: today)")
    g.add_argument("--timezone", default="UTC", metavar="TZ", help="IANA zone for displayed dates (default UTC)")
    g.add_argument("--locale", default="en_US", help="number and currency formatting locale (default en_US)")
    g.add_argument("--currency", metavar="ISO", help="convert every amount to this ISO 4217 currency")
    g.add_argument("--fx-rates", metavar="FILE", help="rates table (CSV date,base,quote,rate or JSON) for --currency")
    g.add_argument("--project-name", help="project the award is for")
    g.add_argument("--project-number", help="project number (file names, headers)")
    g.add_argument("--project-value", metavar="AMOUNT", help="award amount to check capacity against")
    g.add_argument("--project-end", metavar="DATE", help="project end: insurance and qualification must outlast it")
    g.add_argument("--show-tax-id", action="store_true", help="print tax ids in full (masked to the last 4 by default)")
    r = p.add_argument_group("render")
    r.add_argument("--formats", default=",".join(DEFAULT_FORMATS), help=f"comma list of {','.join(FORMATS)} (default {','.join(DEFAULT_FORMATS)})")
    r.add_argument("--pdf-variant", default=DEFAULT_VARIANT, help=f"PDF variant (default {DEFAULT_VARIANT}; 'none' for a plain PDF)")
    r.add_argument("--logo", metavar="FILE", help="logo image for page one")
    r.add_argument("--style", metavar="FILE", help="extra CSS applied after the bundled styles")


def register(sub, common) -> None:
    p = sub.add_parser(
        "build",
        parents=[common],
        help="build prequalification packets",
        description="Build a PDF packet and an Excel workbook for each qualification record.",
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="saved record JSON files (one record or a list page)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_report_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if not args.inputs:
        raise UsageError("build: give at least one INPUT file")
    from reporter.render.pdf import variants

    if args.pdf_variant not in variants():
        raise UsageError(f"--pdf-variant: unknown variant {args.pdf_variant!r}; choose from {', '.join(variants())}")
    config = build_config_from_args(args)
    items = build_files(args.inputs, config)
    failed = [i for i in items if i["status"] != "ok"]
    ok = len(items) - len(failed)
    summary = f"built {ok} of {len(items)} into {config.out_dir}"
    if failed:
        summary += f"; {len(failed)} failed: " + ", ".join(i["companyName"] or i["input"] for i in failed)
    if failed:
        log.warning(summary)
    else:
        log.info(summary)
    return 1 if failed else 0
