"""The library facade in ``reporter/__init__.py``: the README's example works, and importing the package
costs nothing heavy (its names load on first use)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import date
from pathlib import Path

import reporter

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_readme_example_builds_a_report_and_a_packet(tmp_path):
    (source,) = reporter.load_records(SAMPLES / "redline-concrete.json")
    ctx = reporter.ReportContext(as_of=date(2026, 12, 1))
    report = reporter.build_report(source.model, ctx)
    assert report.verdict == "red" and report.company_name == "Redline Concrete Contractors, Inc."
    config = reporter.BuildConfig(out_dir=tmp_path, formats=("json", "xlsx"), context=ctx)
    packet = reporter.render_packet(source, config, "redline")
    assert packet.outputs["xlsx"][:2] == b"PK" and b'"verdict": "red"' in packet.outputs["json"]


def test_run_batch_and_verify_folder(tmp_path):
    sources = reporter.load_records(SAMPLES / "gr8-builders.json") + reporter.load_records(
        SAMPLES / "harbor-glazing.json")

    async def items():
        for s in sources:
            yield s.source, s

    config = reporter.BuildConfig(out_dir=tmp_path, formats=("json",),
                                  context=reporter.ReportContext(as_of=date(2026, 12, 1)))
    outcome = asyncio.run(reporter.run_batch(items(), config, jobs=1))
    assert outcome.built == 2 and outcome.failed == 0
    checked, problems = reporter.verify_folder(tmp_path)
    assert checked >= 4 and problems == []
    assert {i.company_name for i in reporter.read_manifest(tmp_path).items} == {
        s.model.companyName for s in sources}


def test_every_facade_name_resolves_and_unknown_names_fail():
    assert reporter.__all__ == ["__version__", *reporter._FACADE]
    for name in reporter.__all__:
        assert getattr(reporter, name) is not None
    try:
        reporter.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_importing_the_package_loads_no_heavy_library():
    code = ("import sys, reporter; heavy = [m for m in ('weasyprint', 'openpyxl', 'httpx', 'pydantic', 'jinja2')"
            " if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_the_readme_library_example_runs_as_written(tmp_path, monkeypatch):
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Library", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "samples").symlink_to(SAMPLES)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md (Library)", "exec"), {})
    assert (tmp_path / "redline.pdf").read_bytes()[:5] == b"%PDF-"
    assert reporter.verify_folder(tmp_path / "out")[1] == []
