"""The fake BuildingConnected API over real HTTP on 127.0.0.1, fed by the shared bid-package scenario:
cursor paging (absolute, relative and foreign ``nextUrl``), filters, latest revisions, nested line-item
pages, sealed bids, team visibility, errors and faults, and company ids shared with fake TradeTapp."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urljoin

import httpx
import pytest

from reporter.api.bc_models import BidPackageStats, BidPage, InvitePage, TeamMemberPage
from reporter.jsonio import loads_exact
from tests.fakes.bc_scenario import make_bid_package_scenario
from tests.fakes.buildingconnected import BcFaults
from tests.fakes.tradetapp import DEFAULT_TOKEN, NO_SCOPE_TOKEN

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


@pytest.fixture(scope="module")
def sc():
    return make_bid_package_scenario(8)


@pytest.fixture
def bc(sc):
    with sc.buildingconnected() as fake:
        yield fake


def _get(url, **params):
    return httpx.get(url, params=params or None, headers=AUTH)


def _all(fake, first_url, params):
    url, results, pages = first_url, [], 0
    while True:
        r = httpx.get(url, params=params, headers=AUTH)
        assert r.status_code == 200, r.text
        body = loads_exact(r.text)
        results += body["results"]
        pages += 1
        nxt = body["pagination"].get("nextUrl")
        if not nxt:
            assert body["pagination"]["cursorState"] is None
            return results, pages, body
        url, params = urljoin(fake.origin, nxt), None


def test_invites_page_with_absolute_next_url_repeating_filters(bc, sc):
    results, pages, last = _all(bc, bc.base_url + "/invites", {"filter[bidPackageId]": sc.package_id, "limit": 3,
                                                               "includeTotalResults": "true"})
    assert pages == 3 and len(results) == 8 and last["pagination"]["totalResults"] == 8
    assert [r["id"] for r in results] == [b.invite_id for b in sc.bidders]
    follow = bc.requests_to("/v2/invites")[-1]
    assert follow.query["filter[bidPackageId]"] == sc.package_id and follow.query["limit"] == "3"
    ghost = InvitePage.model_validate({"results": results}).results[0]
    assert ghost.is_ghost and ghost.placeholderCompanyName == "Bay Sparks Electric 1" and ghost.bidderOfficeId is None
    assert ghost.invitees[0].companyId is None
    two = ",".join(b.company_id for b in sc.bidders[1:3])
    assert len(_get(bc.base_url + "/invites", **{"filter[bidderCompanyId]": two}).json()["results"]) == 2
    assert _get(bc.base_url + "/bids", **{"filter[bidderCompanyId]": two}).status_code == 400  # single id on bids
    one = _get(bc.base_url + "/bids", **{"filter[bidderCompanyId]": sc.bidders[1].company_id}).json()["results"]
    assert [b["inviteId"] for b in one] == [sc.bidders[1].invite_id]
    bids = _get(bc.base_url + "/bids", **{"filter[bidPackageId]": sc.package_id, "limit": 2}).json()
    assert "totalResults" not in bids["pagination"]  # only invites report it


def test_relative_and_foreign_next_url(sc):
    with sc.buildingconnected(faults=BcFaults(relative_next_url=True)) as bc:
        page = _get(bc.base_url + "/invites", **{"filter[projectId]": sc.project_id, "limit": 4}).json()
        assert page["pagination"]["nextUrl"].startswith("/construction/buildingconnected/v2/invites?")
        rest, _, _ = _all(bc, urljoin(bc.origin, page["pagination"]["nextUrl"]), None)
        assert len(page["results"]) + len(rest) == 9  # 8 on the package + NOT_INVITED on the draft one
    with sc.buildingconnected(faults=BcFaults(foreign_next_url=True)) as bc:
        nxt = _get(bc.base_url + "/invites", limit=1).json()["pagination"]["nextUrl"]
        assert nxt.startswith(bc.evil.origin)
        httpx.get(nxt, headers=AUTH)
        assert bc.evil.tokens_seen == [f"Bearer {DEFAULT_TOKEN}"]  # what a careless client would leak


def test_only_latest_revision_and_nested_line_item_pages(sc):
    revised = sc.bidder("revised")
    with sc.buildingconnected(embedded_page_size=2) as bc:
        every = _get(bc.base_url + "/bids", **{"filter[inviteId]": revised.invite_id}).json()["results"]
        assert [b["revision"] for b in every] == [0, 1]
        latest = BidPage.model_validate(loads_exact(_get(bc.base_url + "/bids", **{
            "filter[bidPackageId]": sc.package_id, "onlyLatestRevision": "true"}).text)).results
        assert len(latest) == 6 and len({b.inviteId for b in latest}) == 6
        mine = next(b for b in latest if b.inviteId == revised.invite_id)
        assert mine.revision == 1 and mine.total == revised.total and mine.price == revised.leveled_total
        assert len(mine.lineItems.results) == 2 and mine.lineItems.pagination.has_next
        assert "/v2/bids/" in mine.lineItems.pagination.nextUrl
        rest, _, _ = _all(bc, mine.lineItems.pagination.nextUrl, None)
        assert len(rest) == 3 and rest[-1]["value"] == "Yes"  # 4 cost lines + inclusion, first 2 embedded
        plugs = mine.plugs.results
        assert plugs[0].lineItemFingerprint.description == "temporary power" and not mine.plugs.pagination.has_next
        host = next(b for b in latest if b.bidderCompanyId == sc.bidder("no-tradetapp").company_id)
        assert host.creatorType == "HOST"


def test_sealed_bids_are_withheld_until_due(sc):
    with sc.buildingconnected() as bc:
        sealed = _get(bc.base_url + "/bids", **{"filter[projectId]": sc.sealed_project_id}).json()
        assert sealed["results"] == []
        bid_id = sc.bc.bids[-1]["id"]
        assert _get(bc.base_url + f"/bids/{bid_id}").status_code == 403
    with sc.buildingconnected(now=sc.now + timedelta(days=8)) as bc:
        assert len(_get(bc.base_url + "/bids", **{"filter[projectId]": sc.sealed_project_id}).json()["results"]) == 2


def test_team_members_v3_external_and_recipients(bc, sc):
    url = bc.v3_base_url + "/project-team-members"
    inside = TeamMemberPage.model_validate(loads_exact(_get(url, **{"filter[projectId]": sc.project_id}).text))
    assert len(inside.results) == 6 and sum(1 for m in inside.results if m.isProjectLead) == 1
    withext = _get(url, **{"filter[projectId]": sc.project_id, "includeExternal": "true"}).json()["results"]
    assert len(withext) == 7 and "_external" not in withext[-1]
    assert _get(url, includeExternal="true").status_code == 400
    emails = {m.user.email.lower() for m in inside.results
              if m.user.email and (m.isProjectLead or sc.package_id in m.subscribedBidPackages
                                   or m.notificationPreferences == "ALL")}
    assert emails == sc.recipients
    assert any(m.user.alternateEmails for m in inside.results) and any(m.user.email == "" for m in inside.results)
    me = _get(bc.base_url + "/users/me").json()
    assert me["companyId"] == "5d1a9c0e8f4a2b0012345678"


def test_projects_v2_v3_filters(bc, sc):
    v3 = _get(bc.v3_base_url + f"/projects/{sc.project_id}").json()
    v2 = _get(bc.base_url + f"/projects/{sc.project_id}").json()
    assert "bidFormId" in v3 and "bidFormId" not in v2 and v3["defaultCurrency"] == "USD"
    assert [p["number"] for p in _get(bc.v3_base_url + "/projects", searchText="civ").json()["results"]] == ["2026-021"]
    assert _get(bc.v3_base_url + "/projects", searchText="ivic").json()["results"] == []  # word-start only
    assert _get(bc.v3_base_url + "/projects", searchText="harbor").json()["results"] == []  # CLOSED
    assert len(_get(bc.v3_base_url + "/projects", searchText="HARBOR", includeClosed="true").json()["results"]) == 1
    linked = _get(bc.v3_base_url + "/projects", **{"filter[currentAccLinkedProjectId]": sc.bc.projects[0][
        "currentAccLinkedProjectId"]}).json()["results"]
    assert len(linked) == 2 and all(p["currentAccDocsFolderId"] for p in linked)
    pkgs = _get(bc.base_url + "/bid-packages", **{"filter[projectId]": sc.project_id, "filter[state]": "PUBLISHED"})
    assert [p["id"] for p in pkgs.json()["results"]] == [sc.package_id]
    window = _get(bc.base_url + "/bid-packages", **{"filter[updatedAt]": "2026-10-02T18:00:00.000Z.."}).json()
    assert len(window["results"]) == 3
    assert _get(bc.base_url + "/bid-packages", **{"filter[updatedAt]": "..2026-10-02T18:00:00.000Z"}).json()[
        "results"] == []  # upper bound exclusive


def test_stats_consistent_with_invites(bc, sc):
    stats = BidPackageStats.model_validate(_get(bc.base_url + f"/bid-package-stats/{sc.package_id}").json())
    assert (stats.invitedCount, stats.undecidedCount, stats.notBiddingCount, stats.submittedBiddersCount) == (8, 1, 1, 6)


@pytest.mark.parametrize(
    ("path", "params", "headers", "status"),
    [("/bid-packages/" + "f" * 24, {}, AUTH, 404), ("/bid-packages/not-an-id", {}, AUTH, 400),
     ("/invites", {"limit": "101"}, AUTH, 400), ("/invites", {"filter[projectId]": "abc"}, AUTH, 400),
     ("/invites", {"cursorState": "garbage"}, AUTH, 400), ("/invites", {}, {}, 401),
     ("/invites", {}, {"Authorization": f"Bearer {NO_SCOPE_TOKEN}"}, 403), ("/nothing-here", {}, AUTH, 404)],
)
def test_errors(bc, path, params, headers, status):
    r = httpx.get(bc.base_url + path, params=params, headers=headers)
    assert r.status_code == status and set(r.json()) == {"title", "detail"}


def test_injected_429_and_500(sc):
    with sc.buildingconnected(faults=BcFaults(script=["429", "500", "ok"], retry_after="2")) as bc:
        first = _get(bc.base_url + "/invites")
        assert first.status_code == 429 and first.headers["Retry-After"] == "2"
        assert _get(bc.base_url + "/invites").status_code == 500
        assert _get(bc.base_url + "/invites").status_code == 200
        assert [r.status for r in bc.requests] == [429, 500, 200]


def test_company_ids_shared_with_tradetapp(sc):
    with sc.tradetapp() as tt:
        for b in sc.bidders:
            if b.company_id is None:
                continue
            r = _get(tt.base_url + f"/qualifications/{b.company_id}")
            assert r.status_code == (404 if b.role == "no-tradetapp" else 200), b.role
        red = _get(tt.base_url + f"/qualifications/{sc.bidder('red-low').company_id}").json()
        assert red["qualification"]["status"] == "EXPIRED" and red["osha300Results"][0]["totalNumberDeathsBoxG"] == 1


def test_scenario_sizes_and_prices():
    big = make_bid_package_scenario(30, seed=3)
    priced = [b for b in big.bidders if b.total is not None]
    low = min(priced, key=lambda b: b.leveled_total or b.total)
    assert low.role == "red-low" and len(big.bidders) == 30
    assert all(abs((b.leveled_total or b.total) / 2_150_000 - 1) <= 0.15 for b in priced)
    with pytest.raises(ValueError):
        make_bid_package_scenario(31)
