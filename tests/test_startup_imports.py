"""Start-up cost: what a command imports (issue 20). Each check runs a fresh interpreter, so
nothing an earlier test imported hides an import.

- Parsing the arguments (``reporter build --help``, and every other command's parser, which
  ``reporter`` builds each run) imports neither WeasyPrint nor httpx nor Authlib.
- An offline ``reporter build FILE --formats pdf`` renders without importing httpx, Authlib or
  openpyxl; asking for the workbook imports openpyxl, asking the API imports httpx.
- The ``--pdf-variant`` list written out in ``reporter.render.options`` is the installed
  WeasyPrint's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]))
"""


def _imports(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT)
    rc, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return rc, set(modules) & set(WATCHED)


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
