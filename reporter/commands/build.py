"""`reporter build`: saved records and/or records fetched from TradeTapp, to packets.

Input: CLI options (``INPUT`` files, ``--company``/``--ids-file``/``--all`` with filters).
Output: files in ``--out`` with ``manifest.json``; exit status 0 (all built or unchanged),
1 (some failed), 2 (usage error). A plain build into a folder a bid-package build made keeps the
folder's bid data (``reporter.batch_bid_prices.kept_bid_config``, ``deliver.manifest_bids_kept``)
and notes each award recommendation that a rebuilt packet has made out of date.
"""

from __future__ import annotations

import logging
import os

from reporter.collector import imports_paused
from reporter.commands.api_options import add_api_options, api_request_from_args
from reporter.commands.bid_package import add_bid_options, package_data_from_args, wants_bid_packages
from reporter.errors import UsageError
from reporter.render import layout_process
from reporter.render.options import DEFAULT_FORMATS, DEFAULT_VARIANT, FORMATS, PDF_VARIANTS, parse_formats
from reporter.render.pdf import start_layout_process

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
    g.add_argument("--project-value", metavar="AMOUNT", help='award to check capacity against, with its ISO currency ("2500000 USD": converted per record with --fx-rates); a bare number is in the report currency (--currency, else each record\'s own)')
    g.add_argument("--project-currency", metavar="ISO", help="ISO 4217 currency of a bare --project-value")
    g.add_argument("--gc-backlog", metavar="FILE", help="CSV of this GC's own backlog with each sub (companyId or uniqueId, amount, currency) for the internal total limit")
    g.add_argument("--project-end", metavar="DATE", help="project end: insurance and qualification must outlast it")
    g.add_argument("--show-tax-id", action="store_true", help="print tax ids in full (masked to the last 4 by default)")
    g.add_argument("--rules", metavar="FILE", help="screening rules (TOML) overriding the default thresholds and severities")
    r = p.add_argument_group("render")
    r.add_argument("--formats", default=",".join(DEFAULT_FORMATS), help=f"comma list of {','.join(FORMATS)} (default {','.join(DEFAULT_FORMATS)})")
    r.add_argument("--pdf-variant", default=DEFAULT_VARIANT, help=f"PDF variant (default {DEFAULT_VARIANT}; 'none' for a plain PDF)")
    r.add_argument("--page-size", choices=("a4", "letter"), default=None,
                   help="PDF page size (default from --locale: letter for en_US and en_CA, a4 elsewhere)")
    r.add_argument("--logo", metavar="FILE", help="logo image for page one")
    r.add_argument("--style", metavar="FILE", help="extra CSS applied after the bundled styles")
    r.add_argument("--templates", metavar="DIR",
                   help="folder of Jinja templates that replace the bundled ones of the same name "
                   "(packet.html.j2, page_one.html.j2, macros.html.j2, sections/<key>.html.j2; "
                   "award.html.j2 for a bid package's award recommendation)")


def register(sub, common) -> None:
    p = sub.add_parser(
        "build",
        parents=[common],
        help="build prequalification packets",
        description="Build a PDF packet and an Excel workbook for each qualification record, "
        "from saved JSON files and/or straight from TradeTapp.",
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="saved record JSON files (one record or a list page), or a saved bid package folder")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_report_options(p)
    b = p.add_argument_group("batch")
    b.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: the number of cores, or of records when fewer)")
    b.add_argument("--force", action="store_true", help="rebuild packets whose source record is unchanged")
    b.add_argument("--name-pattern", metavar="PATTERN",
                   help="file names, from {companyName} {companyId} {uniqueId} {projectNumber} {projectName} {asOf} "
                   "(default {companyName}_{companyId}; with a project {projectNumber}_{companyName}_PreQual_{asOf})")
    add_api_options(p)
    add_bid_options(p, build=True)
    p.set_defaults(func=run)


