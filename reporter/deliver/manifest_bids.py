"""Deliver stage: the manifest's ``bidPackages`` records (one per BuildingConnected bid package).

Input: a bid package's view once its bidders are built (``reporter.bid_batch``), or the JSON a manifest
holds. Output: typed ``BidPackageEntry`` / ``BidderEntry`` values and their JSON, exactly the keys the
README documents; ``reporter.deliver.manifest`` reads and writes them with the rest of the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_PACKAGE_KEYS = ("id", "name", "number", "projectId", "projectName", "currency", "bidsDueAt", "apparentLow",
                 "lowestQualified", "bidders")


_BIDDER_KEYS = ("inviteId", "companyId", "companyName", "inviteState", "total", "leveledTotal", "verdict", "packet")


@dataclass
class BidderEntry:
    """One invite of a bid package: money as decimal strings, ``companyId`` None for a ghost."""

    invite_id: str | None
    company_id: str | None = None
    company_name: str | None = None
    invite_state: str | None = None
    total: str | None = None
    leveled_total: str | None = None
    verdict: str | None = None
    packet: str | None = None  # the bidder's packet PDF, relative to the folder
    # A later plain ``reporter build`` rebuilt the bidder's packet and its verdict is no longer the
    # one the award recommendation shows (``verdict``): the packet's verdict now.
    rebuilt_verdict: str | None = None

    def to_json(self) -> dict[str, Any]:
        values = (self.invite_id, self.company_id, self.company_name, self.invite_state, self.total,
                  self.leveled_total, self.verdict, self.packet)
        doc = dict(zip(_BIDDER_KEYS, values, strict=True))
        if self.rebuilt_verdict is not None:
            doc["rebuiltVerdict"] = self.rebuilt_verdict
        return doc

    @classmethod
    def from_json(cls, obj: Any) -> BidderEntry:
        obj = obj if isinstance(obj, dict) else {}
        rebuilt = obj.get("rebuiltVerdict")
        v = [obj.get(k) for k in _BIDDER_KEYS]
        return cls(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], rebuilt if isinstance(rebuilt, str) else None)


@dataclass
class BidPackageEntry:
    """One BuildingConnected bid package of the folder (``apparentLow``/``lowestQualified``: company ids)."""

    id: str | None
    name: str | None = None
    number: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    currency: str | None = None
    bids_due_at: str | None = None
    apparent_low: str | None = None
    lowest_qualified: str | None = None
    bidders: list[BidderEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        values = (self.id, self.name, self.number, self.project_id, self.project_name, self.currency,
                  self.bids_due_at, self.apparent_low, self.lowest_qualified, [b.to_json() for b in self.bidders])
        return dict(zip(_PACKAGE_KEYS, values, strict=True))

    @classmethod
    def from_json(cls, obj: Any) -> BidPackageEntry:
        obj = obj if isinstance(obj, dict) else {}
        bidders = obj.get("bidders") if isinstance(obj.get("bidders"), list) else []
        fields = {k: obj.get(k) for k in _PACKAGE_KEYS[:-1]}
        return cls(fields["id"], fields["name"], fields["number"], fields["projectId"], fields["projectName"],
                   fields["currency"], fields["bidsDueAt"], fields["apparentLow"], fields["lowestQualified"],
                   [BidderEntry.from_json(b) for b in bidders])
