"""The layout process (``reporter.render.layout_process``): a one-job build's layouts in a fork
that imported WeasyPrint while the build read its record (issue 20).

Each check runs in a fresh interpreter (the fork is only made where WeasyPrint is not imported
yet and one thread runs, which a test process is not). What is checked:

- ``reporter build FILE --jobs 1`` forks it: the build's own process never imports WeasyPrint,
  and its packet has the same pages, text and first page, to the pixel, as a build with
  ``REPORTER_LAYOUT_PROCESS=off``; the HTML format (page one measured there too) is the same.
- What ``render_pdf`` collects comes back from it: WeasyPrint's warnings and the resources the
  locked fetcher refused; a WeasyPrint failure is the same one-line ``RenderError``.
- A handler's exception is raised again in the parent with the fork's traceback as a note.
- When the fork dies, the next call says so (``LayoutProcessGone``), and ``lay_out``,
  ``page_geometry`` and ``render_pdf`` go on in the parent: the build still succeeds.
- It ignores Ctrl-C (the parent handles it); ``stop`` ends and reaps it; a build that fails on
  its options leaves no process behind; none is made where another thread runs, with WeasyPrint
  already imported, or with ``REPORTER_LAYOUT_PROCESS=off``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import needs_tools, pdftotext

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "gr8-builders.json"
LARGE = ROOT / "samples" / "summit-electrical-large.json"


def _run(code: str, env: dict[str, str] | None = None) -> dict:
    """The JSON object ``code`` prints last, run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


BUILD = """
import datetime, json, os, sys
import reporter.config
from reporter.cli import main
from reporter.render import layout_process

class Fixed(datetime.datetime):  # one "generated at" for both builds compared
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime(2026, 11, 28, 9, 30, tzinfo=datetime.UTC)

reporter.config.datetime = Fixed
seen = []
start = layout_process.start
def recorded(*a):
    host = start(*a)
    seen.append(None if host is None else host.pid)
    return host
layout_process.start = recorded
rc = main(sys.argv[1:])
pid = seen[0] if seen else None
gone = True
if pid:
    try:
        os.waitpid(pid, os.WNOHANG)
        gone = False
    except ChildProcessError:  # stopped and reaped by the build
        pass
print(json.dumps({"rc": rc, "forked": pid is not None, "reaped": gone,
                  "weasyprint": "weasyprint" in sys.modules}))
"""


def _build(tmp_path: Path, name: str, *argv: str, off: bool = False, jobs: tuple[str, ...] = ("--jobs", "1")
           ) -> tuple[dict, Path]:
    out = tmp_path / name
    env = {"REPORTER_LAYOUT_PROCESS": "off"} if off else {"REPORTER_LAYOUT_PROCESS": ""}
    done = subprocess.run([sys.executable, "-c", BUILD, "build", *argv, "--out", str(out), "--as-of", "2026-11-28",
                           *jobs, "-q"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env}, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1]), out


def _first_page_png(pdf: Path, tmp: Path) -> str:
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp)],
                   check=True)
    return hashlib.sha256(tmp.with_suffix(".png").read_bytes()).hexdigest()


@needs_tools("pdftotext", "pdftoppm")
@pytest.mark.parametrize("sample", [SAMPLE, LARGE], ids=["example", "large"])
def test_a_one_job_build_lays_out_in_the_fork_and_prints_the_same_packet(tmp_path, sample):
    forked, out = _build(tmp_path, "forked", str(sample), "--formats", "pdf,html")
    alone, out_off = _build(tmp_path, "alone", str(sample), "--formats", "pdf,html", off=True)
    assert forked == {"rc": 0, "forked": True, "reaped": True, "weasyprint": False}
    assert alone == {"rc": 0, "forked": False, "reaped": True, "weasyprint": True}
    (pdf,) = out.glob("*.pdf")
    (pdf_off,) = out_off.glob("*.pdf")
    assert pdftotext(pdf) == pdftotext(pdf_off)
    assert _first_page_png(pdf, tmp_path / "a") == _first_page_png(pdf_off, tmp_path / "b")
    (html,) = out.glob("*.html")
    (html_off,) = out_off.glob("*.html")
    assert html.read_text(encoding="utf-8") == html_off.read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest_off = json.loads((out_off / "manifest.json").read_text(encoding="utf-8"))
    assert [i.get("warnings") for i in manifest["items"]] == [i.get("warnings") for i in manifest_off["items"]]


def test_a_build_that_fails_on_its_options_leaves_no_process(tmp_path):
    result, _ = _build(tmp_path, "bad", str(SAMPLE), "--formats", "pdf", "--pdf-variant", "pdf/z-9")
    assert result["rc"] == 2
    assert result["forked"] is True and result["reaped"] is True


def test_one_record_with_the_default_jobs_is_built_with_the_layout_process(tmp_path):
    result, out = _build(tmp_path, "d", str(SAMPLE), "--formats", "pdf", jobs=())
    assert result == {"rc": 0, "forked": True, "reaped": True, "weasyprint": False}
    assert len(list(out.glob("*.pdf"))) == 1
    result, out = _build(tmp_path, "u", str(SAMPLE), "--formats", " PDF ,json", jobs=())  # read as the build reads it
    assert result == {"rc": 0, "forked": True, "reaped": True, "weasyprint": False}
    assert len(list(out.glob("*.pdf"))) == 1


