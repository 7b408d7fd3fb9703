"""``--templates DIR``: templates there replace the bundled ones by name; the rest still come from
the bundle; the Jinja environment is built once per configuration."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import clean_record

from reporter.api.models import Qualification
from reporter.cli import main
from reporter.render.html import environment, render_html
from reporter.render.options import RenderOptions
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report


def report():
    return build_report(Qualification.model_validate(clean_record()), ReportContext(as_of=date(2026, 11, 28)))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return folder


def test_an_override_replaces_the_bundled_template_and_the_rest_stay_bundled(tmp_path):
    folder = write(tmp_path, "page_one.html.j2",
                   '<section class="mine">OUR PAGE ONE for {{ r.company_name }}: {{ r.qualification.status }}</section>')
    html = render_html(report(), RenderOptions(templates=folder))
    assert "OUR PAGE ONE for Clean Co: QUALIFIED" in html
    assert 'class="page-one"' not in html  # the bundled page one is gone...
    assert '<h1 id="company">Company</h1>' in html and "All flags (0)" in html  # ...packet.html.j2 is bundled
    assert 'class="page-one"' in render_html(report())  # without the option: the bundle


def test_a_section_override_is_used_for_that_section_only(tmp_path):
    folder = write(tmp_path, "sections/insurance.html.j2",
                   "<p>OUR INSURANCE: {{ r.insurance | length }} coverages, first {{ r.insurance[0].label }}</p>")
    html = render_html(report(), RenderOptions(templates=folder))
    section = html.split('id="s-insurance"', 1)[1].split("</section>", 1)[0]
    assert "OUR INSURANCE: 4 coverages, first General liability" in section
    assert '<table class="grid insurance"' not in section  # not the generic table
    assert '<table class="grid emr"' in html  # other sections: the bundled generic table


def test_the_environment_is_built_once_and_finds_overrides_when_built(tmp_path):
    environment.cache_clear()
    rep = report()
    render_html(rep, RenderOptions(templates=tmp_path))
    render_html(rep, RenderOptions(templates=tmp_path))
    render_html(rep)
    info = environment.cache_info()
    assert (info.misses, info.hits) == (2, 1)
    env = environment(rep.locale, rep.timezone, tmp_path)
    assert env.globals["custom_sections"] == frozenset({"references"})  # the bundle's own section layout


def test_build_with_templates_uses_them_and_checks_the_folder(tmp_path, capsys):
    folder = write(tmp_path / "theme", "page_one.html.j2", "<p>THEMED {{ r.company_id }}</p>")
    src = tmp_path / "rec.json"
    src.write_text('{"id": "t1", "companyName": "Themed Co", "qualification": {"status": "QUALIFIED"}}')
    out = tmp_path / "out"
    assert main(["build", str(src), "--out", str(out), "--formats", "html", "--templates", str(folder),
                 "--as-of", "2026-11-28", "--jobs", "1", "-q"]) == 0
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "THEMED t1" in html and "All flags" in html
    capsys.readouterr()
    assert main(["build", str(src), "--out", str(out), "--templates", str(tmp_path / "nope"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--templates" in err and "nope" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("name", ["packet.html.j2", "macros.html.j2"])
def test_every_bundled_template_can_be_overridden(tmp_path, name):
    folder = write(tmp_path, name, "MARKER" if name == "packet.html.j2" else
                   (Path(__file__).parents[1] / "templates" / name).read_text(encoding="utf-8") + "{# x #}")
    html = render_html(report(), RenderOptions(templates=folder))
    assert ("MARKER" in html) == (name == "packet.html.j2")
