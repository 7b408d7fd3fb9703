"""Batch: BuildingConnected bid packages to packets, ``bid-leveling.xlsx`` and award recommendations.

Input: ``PackageData`` (fetched or saved: ``reporter.api.bid_package``), a ``BuildConfig`` and the
batch options. Output: one packet per bidder company (``run_batch``), built with that bidder's
own price as the award value in the project's currency (``reporter.batch_bid_prices``: a company
on several packages gets one packet whose award is the sum of its bids); ``DIR/bid-leveling.xlsx``;
``DIR/<package>_award-recommendation.pdf`` per package; and ``manifest.json``'s ``bidPackages``
(every invite once), ``bidLeveling`` and ``awardRecommendations``. Each package's rows read that
package's bid alone: for a company on several packages, a transform-only report per package.
Returns the ``BatchOutcome`` with the ``PackageView``s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from reporter.api.bid_package import PackageData
from reporter.api.side_files import SideDocs
from reporter.batch import BatchOutcome, run_batch
from reporter.batch_bid_prices import bid_config, package_configs
from reporter.batch_task import SOURCES_DIR, Fetched, report_only
from reporter.config import BuildConfig
from reporter.dates import format_iso
from reporter.deliver.files import slugify as slug
from reporter.deliver.manifest import (
    FileEntry,
    Item,
    read_manifest,
    write_in_folder,
    write_manifest,
)
from reporter.deliver.manifest_bids import BidderEntry, BidPackageEntry
from reporter.jsonio import dumps_exact
from reporter.render.award import render_award
from reporter.render.bid_leveling import render_bid_leveling
from reporter.render.bid_rows import BidderFacts, PackageView, build_view, report_facts

BID_LEVELING = "bid-leveling.xlsx"


@dataclass
class BidOutcome:
    batch: BatchOutcome
    views: list[PackageView] = field(default_factory=list)


def _side(data: PackageData, cid: str) -> SideDocs:
    """The company's financials and the GC's flags as the package fetched or saved them."""
    return SideDocs(data.financials.get(cid), data.flags.get(cid),
                    f"TradeTapp financials of company {cid}", f"TradeTapp flags of company {cid}")


async def _sources(packages: list[PackageData]) -> AsyncIterator[tuple[str, Any]]:
    seen: set[str] = set()
    for data in packages:
        for cid in data.company_ids():
            if cid in seen:
                continue
            seen.add(cid)
            raw = data.qualifications.get(cid)
            if raw is not None:  # with its financials and the GC's flags, as a plain fetch has them
                yield f"TradeTapp {cid}", Fetched(raw, _side(data, cid))
            elif cid in data.errors:
                err = data.errors[cid]
                err.company_id = cid  # type: ignore[attr-defined]
                yield f"TradeTapp {cid}", err


def _package_facts(packages: list[PackageData], config: BuildConfig, ok: set[str]) -> dict[str, dict[str, BidderFacts]]:
    """``{package id: {company id: facts}}`` for each company built on several packages: its report
    with that package's bid alone as the award (transform only; the packet is not rendered again)."""
    out: dict[str, dict[str, BidderFacts]] = {}
    for (pkid, cid), cfg in package_configs(packages, config).items():
        data = next(d for d in packages if d.id == pkid)
        raw = data.qualifications.get(cid)
        if cid not in ok or not isinstance(raw, dict):
            continue
        report = report_only(raw, f"TradeTapp {cid}", cfg, _side(data, cid))
        if report is not None:
            out.setdefault(pkid, {})[cid] = report_facts(report, _csi(packages, cid))
    return out


def _csi(packages: list[PackageData], cid: str) -> list[Any]:
    for data in packages:
        raw = data.qualifications.get(cid)
        if isinstance(raw, dict) and isinstance(raw.get("csiCodesForWorkPerformed"), list):
            return raw["csiCodesForWorkPerformed"]
    return []