def test_no_fork_for_a_workbook_only_build(tmp_path):
    result, out = _build(tmp_path, "x", str(SAMPLE), "--formats", "json")
    assert result == {"rc": 0, "forked": False, "reaped": True, "weasyprint": False}
    assert list(out.glob("*.json"))


RENDER = """
import json, os, signal, sys
from reporter.render import layout_process, pdf
from reporter.errors import RenderError
assert pdf.start_layout_process()
host = layout_process.current()
os.kill(host.pid, signal.SIGINT)  # ignored: the parent handles Ctrl-C
html = ('<html><head><style>@import url("http://127.0.0.1:9/b.css");</style></head><body><p id="p">x</p>'
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/d.png"></body></html>')
result = pdf.render_pdf(html, variant="none", keep=lambda doc: "p" in doc.pages[0].anchors, refit=lambda: None)
laid = pdf.lay_out("<p id='a'>a</p><p id='b' style='break-before: page'>b</p>")
geometry = pdf.page_geometry("@page { size: A5; margin: 10mm }")
try:
    pdf.render_pdf("<p>x</p>", variant="pdf/nonesuch")
    failure = None
except RenderError as exc:
    failure = str(exc)
print(json.dumps({
    "pdf": result.data[:5].decode(), "blocked": sorted(result.blocked), "html": result.html == html,
    "pages": [sorted(p.anchors) for p in laid.pages], "kind": type(laid).__name__,
    "width": round(geometry.width, 2), "bottom": round(geometry.content_bottom, 2),
    "failure": failure, "alive": layout_process.current() is not None,
    "weasyprint": "weasyprint" in sys.modules}))
"""


def test_layouts_writes_and_failures_come_back_from_the_fork():
    got = _run(RENDER)
    assert got["alive"] is True and got["weasyprint"] is False
    assert got["pdf"] == "%PDF-"
    assert got["html"] is True
    assert "file:///etc/passwd" in got["blocked"] and any(u.endswith("/d.png") for u in got["blocked"])
    assert any(u.endswith("/b.css") for u in got["blocked"])
    assert got["kind"] == "Laid" and got["pages"] == [["a"], ["b"]]
    assert got["width"] == pytest.approx(148 / 25.4 * 96, abs=0.01)  # A5 in CSS px
    assert got["bottom"] == pytest.approx((210 - 10) / 25.4 * 96, abs=0.01)
    assert got["failure"] is not None and got["failure"].startswith("PDF rendering failed: ")
    assert "\n" not in got["failure"]


HANDLERS = """
import json, os, signal, threading, sys, time
from reporter.render import layout_process as lp
def boom(x):
    raise ValueError(f"bad {x}")
def unsendable():
    return lambda: None
host = lp.start({"echo": lambda x: x * 2, "boom": boom, "unsendable": unsendable, "pid": os.getpid}, lambda: None)
out = {"echo": host.call("echo", 21), "pid_differs": host.call("pid") != os.getpid()}
try:
    host.call("boom", 3)
except ValueError as exc:
    out["boom"] = str(exc)
    out["note"] = "(raised in the layout process)" in "".join(getattr(exc, "__notes__", []))
    out["traceback"] = "in boom" in "".join(getattr(exc, "__notes__", []))
try:
    host.call("unsendable")
except RuntimeError as exc:
    out["unsendable"] = str(exc)
out["again"] = lp.start({}, lambda: None) is host  # one at a time
os.kill(host.pid, signal.SIGKILL)
time.sleep(0.2)
try:
    host.call("echo", 1)
except lp.LayoutProcessGone:
    out["gone"] = True
out["current"] = lp.current() is None
lp.stop()
t = threading.Thread(target=time.sleep, args=(0.5,))
t.start()
out["with_a_thread"] = lp.start({}, lambda: None) is None
t.join()
os.environ[lp.ENV] = "off"
out["off"] = lp.start({}, lambda: None) is None
print(json.dumps(out))
"""


def test_handlers_errors_and_a_dead_fork():
    got = _run(HANDLERS)
    assert got["echo"] == 42 and got["pid_differs"] is True
    assert got["boom"] == "bad 3" and got["note"] is True and got["traceback"] is True
    assert got["unsendable"].startswith("unsendable: could not send its result")
    assert got["again"] is True
    assert got["gone"] is True and got["current"] is True
    assert got["with_a_thread"] is True and got["off"] is True


FALLBACK = """
import json, os, signal, sys, time
from reporter.render import layout_process, pdf
assert pdf.start_layout_process()
host = layout_process.current()
first = pdf.lay_out("<p id='a'>a</p>")
os.kill(host.pid, signal.SIGKILL)
time.sleep(0.2)
after = pdf.lay_out("<p id='a'>a</p>")
result = pdf.render_pdf("<p>x</p>", variant="none")
print(json.dumps({"first": type(first).__name__, "after": type(after).__name__,
                  "anchors": sorted(after.pages[0].anchors), "pdf": result.data[:5].decode(),
                  "current": layout_process.current() is None, "weasyprint": "weasyprint" in sys.modules}))
"""


def test_when_the_fork_dies_the_parent_lays_out_itself():
    got = _run(FALLBACK)
    assert got["first"] == "Laid"
    assert got["after"] == "Document" and got["anchors"] == ["a"]
    assert got["pdf"] == "%PDF-" and got["current"] is True and got["weasyprint"] is True


def test_no_fork_once_weasyprint_is_imported():
    got = _run("import json, weasyprint\nfrom reporter.render import pdf\n"
               "print(json.dumps({'started': pdf.start_layout_process()}))")
    assert got == {"started": False}

