"""The saved bid package in samples/bid-package/: every file is a valid API body of its kind and the
folder holds the cases the award flow must meet (ghost, no TradeTapp record, not bidding, a red
apparent low, a revised bid), with realistic amounts."""

from __future__ import annotations

from pathlib import Path

from reporter.api.bc_models import BcProject, BidPackage, BidPage, InvitePage, TeamMemberPage
from reporter.api.models import Qualification
from reporter.api.side_files import side_files_for
from reporter.jsonio import loads_exact

FOLDER = Path(__file__).resolve().parent.parent / "samples" / "bid-package"


def _load(pattern):
    files = sorted(FOLDER.glob(pattern), key=lambda p: (len(p.name), p.name))
    assert files, pattern
    return [loads_exact(p.read_text(encoding="utf-8")) for p in files]


def test_bid_package_sample_is_complete_and_consistent():
    (project,) = [BcProject.model_validate(d) for d in _load("bc-project.*.json")]
    (package,) = [BidPackage.model_validate(d) for d in _load("bc-bid-package.*.json")]
    assert package.projectId == project.id and project.defaultCurrency == "USD"
    invite_pages = [InvitePage.model_validate(d) for d in _load(f"bc-invites.{package.id}.page-*.json")]
    assert invite_pages[0].pagination.has_next and not invite_pages[-1].pagination.has_next
    invites = [i for p in invite_pages for i in p.results]
    assert len(invites) == 6 and all(i.bidPackageId == package.id for i in invites)
    bids = [b for d in _load(f"bc-bids.{package.id}.page-*.json") for b in BidPage.model_validate(d).results]
    latest = {}
    for b in bids:
        if b.inviteId not in latest or b.revision > latest[b.inviteId].revision:
            latest[b.inviteId] = b
    assert sorted(b.revision for b in bids).count(1) == 1 and len(bids) == len(latest) + 1
    ghost = [i for i in invites if i.is_ghost]
    assert len(ghost) == 1 and ghost[0].placeholderCompanyName and ghost[0].id not in latest
    assert any(i.state == "NOT_BIDDING" and i.id not in latest for i in invites)
    prices = {i.company_id: latest[i.id].price for i in invites if i.id in latest}
    assert all(abs(p / package.estimatedCost - 1) <= 0.15 for p in prices.values())
    low = min(prices, key=prices.get)
    records, missing = {}, []
    for cid in (i.company_id for i in invites if not i.is_ghost):
        raw = loads_exact((FOLDER / f"{cid}.json").read_text(encoding="utf-8"))
        if raw.get("notFound"):
            missing.append(cid)
            assert raw["status"] == 404 and not (FOLDER / f"{cid}.financials.json").exists()
            continue
        records[cid] = Qualification.model_validate(raw)
        side = side_files_for(FOLDER / f"{cid}.json", cid)
        assert side.flags is not None and (side.financials is not None or side.financials_not_found)
    assert len(missing) == 1 and missing[0] in prices  # it bid, but is not in TradeTapp
    assert records[low].qualification.status == "EXPIRED"
    assert records[low].osha300Results[0].totalNumberDeathsBoxG == 1
    team = [m for d in _load(f"bc-team.{project.id}.page-*.json") for m in TeamMemberPage.model_validate(d).results]
    assert sum(1 for m in team if m.isProjectLead) == 1
    assert any(m.user.companyId != project.company.id for m in team)  # the external member
    assert any(m.user.id == package.leadUserId for m in team)