def _item_facts(item: Item) -> BidderFacts:
    counts = item.flag_counts or {"high": 0, "medium": 0, "low": 0}
    return BidderFacts(verdict=item.verdict, flag_counts=dict(counts), top_reasons=list(item.top_flags or []),
                       qualification_status=item.qualification_status)


async def build_bid_packages(packages: list[PackageData], config: BuildConfig, **batch: Any) -> BidOutcome:
    """Build every bidder's packet, then the package outputs (see the module docstring)."""
    config = bid_config(packages, config)
    outcome = await run_batch(_sources(packages), config, **batch)
    items = {i.company_id: i for i in outcome.items if i.company_id}
    facts: dict[str, BidderFacts] = {}
    errors: dict[str, str] = {}
    packets: dict[str, str] = {}
    for cid, item in items.items():
        if not item.ok:
            errors[cid] = item.error or "failed"
            continue
        report = outcome.reports.get(cid)
        facts[cid] = report_facts(report, _csi(packages, cid)) if report is not None else _item_facts(item)
        pdf = item.files.get("pdf") or next(iter(item.files.values()), None)
        if pdf is not None and isinstance(pdf.path, str):
            packets[cid] = pdf.path
    for data in packages:
        for cid, err in data.errors.items():
            errors.setdefault(cid, str(err))
    now = config.context.generated_at
    per_package = _package_facts(packages, config, set(facts))
    views = [build_view(d, {**facts, **per_package.get(d.id, {})}, errors, packets, now=now) for d in packages]
    _write_outputs(config, views, _keep_sources(config.out_dir, packages))
    return BidOutcome(outcome, views)


def award_name(view: PackageView) -> str:
    base = slug(" ".join(x for x in (view.package.number, view.package.name) if x) or view.package.id or "package")
    return f"{base}_award-recommendation.pdf"


def _keep_sources(out: Any, packages: list[PackageData]) -> list[FileEntry]:
    """The project, package and team as BuildingConnected sent them, in ``sources/`` (``send
    --project-team`` reads the team from there)."""
    kept = []
    for data in packages:
        pid = data.project.get("id")
        page = {"pagination": {"limit": 100, "cursorState": None, "nextUrl": None}, "results": data.team}
        for name, body in ((f"bc-project.{pid}.json", data.project), (f"bc-bid-package.{data.id}.json", data.package),
                           (f"bc-team.{pid}.page-1.json", page)):
            kept.append(write_in_folder(out, f"{SOURCES_DIR}/{name}", (dumps_exact(body) + "\n").encode("utf-8")))
    return kept


def _write_outputs(config: BuildConfig, views: list[PackageView], sources: list[FileEntry]) -> None:
    out = config.out_dir
    leveling = write_in_folder(out, BID_LEVELING, render_bid_leveling(views, config.context))
    awards = {}
    for view in views:
        pdf = render_award(view, config)
        awards[view.package.id or ""] = write_in_folder(out, award_name(view), pdf)
    manifest = read_manifest(out)
    manifest.bid_packages = [package_entry(v) for v in views]
    manifest.bid_leveling = leveling
    manifest.awards = awards
    manifest.bid_sources = sources
    write_manifest(out, manifest)


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def package_entry(view: PackageView) -> BidPackageEntry:
    p, proj = view.package, view.project
    due = p.bidsDueAt or proj.bidsDueAt
    return BidPackageEntry(
        id=p.id, name=p.name, number=p.number, project_id=proj.id, project_name=proj.name, currency=view.currency,
        bids_due_at=format_iso(due) if due else None,
        apparent_low=view.apparent_low.company_id if view.apparent_low else None,
        lowest_qualified=view.lowest_qualified.company_id if view.lowest_qualified else None,
        bidders=[BidderEntry(r.invite_id, r.company_id, r.company_name, r.invite_state, _money(r.total),
                             _money(r.leveled_total), r.facts.verdict, r.packet) for r in view.rows],
    )
