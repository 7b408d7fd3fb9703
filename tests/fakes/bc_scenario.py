"""Test fake data: one scenario feeding both fakes -- a BuildingConnected bid package with N bidders
and the TradeTapp qualification records, financials and flags of the same companies.

Input: the number of bidders (1-30), a seed, the package estimate and currency, and the clock.
Output: a ``Scenario``: ``bc`` (a ``BcData`` for ``FakeBuildingConnected``), ``qualifications`` /
``financials`` / ``flags`` (for ``FakeTradeTapp``), the ids tests need and ``Bidder`` rows saying
what each invite is meant to be.

Bidder roles on the main package, by position (positions past the list are ``"qualified"``):
0 ``ghost`` (``bidderCompany`` null, no bid), 1 ``no-tradetapp`` (a HOST-entered bid; 404 at TradeTapp),
2 ``not-bidding``, 3 ``red-low`` (the apparent low: qualification EXPIRED and a fatality on its OSHA
300), 4 ``revised`` (revision 0 and a lower revision 1; a plug for the line item it left out),
5 ``lowest-qualified`` (the cheapest green bidder), then ``qualified`` (prices within 15% of the
estimate; every third one with a RESOLVED flag, every fifth with no financial statements).
Also: a DRAFT package in the same project with a ``NOT_INVITED`` invite for bidder 5's company (a
company invited to both); with ``second_package=True``, a second PUBLISHED package of the same
project ("27 00 00 Communications", estimate 420,000) on which bidders 3, 4 and 5 (red-low,
revised, lowest-qualified) each submitted one bid (``Scenario.second_bids``); a second, sealed project whose two bids are withheld until ``now + 7d``,
and a CLOSED project (hidden from project lists without ``includeClosed=true``).

    sc = make_bid_package_scenario(6)
    with sc.tradetapp() as tt, sc.buildingconnected() as bc: ...
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.fakes.buildingconnected import BcData, FakeBuildingConnected
from tests.fakes.records import company_id, make_record, stamp
from tests.fakes.side_records import make_financials, make_flag
from tests.fakes.tradetapp import FakeTradeTapp

ROLES = ("ghost", "no-tradetapp", "not-bidding", "red-low", "revised", "lowest-qualified")
GC_COMPANY_ID = "5d1a9c0e8f4a2b0012345678"
ACC_PROJECT = "00f1b796-293a-4c1e-9474-f09711011426"
ACC_HUB = "28b0d8b3-4730-4f4f-8bad-4a2a5d75ed26"
SHARED_FOLDER = "urn:adsk.wipprod:fs.folder:co.9g7HeA2wRqOxLlgLJ40UGQ"
PACKAGE_FOLDER = "urn:adsk.wipprod:fs.folder:co.Pk3sAbidders00shared0A"
LINE_ITEMS = (("Service & distribution", Decimal("0.22")), ("Branch power", Decimal("0.26")),
              ("Lighting & controls", Decimal("0.31")), ("Fire alarm rough-in", Decimal("0.09")),
              ("Temporary power", Decimal("0.12")))


def bc_id(kind: int, n: int) -> str:
    """A 24-hex BuildingConnected object id; ``kind`` keeps projects, packages, invites... apart."""
    return f"6{kind:07x}{n:016x}"


@dataclass
class Bidder:
    position: int
    role: str
    invite_id: str
    company_id: str | None  # None for the ghost
    company_name: str
    invite_state: str
    total: Decimal | None = None  # of the latest revision
    leveled_total: Decimal | None = None
    bid_ids: list[str] = field(default_factory=list)  # every revision, oldest first


@dataclass
class Scenario:
    bc: BcData
    qualifications: list[dict[str, Any]]
    financials: dict[str, dict[str, Any]]
    flags: list[dict[str, Any]]
    project_id: str
    package_id: str
    draft_package_id: str
    sealed_project_id: str
    sealed_package_id: str
    currency: str
    now: datetime
    bidders: list[Bidder]
    recipients: set[str]  # the e-mails `send --project-team` must address for the main package
    second_package_id: str | None = None  # with ``second_package=True``
    second_bids: dict[str, Decimal] = field(default_factory=dict)  # company id -> its bid there

    def tradetapp(self, **kwargs: Any) -> FakeTradeTapp:
        return FakeTradeTapp(self.qualifications, financials=self.financials, flags=self.flags, **kwargs)

    def buildingconnected(self, **kwargs: Any) -> FakeBuildingConnected:
        kwargs.setdefault("now", self.now)
        return FakeBuildingConnected(self.bc, **kwargs)

    def bidder(self, role: str) -> Bidder:
        return next(b for b in self.bidders if b.role == role)


def _company(cid: str, name: str) -> dict[str, Any]:
    return {"id": cid, "name": name, "avatarImageUrl": None, "businessType": ["Subcontractor"],
            "website": f"https://{name.split()[0].lower()}.example", "laborType": ["Union"],
            "enterpriseType": [], "companyTags": [], "certificates": []}


def _user(n: int, first: str, last: str, title: str, email: str, **extra: Any) -> dict[str, Any]:
    return {"id": bc_id(9, n), "autodeskId": None, "firstName": first, "lastName": last, "email": email,
            "alternateEmails": [], "avatarImageUrl": None, "jobTitle": title, "phoneNumber": "415-555-0100",
            "companyId": GC_COMPANY_ID, "isAccountClaimed": True, "emailVerified": True,
            "employmentVerified": True, "createdAt": "2023-02-01T17:00:00.000Z",
            "offices": [{"id": bc_id(8, 1), "isPrimary": True, "hasBbPro": True, "hasBcPro": True,
                         "officeLead": False, "name": "San Francisco", "address": "100 Howard St"}], **extra}


def _member(n: int, user: dict[str, Any], project_id: str, *, lead: bool = False, privileges: str = "ADMIN",
            notify: str = "BID_PACKAGE_LEAD", subscribed: tuple[str, ...] = (), external: bool = False) -> dict:
    member = {"id": bc_id(7, n), "user": user, "projectId": project_id, "createdBy": bc_id(9, 1),
              "isProjectLead": lead, "privileges": privileges, "notificationPreferences": notify,
              "subscribedBidPackages": list(subscribed), "createdAt": "2026-09-01T16:00:00.000Z",
              "updatedAt": "2026-09-01T16:00:00.000Z", "firstViewedAt": None, "ndaSignedAt": None,
              "ndaSignedIpAddress": None}
    if external:
        member["_external"] = True
    return member


def _team(project_id: str, package_id: str, other_project: str) -> tuple[list, list, dict, set[str]]:
    lead = _user(1, "Maria", "Chen", "Senior Project Manager", "maria.chen@acme-builders.example")
    pkg_lead = _user(2, "Tomas", "Reyes", "Electrical Estimator", "Tomas.Reyes@acme-builders.example",
                     alternateEmails=["treyes@acme-east.example"])
    sub = _user(3, "Priya", "Nair", "Project Engineer", "priya.nair@acme-builders.example")
    everything = _user(4, "Sam", "Oduya", "Preconstruction Director", "sam.oduya@acme-builders.example")
    viewer = _user(5, "Lee", "Park", "Intern", "lee.park@acme-builders.example")
    blank = _user(6, "Site", "Trailer", "Shared login", "")
    outsider = _user(7, "Olga", "Ferris", "Owner's Rep", "olga@owner-rep.example", companyId=bc_id(5, 99))
    members = [
        _member(1, lead, project_id, lead=True, notify="BID_PACKAGE_LEAD"),
        _member(2, pkg_lead, project_id, subscribed=(package_id,)),
        _member(3, sub, project_id, subscribed=(package_id,)),
        _member(4, everything, project_id, notify="ALL"),
        _member(5, viewer, project_id, privileges="VIEW_ONLY"),
        _member(6, blank, project_id, subscribed=(package_id,)),
        _member(7, outsider, project_id, subscribed=(package_id,), external=True),
        _member(8, lead, other_project, lead=True),
    ]
    recipients = {u["email"].lower() for u in (lead, pkg_lead, sub, everything)}
    return members, [lead, pkg_lead, sub, everything, viewer, blank], lead, recipients


def _project(pid: str, name: str, number: str, currency: str, due: datetime, *, sealed: bool) -> dict[str, Any]:
    return {"id": pid, "name": name, "number": number, "company": _company(GC_COMPANY_ID, "Acme Builders West"),
            "client": "Bay Health Partners", "location": {"country": "US", "state": "CA", "streetName": "Owens St",
            "streetNumber": "1800", "suite": None, "city": "San Francisco", "zip": "94158",
            "complete": "1800 Owens St, San Francisco, CA 94158", "coords": {"lat": Decimal("37.7680"),
            "lng": Decimal("-122.3930")}, "precisionLevel": "ADDRESS"},
            "bidsDueAt": stamp(due), "startsAt": "2027-02-01T16:00:00.000Z", "endsAt": "2028-06-30T00:00:00.000Z",
            "rfisDueAt": stamp(due - timedelta(days=7)), "jobWalkAt": stamp(due - timedelta(days=14)),
            "dueAt": stamp(due + timedelta(days=5)), "publishedAt": "2026-09-02T15:00:00.000Z", "closedAt": None,
            "createdAt": "2026-08-28T18:30:00.000Z", "updatedAt": "2026-10-01T18:30:00.000Z",
            "value": 48_500_000, "defaultCurrency": currency, "state": "PUBLISHED", "isBiddingSealed": sealed,
            "bidAdminUserId": bc_id(9, 1), "owningOfficeId": bc_id(8, 1), "createdBy": bc_id(9, 1),
            "awarded": False, "projectSize": 120000, "projectSizeUnits": "SQUARE_FEET", "marketSector": "HEALTHCARE",
            "architect": "Stanton Ryder Architects", "isTemplate": False, "bidFormId": None,
            "currentAccLinkedProjectId": ACC_PROJECT, "currentAccLinkedHubId": ACC_HUB,
            "currentAccDocsFolderId": SHARED_FOLDER}


def _package(pkid: str, pid: str, name: str, number: str, estimate: int, due: datetime, state: str) -> dict:
    return {"id": pkid, "projectId": pid, "name": name, "number": number, "leadUserId": bc_id(9, 2),
            "keywords": [name], "estimatedCost": estimate, "instructions": "<p>Bid per drawings E-001..E-640.</p>",
            "state": state, "bidsDueAt": stamp(due), "startsAt": None, "endsAt": None, "rfisDueAt": None,
            "jobWalkAt": None, "publishedAt": "2026-09-02T15:00:00.000Z" if state == "PUBLISHED" else None,
            "createdAt": "2026-08-29T18:00:00.000Z", "updatedAt": "2026-10-02T18:00:00.000Z",
            "useProjectBidsDueAt": True, "useProjectEndsAt": True, "useProjectJobWalkAt": True,
            "useProjectRfisDueAt": True, "useProjectStartsAt": True, "bidAdminUnsealed": False,
            "bidAdminUnsealedAt": None, "awardedCompany": None, "awardedBidId": None, "awardedLeveledTotal": None,
            "bidFormId": None, "currentAccDocsFolderId": PACKAGE_FOLDER, "currentAccLinkedProjectId": ACC_PROJECT,
            "currentAccLinkedHubId": ACC_HUB}


def _invite(iid: str, pid: str, pkg: dict[str, Any], company: dict[str, Any] | None, placeholder: str | None,
            state: str, email: str, at: str) -> dict[str, Any]:
    cid = company["id"] if company else None
    return {"id": iid, "projectId": pid, "projectName": "", "bidPackageId": pkg["id"],
            "bidPackageName": pkg["name"], "currentAccLinkedProjectId": ACC_PROJECT, "bidderCompany": company,
            "bidderOfficeId": bc_id(4, int(iid[-6:], 16)) if company else None,
            "placeholderCompanyName": placeholder, "state": state, "createdAt": at, "updatedAt": at,
            "invitedAt": at if state != "NOT_INVITED" else None,
            "invitees": [{"id": bc_id(3, int(iid[-6:], 16)), "userId": None, "firstName": "" if not company else "Bid",
                          "lastName": "" if not company else "Desk", "companyId": cid, "phoneNumber": None,
                          "title": "Estimator" if company else None, "email": email, "isEmailValid": True,
                          "inviterType": "HOST", "state": "INVITED",
                          "firstViewedAt": at if state not in ("NOT_INVITED", "UNDECIDED") else None,
                          "lastViewedAt": None, "ndaSignedAt": None}]}


def _lines(bid_id: str, total: Decimal, omit_last: bool) -> list[dict[str, Any]]:
    rows = []
    for i, (desc, share) in enumerate(LINE_ITEMS[: -1] if omit_last else LINE_ITEMS):
        value = (total * share / (1 - LINE_ITEMS[-1][1] if omit_last else 1)).quantize(Decimal("1"))
        rows.append({"id": f"{bid_id[:-4]}{i:04x}", "type": "COST_BREAKDOWN", "description": desc,
                     "section": "Furnish & Install", "isRequired": True, "isCustom": False, "unit": "LS",
                     "code": f"26-{i + 1:02d}", "quantity": 1, "isQuantityFixed": True, "unitCost": value,
                     "value": value})
    rows.append({"id": f"{bid_id[:-4]}00a0", "type": "INCLUSION", "description": "Permits and fees included",
                 "section": "Inclusions", "isRequired": True, "isCustom": False, "unit": None, "code": None,
                 "quantity": None, "isQuantityFixed": None, "unitCost": None, "value": "Yes"})
    return rows


def _add_bids(data: BcData, b: Bidder, pkg: dict[str, Any], revisions: list[Decimal], due: datetime) -> None:
    """One bid per revision (oldest first), with its line items and, for the revised bidder, a plug."""
    pos, role, pid, invite_id, cid = b.position, b.role, pkg["projectId"], b.invite_id, b.company_id
    for rev, amount in enumerate(revisions):
        bid_id = bc_id(5, (pos + 1) * 16 + rev)
        omit = role == "revised"
        plug = (amount * LINE_ITEMS[-1][1]).quantize(Decimal("1")) if omit else Decimal(0)
        data.bids.append({
            "id": bid_id, "projectId": pid, "bidPackageId": pkg["id"], "inviteId": invite_id,
            "bidderCompanyId": cid, "currentAccLinkedProjectId": ACC_PROJECT,
            "creatorType": "HOST" if role == "no-tradetapp" else "BIDDER",
            "notes": "Excludes utility company fees." if rev == 0 else "Revised after addendum 2.",
            "total": amount, "leveledTotal": amount + plug if omit else None, "revision": rev,
            "submittedAt": stamp(due - timedelta(hours=4 - rev)), "createdAt": stamp(due - timedelta(days=1)),
            "updatedAt": stamp(due - timedelta(hours=4 - rev)), "createdBy": bc_id(9, 40 + pos),
            "submittedBy": bc_id(9, 40 + pos), "attachments": []})
        data.line_items[bid_id] = _lines(bid_id, amount, omit)
        data.plugs[bid_id] = [] if not omit else [{
            "id": f"{bid_id[:-4]}0b00", "quantity": 1, "unitCost": plug, "value": plug, "createdBy": bc_id(9, 2),
            "updatedBy": bc_id(9, 2), "createdAt": stamp(due), "updatedAt": stamp(due),
            "lineItemFingerprint": {"type": "COST_BREAKDOWN", "description": "temporary power",
                                    "section": "furnish & install", "unit": "LS", "code": "26-05"}}]
        b.bid_ids.append(bid_id)
        b.total, b.leveled_total = amount, (amount + plug if omit else None)


def make_bid_package_scenario(n_bidders: int = 6, *, seed: int = 0, estimate: int = 2_150_000,
                              currency: str = "USD", now: datetime | None = None,
                              names: list[str] | None = None, second_package: bool = False) -> Scenario:
    """Data for both fakes; see the module docstring for what each bidder is (``names``: company
    names by position, the ghost's being its placeholder name)."""
    if not 1 <= n_bidders <= 30:
        raise ValueError("n_bidders must be 1-30")
    rng = random.Random(seed)
    now = now or datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    due = now - timedelta(days=5)
    pid, sealed_pid = bc_id(1, 1), bc_id(1, 2)
    pkg = _package(bc_id(2, 1), pid, "Electrical", "26 00 00", estimate, due, "PUBLISHED")
    draft = _package(bc_id(2, 2), pid, "Fire Alarm", "28 31 00", 310_000, due, "DRAFT")
    sealed_pkg = _package(bc_id(2, 3), sealed_pid, "Electrical", "26 00 00", 1_400_000, now + timedelta(days=7),
                          "PUBLISHED")
    data = BcData(projects=[_project(pid, "Mission Bay Medical Office Building", "2026-014", currency, due,
                                     sealed=False),
                            _project(sealed_pid, "Civic Center Library Renovation", "2026-021", currency,
                                     now + timedelta(days=7), sealed=True)],
                  bid_packages=[pkg, draft, sealed_pkg])
    closed = _project(bc_id(1, 3), "Harbor Point Tower", "2024-003", currency, now - timedelta(days=400), sealed=False)
    closed.update(state="CLOSED", closedAt=stamp(now - timedelta(days=300)), awarded=True)
    data.projects.append(closed)
    quals, fins, flags, bidders = [], {}, [], []
    prices = sorted((Decimal(estimate) * Decimal(str(round(rng.uniform(0.945, 1.09), 4)))).quantize(Decimal("1"))
                    for _ in range(max(0, n_bidders - 6)))
    for pos in range(n_bidders):
        role = ROLES[pos] if pos < len(ROLES) else "qualified"
        n = 100 + pos
        cid = company_id(n)
        name = names[pos] if names and pos < len(names) else \
            f"{('Bay Sparks', 'Volt', 'Northgate', 'Ampere', 'Coastal', 'Sierra')[pos % 6]} Electric {pos + 1}"
        invite_id = bc_id(6, pos + 1)
        at = stamp(due - timedelta(days=20, minutes=pos))
        company = None if role == "ghost" else _company(cid, name)
        state = {"ghost": "UNDECIDED", "not-bidding": "NOT_BIDDING"}.get(role, "BID_SUBMITTED")
        data.invites.append(_invite(invite_id, pid, pkg, company, name if company is None else None,
                                    state, f"bids{pos + 1}@{name.split()[0].lower()}.example", at))
        b = Bidder(pos, role, invite_id, None if role == "ghost" else cid,
                   name, state)
        bidders.append(b)
        if role not in ("ghost", "no-tradetapp"):
            quals.append(_qualification(n, name, role, now))
            fins[cid] = make_financials(cid, {"red-low": "weak", "revised": "fair"}.get(role, "strong"), name=name,
                                        statements=0 if role == "qualified" and pos % 5 == 0 else 2)
            if role == "qualified" and pos % 3 == 0:
                flags.append(make_flag(cid, 50_000 + pos, name="Missed coordination meetings", priority="MEDIUM",
                                       type_="COMMUNICATION", company_name=name, resolved="Attendance fixed"))
        if role in ("ghost", "not-bidding"):
            continue
        factor = {"red-low": Decimal("0.905"), "no-tradetapp": Decimal("0.992"), "revised": Decimal("0.968"),
                  "lowest-qualified": Decimal("0.938")}.get(role)
        total = (Decimal(estimate) * factor).quantize(Decimal("1")) if factor else prices[pos - 6]
        revisions = [(total * Decimal("1.055")).quantize(Decimal("1")), total] if role == "revised" else [total]
        _add_bids(data, b, pkg, revisions, due)
        if role == "lowest-qualified":  # the same company, not yet invited, on the DRAFT package
            data.invites.append(_invite(bc_id(6, 900), pid, draft, _company(cid, name), None, "NOT_INVITED",
                                        f"bids{pos + 1}@{name.split()[0].lower()}.example", at))
    for k in range(2):  # the sealed project: two bids withheld until its due date
        cid, name = company_id(200 + k), f"Sealed Electric {k + 1}"
        iid = bc_id(6, 950 + k)
        data.invites.append(_invite(iid, sealed_pid, sealed_pkg, _company(cid, name), None, "BID_SUBMITTED",
                                    f"bids@sealed{k}.example", stamp(now - timedelta(days=3))))
        data.bids.append({"id": bc_id(5, 950 + k), "projectId": sealed_pid, "bidPackageId": sealed_pkg["id"],
                          "inviteId": iid, "bidderCompanyId": cid, "creatorType": "BIDDER", "total": 1_390_000 + k,
                          "leveledTotal": None, "revision": 0, "submittedAt": stamp(now - timedelta(days=1)),
                          "createdAt": stamp(now - timedelta(days=1)), "updatedAt": stamp(now - timedelta(days=1))})
    members, users, me, recipients = _team(pid, pkg["id"], sealed_pid)
    data.team_members, data.users, data.me = members, users, me
    sc = Scenario(data, quals, fins, flags, pid, pkg["id"], draft["id"], sealed_pid, sealed_pkg["id"], currency,
                  now, bidders, recipients)
    if second_package:
        _add_second_package(sc, due)
    return sc


SECOND_PACKAGE_BIDS = {"red-low": Decimal(382_000), "revised": Decimal(409_900), "lowest-qualified": Decimal(401_500)}


def _add_second_package(sc: Scenario, due: datetime) -> None:
    """The Communications package: three companies of the Electrical package bid on it too."""
    data, pid = sc.bc, sc.project_id
    pkg = _package(bc_id(2, 4), pid, "Communications", "27 00 00", 420_000, due, "PUBLISHED")
    data.bid_packages.append(pkg)
    sc.second_package_id = pkg["id"]
    for k, (role, amount) in enumerate(SECOND_PACKAGE_BIDS.items()):
        b = sc.bidder(role)
        assert b.company_id is not None
        iid, bid_id = bc_id(6, 800 + k), bc_id(5, 800 + k)
        at = stamp(due - timedelta(days=18, minutes=k))
        data.invites.append(_invite(iid, pid, pkg, _company(b.company_id, b.company_name), None, "BID_SUBMITTED",
                                    f"low-voltage{k}@{b.company_name.split()[0].lower()}.example", at))
        data.bids.append({
            "id": bid_id, "projectId": pid, "bidPackageId": pkg["id"], "inviteId": iid,
            "bidderCompanyId": b.company_id, "currentAccLinkedProjectId": ACC_PROJECT, "creatorType": "BIDDER",
            "notes": "Structured cabling and DAS.", "total": amount, "leveledTotal": None, "revision": 0,
            "submittedAt": stamp(due - timedelta(hours=3)), "createdAt": stamp(due - timedelta(days=1)),
            "updatedAt": stamp(due - timedelta(hours=3)), "createdBy": bc_id(9, 60 + k),
            "submittedBy": bc_id(9, 60 + k), "attachments": []})
        data.line_items[bid_id] = _lines(bid_id, amount, False)
        data.plugs[bid_id] = []
        sc.second_bids[b.company_id] = amount


def coverages(now: datetime) -> list[dict[str, Any]]:
    """Every bidder's insurance: the four required lines above the default minimums, valid 800 days (past the project end)."""
    until = (now + timedelta(days=800)).date().isoformat()
    lines = (("GENERAL_LIABILITY", "Travelers Casualty", 2_000_000, 4_000_000),
             ("AUTOMOBILE_LIABILITY", "Travelers Casualty", 1_000_000, 1_000_000),
             ("UMBRELLA_EXCESS", "Chubb", 10_000_000, 10_000_000),
             ("WORKERS_COMPENSATION", "State Compensation Insurance Fund", 1_000_000, 1_000_000))
    return [{"insuranceType": t, "carrier": c, "perOccurrenceLimit": o, "aggregateLimit": a,
             "policyExpirationDate": until, "isNotApplicable": False} for t, c, o, a in lines]


def current_evidence(now: datetime, *, with_osha: bool = True) -> dict[str, Any]:
    """A submission a PM would call current: updated three weeks before ``now``, EMR, OSHA 300A and
    revenue for the last three full years (an electrical sub's TRIR about 1.5, below its trade's)."""
    years = range(now.year - 3, now.year)
    out: dict[str, Any] = {
        "updatedAt": stamp(now - timedelta(days=21)), "submittedAt": stamp(now - timedelta(days=22)),
        "experienceModificationRatings": [{"year": y, "experienceModificationRating": Decimal(e)}
                                          for y, e in zip(years, ("0.88", "0.85", "0.82"), strict=True)],
        "annualVolumeRevenues": [{"year": y, "estimatedVolumeRevenue": v}
                                 for y, v in zip(years, (14_500_000, 16_200_000, 17_800_000), strict=True)],
    }
    if with_osha:
        out["osha300Results"] = [{"year": y, "totalNumberDeathsBoxG": 0, "totalNumberCasesDaysAwayBoxH": 0,
                                  "totalNumberCasesRestrictionTransferBoxI": 1, "otherRecordableCasesBoxJ": 1,
                                  "totalHoursWorked": 260_000} for y in years]
    return out


def _qualification(n: int, name: str, role: str, now: datetime) -> dict[str, Any]:
    expires = stamp(now + timedelta(days=240))
    record = make_record(n, name=name)
    record["qualification"].update(status="QUALIFIED", internalSingleLimit=4_000_000, internalTotalLimit=12_000_000,
                                   dateExpires=expires, summary="Approved for electrical up to $4M single.")
    if role == "red-low":
        record["qualification"].update(status="EXPIRED", dateExpires=stamp(now - timedelta(days=45)),
                                       summary="Renewal not submitted.")
        record["osha300Results"] = [{"year": 2025, "totalNumberDeathsBoxG": 1, "totalNumberCasesDaysAwayBoxH": 3,
                                     "totalNumberCasesRestrictionTransferBoxI": 2, "otherRecordableCasesBoxJ": 6,
                                     "totalHoursWorked": 410_000}]
    record["insuranceCoverages"] = coverages(now)
    record.update(current_evidence(now, with_osha=role != "red-low"))
    record["csiCodesForWorkPerformed"] = [{"primaryCode": "26", "secondaryCode": "05", "tertiaryCode": "00",
                                           "codeDescription": "Common Work Results for Electrical"}]
    return record
