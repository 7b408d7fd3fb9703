"""Start-up cost: what a command imports (issue 20). Each check runs a fresh interpreter, so
nothing an earlier test imported hides an import.

- Parsing the arguments (``reporter build --help``, and every other command's parser, which
  ``reporter`` builds each run) imports neither WeasyPrint nor httpx nor Authlib.
- An offline ``reporter build FILE --formats pdf`` renders without importing httpx, Authlib or
  openpyxl (nor WeasyPrint itself with one job: its layout process does); asking for the workbook imports openpyxl, asking the API imports httpx.
- The ``--pdf-variant`` list written out in ``reporter.render.options`` is the installed
  WeasyPrint's.
- Parsing the arguments imports no pydantic either, nor the modules only some commands need
  (the ``--updated-since`` clock ``reporter.api.sync_state``, the manifest readers of ``verify``).
- The wire models are built on first validation (``defer_build``): importing them builds no
  validator, and a build of a record without side files never imports the financials and flags
  models (``reporter.api.financials_models``); one with side files does, and reads them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "gr8-builders.json"
WATCHED = ("weasyprint", "httpx", "httpcore", "authlib", "openpyxl", "jinja2")

PROBE = """
import json, sys
from reporter.cli import main
try:
    rc = main(sys.argv[1:])
except SystemExit as exc:
    rc = exc.code
print(json.dumps([rc, sorted(sys.modules)]))
"""


def _modules(*argv: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Exit status of ``reporter ARGV`` run in a fresh interpreter, and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})})
    rc, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return rc, set(modules)


def _imports(*argv: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    rc, modules = _modules(*argv, env=env)
    return rc, {m.split(".")[0] for m in modules} & set(WATCHED)


def _fresh(code: str) -> object:
    """The JSON value ``code`` prints last, run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_argument_parsing_imports_no_renderer_and_no_http(tmp_path):
    rc, heavy = _imports("build", "--help")
    assert rc == 0
    assert heavy == set()
    rc, heavy = _imports("--help")
    assert rc == 0
    assert heavy == set()


def test_offline_pdf_build_imports_no_http_client_and_no_workbook_library(tmp_path):
    rc, heavy = _imports("build", str(SAMPLE), "--out", str(tmp_path / "o"), "--formats", "pdf", "--jobs", "1", "-q")
    assert rc == 0
    assert list((tmp_path / "o").glob("*.pdf"))
    assert heavy == {"jinja2"}  # WeasyPrint only in the layout process (reporter.render.layout_process)
    rc, heavy = _imports("build", str(SAMPLE), "--out", str(tmp_path / "p"), "--formats", "pdf", "--jobs", "1", "-q",
                         env={"REPORTER_LAYOUT_PROCESS": "off"})
    assert rc == 0
    assert list((tmp_path / "p").glob("*.pdf"))
    assert heavy == {"weasyprint", "jinja2"}


def test_workbook_build_imports_openpyxl_only_when_asked(tmp_path):
    rc, heavy = _imports("build", str(SAMPLE), "--out", str(tmp_path / "o"), "--formats", "xlsx", "--jobs", "1", "-q")
    assert rc == 0
    assert "openpyxl" in heavy
    assert not heavy & {"weasyprint", "httpx", "authlib"}


def test_bad_pdf_variant_is_refused_without_weasyprint(tmp_path):
    rc, heavy = _imports("build", str(SAMPLE), "--out", str(tmp_path / "o"), "--pdf-variant", "pdf/z-9")
    assert rc == 2
    assert "weasyprint" not in heavy


def test_written_out_variants_are_weasyprints():
    from reporter.render.options import PDF_VARIANTS
    from reporter.render.pdf import variants

    assert list(PDF_VARIANTS) == variants()


COMMAND_ONLY = ("reporter.api.sync_state", "reporter.deliver.manifest", "reporter.deliver.verify",
                "reporter.api.financials_models", "reporter.api.models")


def test_argument_parsing_imports_no_pydantic_and_no_command_only_modules():
    rc, modules = _modules("build", "--help")
    assert rc == 0
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")}
    assert not modules & set(COMMAND_ONLY)
    assert "reporter.commands.verify" in modules  # every command's parser was built


def test_offline_build_without_side_files_never_builds_the_financials_models(tmp_path):
    record = ROOT / "samples" / "harbor-glazing.json"
    assert not list(record.parent.glob("harbor-glazing.*.json"))  # no side files beside it
    rc, modules = _modules("build", str(record), "--out", str(tmp_path / "o"), "--formats", "pdf", "--jobs", "1", "-q")
    assert rc == 0
    assert list((tmp_path / "o").glob("*.pdf"))
    assert "reporter.api.models" in modules  # the record itself is validated
    assert "reporter.api.financials_models" not in modules
    assert "reporter.api.sync_state" not in modules


def test_offline_build_with_side_files_validates_them(tmp_path):
    assert (SAMPLE.parent / "gr8-builders.financials.json").is_file()
    rc, modules = _modules("build", str(SAMPLE), "--out", str(tmp_path / "o"), "--formats", "json", "--jobs", "1", "-q")
    assert rc == 0
    assert "reporter.api.financials_models" in modules
    (report,) = (p for p in (tmp_path / "o").glob("*.json") if p.name != "manifest.json")
    assert json.loads(report.read_text(encoding="utf-8"))["tradetapp"]["financialsStatus"] == "present"


def test_a_bad_side_file_still_fails_in_one_line(tmp_path):
    record = tmp_path / "sub.json"
    record.write_bytes(SAMPLE.read_bytes())
    (tmp_path / "sub.financials.json").write_text('{"statements": "not a list"}', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reporter", "build", str(record), "--out", str(tmp_path / "o"),
                           "--formats", "json", "-q"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    lines = [ln for ln in done.stderr.splitlines() if "sub.financials.json" in ln]
    assert lines, done.stderr
    assert "Traceback" not in done.stderr


def test_wire_models_are_built_on_first_validation():
    built = _fresh("""
import json
from reporter.api import models
before = [models.Qualification.__pydantic_complete__, models.OfficeAddress.__pydantic_complete__]
models.Qualification.model_validate({"id": "x", "companyOfficeAddresses": {"results": [{"city": "Reno"}]}})
after = models.Qualification.__pydantic_complete__
print(json.dumps(before + [after]))
""")
    assert built == [False, False, True]


def test_flag_page_aliases_are_the_parametrized_pages():
    from reporter.api import financials_models as fm
    from reporter.api import financials_names

    assert fm.FlagPage is fm.Page[fm.Flag]
    assert fm.StateHistoryPage is fm.Page[fm.FlagState]
    assert fm.FlagPage.model_validate({"pagination": None, "results": None}).results == []
    with pytest.raises(AttributeError):
        fm.NoSuchPage  # noqa: B018
    assert fm.METRIC_FIELDS is financials_names.METRIC_FIELDS
    assert fm.RAW_DATA_FIELDS is financials_names.RAW_DATA_FIELDS
