"""BuildingConnected wire models: the reference's example bodies validate exactly; ghosts, text line
item values, a string businessType, unknown enums and fields, and sealed-bid logic."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from reporter.api.bc_models import (
    BcProject,
    Bid,
    BidPackage,
    InvitePage,
    TeamMember,
)
from reporter.jsonio import loads_exact

ISO = "2022-09-25T19:00:00.000Z"
PACKAGE = f"""{{ "id": "590dd127b359f408f190b5a7", "projectId": "590dd127b319f408f190b3b8", "name": "Concrete",
  "leadUserId": "5d8104b87e392d56e1e4b4ca", "number": "03", "keywords": ["Concrete"],
  "estimatedCost": 100000, "instructions": "<p>Bid per plans</p>", "state": "PUBLISHED",
  "createdAt": "{ISO}", "updatedAt": "{ISO}", "publishedAt": "{ISO}", "bidsDueAt": "{ISO}", "endsAt": "{ISO}",
  "rfisDueAt": "{ISO}", "startsAt": "{ISO}", "jobWalkAt": "{ISO}",
  "bidAdminUnsealed": true, "bidAdminUnsealedAt": "2022-09-25T19:00:00.000Z",
  "currentAccDocsFolderId": "urn:adsk.wipprod:fs.folder:co.9g7HeA2wRqOxLlgLJ40UGQ",
  "currentAccLinkedProjectId": "00f1b796-293a-4c1e-9474-f09711011426",
  "currentAccLinkedHubId": "28b0d8b3-4730-4f4f-8bad-4a2a5d75ed26",
  "useProjectBidsDueAt": false, "useProjectEndsAt": false, "useProjectJobWalkAt": false,
  "useProjectRfisDueAt": false, "useProjectStartsAt": false,
  "awardedLeveledTotal": 10000,
  "awardedCompany": {{"id": "51bea397f5846f95994b1da7", "name": "Gr8 Builders", "avatarImageUrl": null,
    "businessType": ["Subcontractor"], "website": "https://gr8.example", "laborType": ["Union"],
    "enterpriseType": ["SBE"], "companyTags": ["Preferred"],
    "certificates": [{{"id": "c1", "type": {{"id": "t1", "name": "MBE"}}, "agency": {{"id": "a1", "name": "CPUC",
      "website": "https://cpuc.example"}}, "number": "123", "expiresAt": "2027-01-01T00:00:00.000Z",
      "fileName": "mbe.pdf"}}]}},
  "awardedBidId": "5d8104b87e392d56e1e4b4ca", "bidFormId": "60f7c8e2b4d1c9001c8e4b2a" }}"""

BID = f"""{{ "id": "611ee35b3935e500a8b18c8a", "projectId": "59d2bd7440b36a0da258f24d",
  "bidPackageId": "590dd127b359f408f190b5a7", "inviteId": "590dd527b359f408f191b5b6",
  "bidderCompanyId": "51bea397f5846f95994b1da7",
  "currentAccLinkedProjectId": "00f1b796-293a-4c1e-9474-f09711011426",
  "creatorType": "BIDDER", "notes": "Notes about bid",
  "total": 5000, "leveledTotal": 10000,
  "createdAt": "{ISO}", "updatedAt": "{ISO}", "submittedAt": "{ISO}", "attachments": ["60cea42b3934f500a8b29c7b"],
  "revision": 0, "createdBy": "5d8104b87e392d56e1e4b4ca", "submittedBy": "5d8104b87e392d56e1e4b4ca",
  "lineItems": {{"pagination": {{"limit": 100, "cursorState": null, "nextUrl": null}}, "results": [
     {{"id": "li1", "type": "COST_BREAKDOWN", "description": "Duct Insulation", "section": "Furnish & Install",
      "isRequired": true, "isCustom": false, "unit": "HOURS", "code": "D2", "quantity": 10,
      "isQuantityFixed": true, "unitCost": 500, "value": 10000}}]}},
  "plugs": {{"pagination": {{"limit": 100, "cursorState": null, "nextUrl": null}}, "results": [
     {{"id": "p1", "quantity": 20, "unitCost": 500, "value": 10000, "createdBy": "u1", "updatedBy": "u1",
      "createdAt": "{ISO}", "updatedAt": "{ISO}",
      "lineItemFingerprint": {{"type": "COST_BREAKDOWN", "description": "duct insulation",
        "section": "furnish & install", "unit": "HOURS", "code": "d2"}}}}]}} }}"""

MEMBER = f"""{{ "id": "5d8104b87e392d56e1e4b4ca",
  "user": {{"id": "u1", "autodeskId": null, "emailVerified": true, "employmentVerified": true, "createdAt": "{ISO}",
           "firstName": "First", "lastName": "Last", "email": "email@example.com",
           "alternateEmails": ["email@alternate.com"], "avatarImageUrl": null, "jobTitle": "Estimator",
           "phoneNumber": "555-555-5555", "companyId": "5d1a9c0e8f4a2b0012345678", "isAccountClaimed": true,
           "offices": [{{"id": "o1", "isPrimary": true, "hasBbPro": true, "hasBcPro": false, "officeLead": false,
                        "name": "HQ", "address": "1 Main St"}}]}},
  "projectId": "59d2bd7440b36a0da258f24d", "createdBy": "u0", "isProjectLead": false, "privileges": "ADMIN",
  "createdAt": "{ISO}", "updatedAt": "{ISO}", "firstViewedAt": "{ISO}", "ndaSignedAt": null,
  "ndaSignedIpAddress": null, "notificationPreferences": "ALL", "subscribedBidPackages": [] }}"""


def test_bid_package_example():
    pkg = BidPackage.model_validate(loads_exact(PACKAGE))
    assert pkg.estimatedCost == Decimal("100000") and pkg.state == "PUBLISHED" and pkg.number == "03"
    assert pkg.bidsDueAt == datetime(2022, 9, 25, 19, tzinfo=UTC)
    assert pkg.awardedCompany and pkg.awardedCompany.businessType == ["Subcontractor"]
    assert pkg.awardedCompany.certificates[0].agency.name == "CPUC"
    assert pkg.currentAccDocsFolderId.startswith("urn:adsk.wipprod:fs.folder:")
    assert pkg.awardedLeveledTotal == 10000 and pkg.other_fields == {}


def test_bid_example_with_line_items_and_plugs():
    bid = Bid.model_validate(loads_exact(BID))
    assert (bid.total, bid.leveledTotal, bid.price, bid.revision) == (5000, 10000, 10000, 0)
    item = bid.lineItems.results[0]
    assert item.value == Decimal("10000") and item.unitCost == 500 and item.quantity == 10
    plug = bid.plugs.results[0]
    assert plug.lineItemFingerprint and plug.lineItemFingerprint.key == item.fingerprint
    assert not bid.lineItems.pagination.has_next and bid.attachments == ["60cea42b3934f500a8b29c7b"]


def test_team_member_example():
    m = TeamMember.model_validate(loads_exact(MEMBER))
    assert m.user and m.user.alternateEmails == ["email@alternate.com"] and m.user.jobTitle == "Estimator"
    assert m.privileges == "ADMIN" and m.notificationPreferences == "ALL" and m.subscribedBidPackages == []
    assert m.user.offices[0].address == "1 Main St" and m.ndaSignedAt is None


def test_ghost_invite_and_odd_values():
    page = InvitePage.model_validate(loads_exact(
        '{"pagination": {"limit": 100, "cursorState": "eyJvIjoxfQ==", "nextUrl":'
        ' "/construction/buildingconnected/v2/invites?cursorState=eyJvIjoxfQ==", "totalResults": 3}, "results": ['
        '{"id": "i1", "bidderCompany": null, "bidderOfficeId": null, "placeholderCompanyName": "Ace Sparks",'
        ' "state": "UNDECIDED", "invitees": [{"firstName": "", "lastName": "", "companyId": null,'
        ' "email": "bids@acesparks.example"}]},'
        '{"id": "i2", "bidderCompany": {"id": "c2", "name": "Volt Co", "businessType": "Subcontractor"},'
        ' "state": "SHORTLISTED", "invitees": null, "newThing": 1}]}'
    ))
    ghost, other = page.results
    assert ghost.is_ghost and ghost.company_id is None and ghost.company_name == "Ace Sparks"
    assert ghost.invitees[0].companyId is None and ghost.invitees[0].email == "bids@acesparks.example"
    assert other.company_id == "c2" and other.bidderCompany.businessType == ["Subcontractor"]
    assert other.state == "SHORTLISTED" and other.invitees == [] and other.other_fields == {"newThing": 1}
    assert page.pagination.has_next and page.pagination.totalResults == 3
    bid = Bid.model_validate(loads_exact(
        '{"total": 1234567.891, "leveledTotal": null, "revision": 2.0, "lineItems": null, "plugs": {"results": null},'
        ' "attachments": null}'))
    assert bid.price == Decimal("1234567.891") and bid.revision == 2 and bid.lineItems.results == []
    text = Bid.model_validate({"lineItems": {"results": [{"type": "YES_NO", "value": "Yes"},
                                                          {"type": "TEXT", "value": "Excludes permits"}]}})
    assert [i.value for i in text.lineItems.results] == ["Yes", "Excludes permits"]


def test_sealed_bids():
    project = BcProject.model_validate({"isBiddingSealed": True, "bidsDueAt": "2026-06-01T21:00:00.000Z"})
    before, after = datetime(2026, 6, 1, 20, tzinfo=UTC), datetime(2026, 6, 1, 21, tzinfo=UTC)
    pkg = BidPackage.model_validate({"bidsDueAt": None, "bidAdminUnsealed": False})
    assert pkg.bids_sealed(project, before) and not pkg.bids_sealed(project, after)
    assert not BidPackage.model_validate({"bidAdminUnsealed": True}).bids_sealed(project, before)
    assert not pkg.bids_sealed(BcProject.model_validate({"isBiddingSealed": False}), before)


@pytest.mark.parametrize("body", ['{"total": true}', '{"bidsDueAt": 1700000000}', '{"revision": "first"}'])
def test_refuses_wrong_types(body):
    with pytest.raises(ValidationError):
        Bid.model_validate(loads_exact(body)) if "bidsDueAt" not in body else BidPackage.model_validate(
            loads_exact(body))