def default_jobs(args) -> int:
    """The cores, or the records when saved files hold fewer (``reporter.batch_size``): one
    record is built in this process, with its layout process, not by a pool of workers."""
    cores = os.cpu_count() or 1
    if (not args.inputs or len(args.inputs) >= cores or args.company_ids or args.ids_file or args.all_
            or wants_bid_packages(args)):
        return cores
    from reporter.batch_size import records_in

    return max(1, min(cores, records_in(args.inputs, at_most=cores)))


def run(args) -> int:
    jobs = args.jobs if args.jobs is not None else default_jobs(args)
    if jobs == 1 and (wants_bid_packages(args) or {"pdf", "html"} & set(_formats_or_none(args.formats))):
        start_layout_process()  # WeasyPrint imported in a second process meanwhile (one job only)
    try:
        return _run(args, jobs)
    finally:
        layout_process.stop()


def _formats_or_none(text: str) -> tuple[str, ...]:
    try:
        return parse_formats(text)
    except UsageError:  # said by the build itself (``build_config_from_args``)
        return ()


def _run(args, jobs: int) -> int:
    with imports_paused():  # most of what a build imports (reporter.collector: a faster start)
        import asyncio

        from reporter.batch import make_pool, run_batch
        from reporter.batch_sources import all_sources
        from reporter.config import build_config_from_args
        from reporter.deliver.naming import NamePattern
        from reporter.progress import Progress

    if args.pdf_variant not in PDF_VARIANTS:
        raise UsageError(f"--pdf-variant: unknown variant {args.pdf_variant!r}; choose from {', '.join(PDF_VARIANTS)}")
    if jobs < 1:
        raise UsageError("--jobs: at least 1")
    config = build_config_from_args(args)
    if wants_bid_packages(args) and (args.company_ids or args.ids_file or args.all_):
        raise UsageError("build: a bid package chooses the companies; leave out --company/--ids-file/--all")
    packages = package_data_from_args(args) if wants_bid_packages(args) else None
    if packages is not None:  # imported here, not at the top: the award PDF and bid-leveling workbook need openpyxl
        from reporter.batch_bid_prices import bid_config
        from reporter.bid_batch import build_bid_packages

        config = bid_config(packages, config)
    else:  # into a folder a bid-package build made: each bidder keeps its own bid as the award
        from reporter.batch_bid_prices import kept_bid_config

        config = kept_bid_config(config)
    names = NamePattern.for_config(config, args.name_pattern)
    request = None if packages is not None else api_request_from_args(args, required=False)
    if not args.inputs and request is None and packages is None:
        raise UsageError("build: give INPUT files, or --company ID / --ids-file FILE / --all to fetch from TradeTapp")
    # One record a file until a list page says otherwise; unknown ahead of an API listing.
    total = len(args.inputs) if args.inputs and request is None else None
    pool = make_pool(jobs)
    bar = Progress(not args.quiet)
    try:
        if packages is not None:
            outcome = asyncio.run(build_bid_packages(packages, config, jobs=jobs, force=args.force, names=names,
                                                     progress=bar, pool=pool)).batch
        else:
            outcome = asyncio.run(
                run_batch(all_sources(args.inputs, request, config.context.show_tax_id), config, jobs=jobs,
                          force=args.force, names=names, progress=bar, total=total, pool=pool)
            )
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if request is not None and outcome.ok:
        request.mark_success()
    if packages is None:
        _say_outdated_awards(config.out_dir)
    summary = outcome.summary(config.out_dir)
    if outcome.failures() or outcome.manifest_error:
        log.warning("%s", summary)
        if outcome.manifest_error:
            log.error("reporter: error: %s", outcome.manifest_error)
        return 1
    log.info("%s", summary)
    return 0


def _say_outdated_awards(out_dir) -> None:
    """After a plain build into a bid-package folder: a note per award recommendation made before a
    bidder's packet was rebuilt (the award keeps what it showed; a bid-package build refreshes it)."""
    from reporter.deliver.manifest import read_manifest
    from reporter.deliver.manifest_bids_kept import outdated_awards
    from reporter.errors import DeliveryError

    try:
        manifest = read_manifest(out_dir)
    except DeliveryError:
        return
    for line in outdated_awards(manifest):
        log.warning("note: %s", line)
