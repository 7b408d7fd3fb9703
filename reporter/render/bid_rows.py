"""Render stage: one bid package's rows -- every invite, its price and its risk -- for the award outputs.

Input: a ``PackageData`` (``reporter.api.bid_package``) and, per bidder company, its ``Report`` (or
``None``) plus its manifest facts. Output: a ``PackageView``: one ``BidderRow`` per invite, sorted by
price (priced bids first, cheapest on top; then the unpriced, by name), with the apparent low, the
lowest qualified (cheapest green, else cheapest amber "with conditions"; never red) and the price
difference between them. ``bid-leveling.xlsx``, the award PDF and ``manifest.json``'s
``bidPackages`` all read this one view, so they agree on every row.

``report_facts`` is the ONE place that reads a ``Report``: re-point it when the report model changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from reporter.api.bc_models import BcProject, Bid, BidPackage, Invite
from reporter.api.bid_package import PackageData
from reporter.transform.trades import benchmark_for

PRICED_STATES = ("BID_SUBMITTED", "WON", "LOST")
_GAP_RULES = ("insurance.missing", "insurance.not_applicable", "insurance.below_minimum")


@dataclass
class BidderFacts:
    """What the award outputs need of one bidder's prequalification."""

    verdict: str | None = None  # green | amber | red
    flag_counts: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0})
    top_reasons: list[str] = field(default_factory=list)
    qualification_status: str | None = None
    qualification_expires: date | None = None
    emr: Decimal | None = None
    trir: Decimal | None = None
    trir_trade: Decimal | None = None  # the trade's benchmark TRIR, when known
    capacity: list[tuple[str, Decimal | None]] = field(default_factory=list)  # (label, ratio vs this bid)
    insurance_gaps: list[str] = field(default_factory=list)
    risk_score: Any = None  # TradeTapp's own score, when the report carries one


def report_facts(report: Any, csi_codes: Iterable[Any] = ()) -> BidderFacts:
    """THE adapter: every read of a ``Report`` (``reporter.transform.model``) the bid-package
    outputs make; ``csi_codes`` (the record's ``csiCodesForWorkPerformed``) find its trade's TRIR."""
    flags = list(report.flags)
    counts = {s: sum(1 for f in flags if f.severity == s) for s in ("high", "medium", "low")}
    order = {"high": 0, "medium": 1, "low": 2}
    reasons = [f.message for f in sorted(flags, key=lambda f: order.get(f.severity, 3))][:3]
    q, safety = report.qualification, report.safety
    return BidderFacts(
        verdict=report.verdict, flag_counts=counts, top_reasons=reasons,
        qualification_status=q.status, qualification_expires=q.date_expires_local,
        emr=safety.emr_latest.value if safety.emr_latest else None, trir=safety.three_year.trir,
        trir_trade=benchmark_for(csi_codes).trir,
        capacity=[(c.label, c.ratio) for c in report.capacity],
        insurance_gaps=[f.message for f in flags if f.rule in _GAP_RULES],
        risk_score=_risk_score(report),
    )


def _risk_score(report: Any) -> Any:
    """TradeTapp's risk evaluation score (its own analysis), or ``None`` without one."""
    analysis = getattr(report, "tradetapp", None)
    return getattr(analysis, "risk_evaluation_score", None) if analysis is not None else None


@dataclass
class BidderRow:
    invite_id: str
    company_id: str | None
    company_name: str
    invite_state: str
    total: Decimal | None = None
    leveled_total: Decimal | None = None
    revision: int | None = None
    status: str = ""  # how the row is accounted for, in words
    facts: BidderFacts = field(default_factory=BidderFacts)
    packet: str | None = None  # the packet's PDF path in the folder
    bid: Bid | None = None
    rank: int | None = None  # place by price (priced bids only)
    mark: str = ""  # "apparent low", "lowest qualified", "lowest qualified (with conditions)"
    delta: Decimal | None = None  # to the low bid
    delta_pct: Decimal | None = None

    @property
    def price(self) -> Decimal | None:
        return self.leveled_total if self.leveled_total is not None else self.total

    @property
    def top_reason(self) -> str:
        """Why this row stands where it does: an unpriced invite says so first."""
        first = self.facts.top_reasons[0] if self.facts.top_reasons else ""
        if self.price is None and self.status:
            return f"{self.status[:1].upper()}{self.status[1:]}" + (f"; {first}" if first else "")
        return first or self.status


