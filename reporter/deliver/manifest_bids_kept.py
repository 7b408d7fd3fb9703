"""Deliver stage: the bid-package part of ``manifest.json`` kept across later runs into the folder.

Input: a built folder (its earlier manifest) and the ``Manifest`` a later run is about to write.
Output: ``previous_bids`` -- the earlier ``bidPackages``, ``bidLeveling``, ``awardRecommendations``
and ``bidPackageSources``, each listed file kept only while it is exactly as listed (SHA-256), read
once when the run starts -- and ``carry_bids``, which puts them into the new manifest, so a plain
``reporter build`` into a folder a bid-package build made keeps the award decision listed (and
``reporter verify`` / ``send`` / ``file`` still see it). Each bidder row keeps what the award
recommendation shows; its ``packet`` follows the company's packet as now listed (``null`` once none
is), and once a later run rebuilt that packet (a changed record or settings: its source
fingerprint differs from the earlier run's) ``rebuiltVerdict`` says the packet's verdict now, and
keeps saying it until a bid-package build makes the award again.
A bid-package build replaces all of it with its own (``reporter.bid_batch``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reporter.deliver.manifest import FileEntry, FileProblem, Manifest, read_manifest, read_verified
from reporter.deliver.manifest_bids import BidPackageEntry
from reporter.errors import DeliveryError


@dataclass
class KeptBids:
    """What a later run keeps of the folder's bid-package records."""

    packages: list[BidPackageEntry] = field(default_factory=list)
    leveling: FileEntry | None = None
    awards: dict[str, FileEntry] = field(default_factory=dict)
    sources: list[FileEntry] = field(default_factory=list)
    packet_sources: dict[str, Any] = field(default_factory=dict)  # company id -> its packet's fingerprint then

    def __bool__(self) -> bool:
        return bool(self.packages)


def _intact(folder: Path, entry: FileEntry | None) -> bool:
    if entry is None:
        return False
    try:
        read_verified(folder, entry)
    except FileProblem:
        return False
    return True


def previous_bids(out_dir: Path) -> KeptBids:
    """The earlier manifest's bid-package records whose files are intact (none without a manifest)."""
    try:
        earlier = read_manifest(out_dir)
    except DeliveryError:
        return KeptBids()
    if not earlier.bid_packages:
        return KeptBids()
    return KeptBids(
        packages=earlier.bid_packages,
        leveling=earlier.bid_leveling if _intact(out_dir, earlier.bid_leveling) else None,
        awards={k: e for k, e in earlier.awards.items() if _intact(out_dir, e)},
        sources=[e for e in earlier.bid_sources if _intact(out_dir, e)],
        packet_sources={i.company_id: i.source for i in earlier.items if i.ok and i.company_id},
    )


def carry_bids(kept: KeptBids, manifest: Manifest) -> None:
    """Put ``kept`` into ``manifest`` (which lists this run's items), each bidder row pointing at the
    company's packet as listed now."""
    if not kept:
        return
    listed = {i.company_id: i for i in manifest.items if i.ok and i.company_id}
    packages = []
    for pkg in kept.packages:
        rows = []
        for row in pkg.bidders:
            item = listed.get(row.company_id) if row.company_id else None
            pdf = item.files.get("pdf") if item is not None else None
            packet = pdf.path if pdf is not None and isinstance(pdf.path, str) else None
            rebuilt = row.rebuilt_verdict
            if item is not None and (rebuilt is not None or item.source != kept.packet_sources.get(item.company_id or "")):
                rebuilt = item.verdict or rebuilt
            rows.append(replace(row, packet=packet if row.company_id else row.packet, rebuilt_verdict=rebuilt))
        packages.append(replace(pkg, bidders=rows))
    manifest.bid_packages = packages
    manifest.bid_leveling = kept.leveling
    manifest.awards = dict(kept.awards)
    manifest.bid_sources = list(kept.sources)


def outdated_awards(manifest: Manifest) -> list[str]:
    """One line per bid package whose award recommendation predates a rebuilt bidder packet (what
    the command says after a plain build)."""
    lines = []
    for pkg in manifest.bid_packages:
        changed = [f"{b.company_name or b.company_id} ({b.verdict} on the award, packet {b.rebuilt_verdict} now)"
                   for b in pkg.bidders if b.rebuilt_verdict]
        if changed:
            title = " ".join(x for x in (pkg.number, pkg.name) if x) or pkg.id or "?"
            lines.append(f"the award recommendation of bid package {title} predates the rebuilt packet of "
                         + ", ".join(changed) + f"; run 'reporter build --bid-package {pkg.id}' (or the saved "
                         "package folder) into this folder to refresh it")
    return lines
