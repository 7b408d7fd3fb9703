"""``reporter.batch_bid_prices``: what each bidder's packet and each package's rows price, for a
company on one package, on two with a bid on each, on two with one bid, and on two projects in
different currencies; a folder without a bid build keeps the plain config."""

from __future__ import annotations

from decimal import Decimal

from reporter.api.bid_package import PackageData
from reporter.batch_bid_prices import bid_config, kept_bid_config, package_configs
from reporter.config import BuildConfig

CID, OTHER = "59d2b8660000000000000069", "59d2b8660000000000000070"


def _package(pkid: str, number: str, name: str, bids: dict[str, int | None], currency: str = "USD",
             project: str = "p1") -> PackageData:
    proj = {"id": project, "name": f"Project {project}", "number": f"N-{project}", "defaultCurrency": currency,
            "endsAt": "2028-06-30T00:00:00.000Z"}
    invites = [{"id": f"i-{pkid}-{c}", "bidderCompany": {"id": c}} for c in bids]
    priced = [{"inviteId": f"i-{pkid}-{c}", "bidderCompanyId": c, "total": v, "leveledTotal": None}
              for c, v in bids.items() if v is not None]
    return PackageData(proj, {"id": pkid, "number": number, "name": name}, invites, priced, [])


def _ctx(config: BuildConfig, cid: str):
    return config.for_record(cid).context


def test_one_package_each_bidder_its_own_bid(tmp_path):
    config = bid_config([_package("a", "26", "Electrical", {CID: 2_000_000, OTHER: 1_900_000})], BuildConfig(out_dir=tmp_path))
    assert _ctx(config, CID).project.value == Decimal(2_000_000) and _ctx(config, CID).project.currency == "USD"
    assert _ctx(config, OTHER).project.value == Decimal(1_900_000)
    assert _ctx(config, CID).project.name == "Project p1" and config.context.project.number == "N-p1"
    assert str(_ctx(config, CID).project.end) == "2028-06-30"


def test_two_packages_one_packet_priced_at_the_sum_and_rows_at_each_bid(tmp_path):
    packages = [_package("a", "26", "Electrical", {CID: 2_000_000, OTHER: 1_900_000}),
                _package("b", "27", "Communications", {CID: 400_000})]
    config = bid_config(packages, BuildConfig(out_dir=tmp_path))
    project = _ctx(config, CID).project
    assert project.value == Decimal(2_400_000)
    assert project.name == "Project p1 \u00b7 award = both bids: 26 Electrical 2,000,000 + 27 Communications 400,000 USD"
    assert _ctx(config, OTHER).project.name == "Project p1"  # one package: no note
    rows = package_configs(packages, BuildConfig(out_dir=tmp_path))
    assert set(rows) == {("a", CID), ("b", CID)}
    assert rows[("a", CID)].context.project.value == Decimal(2_000_000)
    assert rows[("b", CID)].context.project.value == Decimal(400_000)
    assert rows[("b", CID)].record_contexts == () and rows[("b", CID)].context.project.name == "Project p1"


def test_two_packages_one_bid_says_which_package_it_prices(tmp_path):
    packages = [_package("a", "26", "Electrical", {CID: None}), _package("b", "27", "Communications", {CID: 400_000})]
    project = _ctx(bid_config(packages, BuildConfig(out_dir=tmp_path)), CID).project
    assert project.value == Decimal(400_000)
    assert project.name.endswith("award = its bid on 27 Communications; no bid on 26 Electrical")


def test_bids_in_two_currencies_are_not_added(tmp_path):
    packages = [_package("a", "26", "Electrical", {CID: 2_000_000}, "USD", "p1"),
                _package("b", "27", "Communications", {CID: 500_000}, "CAD", "p2")]
    project = _ctx(bid_config(packages, BuildConfig(out_dir=tmp_path)), CID).project
    assert project.value == Decimal(2_000_000) and project.currency == "USD"
    assert "award = its bid on 26 Electrical; also bid 27 Communications 500,000 CAD (not added" in project.name


def test_a_folder_without_a_bid_build_keeps_the_plain_config(tmp_path):
    config = BuildConfig(out_dir=tmp_path)
    assert kept_bid_config(config) is config
    (tmp_path / "manifest.json").write_text('{"items": []}')
    assert kept_bid_config(config) is config