@dataclass
class PackageView:
    project: BcProject
    package: BidPackage
    currency: str
    rows: list[BidderRow]
    sealed: bool = False
    apparent_low: BidderRow | None = None
    lowest_qualified: BidderRow | None = None

    @property
    def difference(self) -> Decimal | None:
        """What choosing the lowest qualified over the apparent low costs (0 when they are one)."""
        if self.apparent_low is None or self.lowest_qualified is None:
            return None
        return (self.lowest_qualified.price or Decimal(0)) - (self.apparent_low.price or Decimal(0))

    @property
    def title(self) -> str:
        return " ".join(x for x in (self.package.number, self.package.name) if x) or (self.package.id or "")


def _row(invite: Invite, bid: Bid | None, sealed: bool, facts: BidderFacts | None, error: str | None,
         no_record: bool) -> BidderRow:
    row = BidderRow(invite.id or "", invite.company_id, invite.company_name or "(no name)", invite.state or "")
    if bid is not None:
        row.total, row.leveled_total, row.revision, row.bid = bid.total, bid.leveledTotal, bid.revision, bid
    if invite.is_ghost:
        row.status = "not on the Builders Network (no TradeTapp lookup)"
    elif no_record:
        row.status = "not prequalified: no TradeTapp record"
        row.facts = BidderFacts(verdict="red", flag_counts={"high": 1, "medium": 0, "low": 0},
                                top_reasons=["Not prequalified: no TradeTapp record (no award without prequalification)"])
    elif error:
        row.status = f"packet not built: {error}"
    if facts is not None:
        row.facts = facts
    if bid is None:
        if sealed and invite.state in PRICED_STATES:
            row.status = row.status or "bid sealed until the due date"
        elif invite.state == "NOT_BIDDING":
            row.status = row.status or "not bidding"
        elif invite.state in PRICED_STATES:
            row.status = row.status or "no bid found"
        else:
            row.status = row.status or f"no bid ({(invite.state or 'unknown').lower().replace('_', ' ')})"
    return row


def build_view(data: PackageData, facts: dict[str, BidderFacts], errors: dict[str, str],
               packets: dict[str, str], now: datetime | None = None) -> PackageView:
    """The package's rows, sorted and marked (see the module docstring)."""
    project, package = BcProject.model_validate(data.project), BidPackage.model_validate(data.package)
    sealed = package.bids_sealed(project, now or datetime.now(UTC))
    # a sealed package's bids are not shown before its due date, even when the API sent some
    bids = {} if sealed else {b.inviteId: b for b in (Bid.model_validate(x) for x in data.bids)}
    rows = []
    for raw in data.invites:
        invite = Invite.model_validate(raw)
        cid = invite.company_id
        no_record = cid is not None and cid in data.qualifications and data.qualifications[cid] is None
        row = _row(invite, bids.get(invite.id), sealed, facts.get(cid or ""), errors.get(cid or ""), no_record)
        row.packet = packets.get(cid or "")
        rows.append(row)
    priced = sorted((r for r in rows if r.price is not None), key=lambda r: (r.price, r.company_name.casefold()))
    rest = sorted((r for r in rows if r.price is None), key=lambda r: r.company_name.casefold())
    view = PackageView(project, package, project.defaultCurrency or "USD", priced + rest, sealed)
    if priced:
        low = priced[0]
        view.apparent_low = low
        for rank, r in enumerate(priced, start=1):
            r.rank = rank
            r.delta = r.price - low.price  # type: ignore[operator]
            r.delta_pct = (r.delta / low.price * 100).quantize(Decimal("0.1")) if low.price else None
        green = [r for r in priced if r.facts.verdict == "green" and r.company_id]
        amber = [r for r in priced if r.facts.verdict == "amber" and r.company_id]
        view.lowest_qualified = green[0] if green else (amber[0] if amber else None)
        low.mark = "apparent low"
        if view.lowest_qualified is not None:
            tag = "lowest qualified" + ("" if green else " (with conditions)")
            lq = view.lowest_qualified
            lq.mark = f"{lq.mark} + {tag}" if lq.mark else tag
    return view
