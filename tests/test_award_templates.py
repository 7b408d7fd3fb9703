"""The award recommendation takes ``--templates DIR`` overrides like the packet (the same ChoiceLoader,
``reporter.render.html.environment``): an ``award.html.j2`` there is used, a folder without one
falls back to the bundled template, and without overrides the page renders exactly as before."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import jinja2

from reporter.config import BuildConfig
from reporter.render.assets import asset_dir
from reporter.render.award import award_context, render_award, render_award_html
from reporter.render.bid_rows import BidderFacts, build_view
from tests.fakes.bc_scenario import make_bid_package_scenario

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "bid-package"


def _view():
    from reporter.api.bid_package import PackageData, latest_bids

    sc = make_bid_package_scenario(7)
    pkg = next(p for p in sc.bc.bid_packages if p["id"] == sc.package_id)
    data = PackageData(sc.bc.projects[0], pkg, [i for i in sc.bc.invites if i["bidPackageId"] == sc.package_id],
                       latest_bids([b for b in sc.bc.bids if b["bidPackageId"] == sc.package_id]), [])
    facts = {b.company_id: BidderFacts(verdict="red" if b.role == "red-low" else "green",
                                       top_reasons=[f"<b>{b.role}</b> reason"])
             for b in sc.bidders if b.company_id}
    return sc, build_view(data, facts, {}, {}, now=sc.now)


def _with_templates(config: BuildConfig, folder: Path | None) -> BuildConfig:
    return dataclasses.replace(config, render=dataclasses.replace(config.render, templates=folder))


def _bundled_html(view, config) -> str:
    """The award page as the bundled template renders it on its own loader (how it was made before)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(asset_dir("templates"))), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("award.html.j2").render(**award_context(view, config))


def test_without_an_award_override_the_page_is_unchanged(tmp_path):
    _, view = _view()
    config = BuildConfig(out_dir=tmp_path)
    before = _bundled_html(view, config)
    assert render_award_html(view, config) == before
    other = tmp_path / "tpl"  # overrides of the packet only: the award falls back to the bundle
    other.mkdir()
    (other / "packet.html.j2").write_text("<html><body>custom packet</body></html>")
    assert render_award_html(view, _with_templates(config, other)) == before
    assert "&lt;b&gt;red-low&lt;/b&gt;" in before  # still autoescaped


def test_an_award_override_is_used_and_autoescaped(tmp_path):
    sc, view = _view()
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "award.html.j2").write_text(
        "<!DOCTYPE html><html><head><title>{{ title }}</title></head><body><h1>ACME AWARD MEMO {{ title }}</h1>"
        "<p>Low: {{ low_name }}; qualified: {{ lq_name }}</p>"
        "{% for r in rows %}<p>{{ r.name }}: {{ r.reason }}</p>{% endfor %}</body></html>")
    config = _with_templates(BuildConfig(out_dir=tmp_path), folder)
    html = render_award_html(view, config)
    assert html.startswith("<!DOCTYPE html>") and "ACME AWARD MEMO 26 00 00 Electrical" in html
    assert f"Low: {sc.bidder('red-low').company_name}" in html
    assert "&lt;b&gt;red-low&lt;/b&gt;" in html and "<b>red-low</b>" not in html
    pdf = tmp_path / "award.pdf"
    pdf.write_bytes(render_award(view, config))
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "ACME AWARD MEMO" in text and "Reason the apparent low was passed over" not in text


def test_build_templates_option_reaches_the_award_pdf(tmp_path, monkeypatch):
    from reporter.cli import main

    monkeypatch.setenv("BUILDINGCONNECTED_BASE_URL", "http://127.0.0.1:9/construction/buildingconnected/v2")
    monkeypatch.setenv("TRADETAPP_BASE_URL", "http://127.0.0.1:9/v2")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "award.html.j2").write_text("<html><body><h1>OVERRIDDEN {{ title }}</h1><p>{{ summary }}</p>"
                                          "</body></html>")
    out = tmp_path / "out"
    assert main(["build", str(SAMPLE), "--out", str(out), "--jobs", "1", "-q", "--formats", "pdf",
                 "--templates", str(folder)]) == 0
    (pdf,) = out.glob("*_award-recommendation.pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())
    assert "OVERRIDDEN 26 00 00 Electrical" in text and "Apparent low:" in text
    packets = [p for p in out.glob("*.pdf") if not p.name.endswith("_award-recommendation.pdf")]
    assert packets  # the packets still come from the bundled templates (no packet override given)
    first = subprocess.run(["pdftotext", str(packets[0]), "-"], check=True, capture_output=True, text=True).stdout
    assert "OVERRIDDEN" not in first
