"""Batch: what each bidder's packet and each bid-package row price -- the bidder's own bid as the award.

Input: the bid packages of a build (``PackageData``: fetched, saved, or -- for a plain ``reporter
build`` into a folder a bid-package build made -- rebuilt from that folder's manifest and the kept
``sources/bc-project.<id>.json``) and the ``BuildConfig``. Output:

- ``bid_config``: the config with one context per bidder company (``record_contexts``): project
  name, number and end from BuildingConnected unless the command line gave them, the award its
  bid (the leveled total when there is one, else the total) in the project's currency. A company
  that bid on several packages gets ONE packet (qualification is per company) whose award is the
  sum of its bids (what it holds if it wins them all) and whose project line names each
  package's bid; with bids in different currencies, its first bid, and the line says which.
- ``package_configs``: for a company on several packages, one config per (package, company)
  pricing that package's bid alone, for that package's rows (capacity ratios, verdict, reasons).
- ``kept_bid_config``: ``bid_config`` from the folder's earlier ``bidPackages`` (a plain rebuild of
  a bidder keeps its packet's name and checks its own bid; an unchanged record is not rebuilt).
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from reporter.api.bid_package import PackageData
from reporter.config import BuildConfig
from reporter.dates import parse_api_datetime
from reporter.deliver.manifest import FileProblem, read_manifest, read_verified
from reporter.errors import DeliveryError
from reporter.transform.model import ReportContext


def _day(text: Any) -> Any:
    moment = parse_api_datetime(text) if isinstance(text, str) and text else None
    return moment.date() if moment else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def package_title(data: PackageData) -> str:
    pkg = data.package
    return " ".join(str(x) for x in (pkg.get("number"), pkg.get("name")) if x) or data.id or "package"


def _prices(data: PackageData) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for bid in data.bids:
        price = _decimal(bid.get("leveledTotal") if bid.get("leveledTotal") is not None else bid.get("total"))
        if bid.get("bidderCompanyId") and price is not None:
            out[bid["bidderCompanyId"]] = price
    return out


def _currency(config: BuildConfig, data: PackageData) -> str | None:
    return config.context.report_currency or data.project.get("defaultCurrency") or None


def _project(config: BuildConfig, data: PackageData) -> Any:
    given, proj = config.context.project, data.project
    return replace(given, name=given.name or proj.get("name"), number=given.number or proj.get("number"),
                   end=given.end or _day(proj.get("endsAt")))


def package_context(config: BuildConfig, data: PackageData, price: Decimal | None) -> ReportContext:
    """A bidder's context on one package: ``price`` (None: no bid) as the award, in the project's currency."""
    ccy = _currency(config, data)
    project = _project(config, data)
    project = replace(project, value=price, currency=ccy if price is not None else project.currency)
    return replace(config.context, project=project, report_currency=ccy)


def _amount(value: Decimal) -> str:
    return f"{value:,}"


def _combined(config: BuildConfig, bids: list[tuple[PackageData, Decimal | None]]) -> ReportContext:
    """One packet for a company invited to several packages (see the module docstring)."""
    priced = [(d, p) for d, p in bids if p is not None]
    unpriced = [d for d, p in bids if p is None]
    first = priced[0][0] if priced else bids[0][0]
    if not priced:
        return package_context(config, first, None)
    currencies = {_currency(config, d) for d, _ in priced}
    ctx_data = priced[0][0]
    if len(priced) == 1 or len(currencies) > 1:
        ctx = package_context(config, ctx_data, priced[0][1])
        others = [f"{package_title(d)} {_amount(p)} {_currency(config, d) or ''}".rstrip() for d, p in priced[1:]]
        note = f"award = its bid on {package_title(ctx_data)}"
        if others:
            note += "; also bid " + ", ".join(others) + " (not added: another currency)"
        if unpriced:
            note += "; no bid on " + ", ".join(package_title(d) for d in unpriced)
    else:
        total = sum((p for _, p in priced), Decimal(0))
        ctx = package_context(config, ctx_data, total)
        word = "both bids" if len(priced) == 2 else f"its {len(priced)} bids"
        note = f"award = {word}: " + " + ".join(f"{package_title(d)} {_amount(p)}" for d, p in priced) \
            + f" {_currency(config, ctx_data) or ''}".rstrip()
        if unpriced:
            note += "; no bid on " + ", ".join(package_title(d) for d in unpriced)
    name = ctx.project.name
    return replace(ctx, project=replace(ctx.project, name=f"{name} \u00b7 {note}" if name else note))


def _bids_by_company(packages: list[PackageData]) -> dict[str, list[tuple[PackageData, Decimal | None]]]:
    out: dict[str, list[tuple[PackageData, Decimal | None]]] = {}
    for data in packages:
        prices = _prices(data)
        for cid in data.company_ids():
            if not any(d is data for d, _ in out.get(cid, [])):
                out.setdefault(cid, []).append((data, prices.get(cid)))
    return out


def bid_config(packages: list[PackageData], config: BuildConfig) -> BuildConfig:
    """``config`` with each bidder's own context (see the module docstring); the base project is
    the first package's project."""
    base = _project(config, packages[0]) if packages else config.context.project
    contexts: dict[str, ReportContext] = {}
    for cid, bids in _bids_by_company(packages).items():
        contexts[cid] = package_context(config, *bids[0]) if len(bids) == 1 else _combined(config, bids)
    return replace(config, context=replace(config.context, project=base), record_contexts=tuple(contexts.items()))


def package_configs(packages: list[PackageData], config: BuildConfig) -> dict[tuple[str, str], BuildConfig]:
    """``{(package id, company id): config}`` for each company on more than one package: that
    package's bid alone as the award (its rows' capacity ratios and verdict)."""
    plain = replace(config, record_contexts=())
    out = {}
    for cid, bids in _bids_by_company(packages).items():
        if len(bids) > 1:
            for data, price in bids:
                out[(data.id, cid)] = replace(plain, context=package_context(config, data, price))
    return out


def _kept_project(config: BuildConfig, manifest: Any, project_id: Any) -> dict[str, Any]:
    """The BuildingConnected project body a bid-package build kept in ``sources/`` (checked)."""
    for entry in manifest.bid_sources:
        if entry.path == f"sources/bc-project.{project_id}.json":
            try:
                doc = json.loads(read_verified(config.out_dir, entry))
            except (FileProblem, ValueError):
                return {}
            return doc if isinstance(doc, dict) else {}
    return {}


def kept_bid_config(config: BuildConfig) -> BuildConfig:
    """A plain build's config into a folder a bid-package build made: as that build's -- the
    project (name, number, end) from BuildingConnected unless the command line gives it, so the
    packets keep their names, and each bidder its own bid as the award; any other company is
    built with the project but no award. Unchanged for any other folder."""
    try:
        manifest = read_manifest(config.out_dir)
    except DeliveryError:
        return config
    packages = []
    for entry in manifest.bid_packages:
        project = _kept_project(config, manifest, entry.project_id)
        project.setdefault("name", entry.project_name)
        if entry.currency:
            project.setdefault("defaultCurrency", entry.currency)
        rows = [b for b in entry.bidders if b.company_id]
        packages.append(PackageData(
            project, {"id": entry.id, "name": entry.name, "number": entry.number},
            [{"bidderCompany": {"id": b.company_id}} for b in rows],
            [{"bidderCompanyId": b.company_id, "total": b.total, "leveledTotal": b.leveled_total} for b in rows], []))
    return bid_config(packages, config) if packages else config
