"""Command layer: the options every API-reading command shares (``fetch``, ``build --company/--all``).

Input: an ``argparse`` parser (``add_api_options``) and, after parsing, its namespace.
Output: an ``ApiRequest`` -- settings, token provider, company ids, ``--all`` and filters -- ready for
``reporter.api.fetch.fetch_records``, plus ``mark_success()`` to advance the ``--updated-since last``
clock of the output folder after a run in which nothing failed (the rule of when it may is
``reporter.api.sync_state.plan_sync``).

Token order: ``--token-file`` > ``APS_ACCESS_TOKEN`` > the sign-in store of ``reporter login``
(``reporter.api.tokens.resolve_token_provider``).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.api.settings import MAX_LIST_LIMIT, ApiSettings, QueryFilters, is_company_id
from reporter.api.side_files import SideOptions
from reporter.dates import parse_api_datetime
from reporter.errors import UsageError

if TYPE_CHECKING:
    from reporter.api.fetch import FetchResult
    from reporter.api.tokens import TokenProvider

# ``reporter.api.fetch`` and ``reporter.api.tokens`` (httpx, Authlib: about 0.3 s) and
# ``reporter.api.sync_state`` (hashlib, secrets: 20 ms) are imported only when companies are asked
# of the API: every command parses its arguments through this module, and an offline
# ``reporter build FILE`` never talks to TradeTapp.


def add_api_options(parser: argparse.ArgumentParser) -> None:
    """Add the company selection, list filters and connection options to ``parser``."""
    pick = parser.add_argument_group("which companies")
    pick.add_argument(
        "--company", action="append", default=[], metavar="ID", dest="company_ids",
        help="a company's BuildingConnected id (repeat for several)",
    )
    pick.add_argument("--ids-file", metavar="FILE", help="a file of company ids, one a line (# comments)")
    pick.add_argument("--all", action="store_true", dest="all_", help="every company the list returns")

    filt = parser.add_argument_group("filters (with --all)")
    filt.add_argument(
        "--updated-since", nargs="?", const="last", metavar="ISO|last",
        help="only records updated at or after this time (e.g. 2024-05-01T00:00:00Z); "
        "'last' (or no value): since the last successful run into the same --out folder",
    )
    filt.add_argument("--updated-before", metavar="ISO", help="only records updated before this time")
    filt.add_argument("--unique-id", metavar="X", help="the GC's own id for the subcontractor")
    filt.add_argument(
        "--federal-tax-id", action="append", default=[], metavar="X", dest="federal_tax_ids",
        help="a federal tax id (repeat, or separate with commas)",
    )
    filt.add_argument("--search", metavar="TEXT", help="company or parent name (a regular expression)")
    filt.add_argument(
        "--limit", type=int, default=MAX_LIST_LIMIT, metavar="N",
        help=f"records per list page, 1-{MAX_LIST_LIMIT} (default {MAX_LIST_LIMIT})",
    )

    side = parser.add_argument_group("TradeTapp analysis (fetched with each record)")
    side.add_argument("--no-financials", action="store_true",
                      help="do not read GET /financials/{id} (TradeTapp's analysis of the statements)")
    side.add_argument("--no-flags", action="store_true",
                      help="do not read GET /flags (the risk flags the GC's people raised in TradeTapp)")

    conn = parser.add_argument_group("connection")
    conn.add_argument(
        "--base-url", metavar="URL",
        help="API base URL (default $TRADETAPP_BASE_URL or the Autodesk production URL)",
    )
    conn.add_argument(
        "--gc-company-id", metavar="ID",
        help="for enterprise parent companies: the child GC company to act for",
    )
    conn.add_argument(
        "--token-file", metavar="FILE",
        help="read an access token from FILE (used as is: never refreshed or stored)",
    )


@dataclass
class ApiRequest:
    """What ``fetch_records`` needs, plus where to record a successful incremental run."""

    settings: ApiSettings
    token_provider: TokenProvider
    company_ids: tuple[str, ...] = ()
    all_: bool = False
    filters: QueryFilters | None = None
    out_dir: Path | None = None
    scope: str | None = None
    salt: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    side: SideOptions = field(default_factory=SideOptions)  # --no-financials / --no-flags

    def fetch(self, **kwargs: Any) -> AsyncIterator[FetchResult]:
        """``fetch_records`` for this request (keyword arguments are passed on, e.g. ``transport``)."""
        from reporter.api.fetch import (
            fetch_records,  # here, not at the top: httpx is not needed to parse arguments
        )

        kwargs.setdefault("side", self.side)
        return fetch_records(
            self.settings, self.token_provider, self.company_ids, self.all_, self.filters, **kwargs
        )

    def mark_success(self) -> None:
        """Call after a run in which every company was fetched (and built): advances the clock."""
        if self.all_ and self.out_dir is not None and self.scope is not None:
            from reporter.api import sync_state  # here, not at the top: only an API run has a clock

            sync_state.record_run(self.out_dir, self.scope, self.started_at, salt=self.salt)


def api_request_from_args(args: argparse.Namespace, *, required: bool = True) -> ApiRequest | None:
    """Turn parsed options into an ``ApiRequest``; None when no company was asked for and not
    ``required``. Raises ``UsageError`` for bad values and ``SignInError`` without a token."""
    started_at = datetime.now(UTC)
    ids = list(getattr(args, "company_ids", None) or [])
    if getattr(args, "ids_file", None):
        ids.extend(_read_ids_file(args.ids_file))
    for cid in ids:
        if not is_company_id(cid):
            raise UsageError(f"not a company id: {cid!r}")
    all_ = bool(getattr(args, "all_", False))
    if not ids and not all_:
        if not required:
            return None
        raise UsageError("say which companies: --company ID, --ids-file FILE or --all")

    out_dir = Path(args.out) if getattr(args, "out", None) else None
    settings = ApiSettings.from_env(base_url=args.base_url, gc_company_id=args.gc_company_id or None)
    tax_ids = tuple(t for v in args.federal_tax_ids for t in v.split(",") if t.strip())
    filters = QueryFilters(
        updated_before=_instant(args.updated_before, "--updated-before"),
        unique_id=args.unique_id or None,
        federal_tax_ids=tax_ids,
        search_text=args.search or None,
        limit=args.limit,
    )
    filtered = any(
        (args.updated_since, args.updated_before, args.unique_id, tax_ids, args.search)
    )
    if filtered and not all_:
        raise UsageError("the filters (--updated-since, --search, ...) select from the list: add --all")
    if args.updated_since == "last" and out_dir is None:
        raise UsageError("--updated-since last needs --out DIR (the folder remembers the last run)")
    since = args.updated_since if args.updated_since == "last" else _instant(args.updated_since, "--updated-since")
    from reporter.api import sync_state  # here, not at the top: an offline build reads no clock

    plan = sync_state.plan_sync(out_dir, settings.base_url, settings.gc_company_id, filters, since)
    filters.updated_since = plan.updated_since
    filters.check()  # re-check the range with both bounds known

    return ApiRequest(
        settings=settings,
        token_provider=resolve_token_provider(args),
        company_ids=tuple(dict.fromkeys(ids)),
        all_=all_,
        filters=filters,
        out_dir=out_dir,
        scope=plan.scope,
        salt=plan.salt,
        started_at=started_at,
        side=SideOptions(financials=not getattr(args, "no_financials", False),
                         flags=not getattr(args, "no_flags", False)),
    )


def resolve_token_provider(args: argparse.Namespace) -> TokenProvider:
    """``--token-file``, else ``APS_ACCESS_TOKEN``, else the sign-in store; else ``SignInError``."""
    from reporter.api.tokens import resolve_token_provider as _resolve

    return _resolve(getattr(args, "token_file", None))


def _read_ids_file(name: str) -> list[str]:
    try:
        text = Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--ids-file {name}: cannot read ({exc.strerror or exc})") from None
    ids: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        ids.extend(part.strip() for part in line.replace(",", " ").split() if part.strip())
    if not ids:
        raise UsageError(f"--ids-file {name}: no company ids in it")
    return ids


def _instant(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        value = parse_api_datetime(text)
    except ValueError:
        value = None
    if value is None:
        raise UsageError(
            f"{option}: expected a date or a UTC time such as 2024-05-01 or 2024-05-01T08:00:00Z,"
            f" got {text!r}"
        )
    return value
