"""The lean layout (issue 20): WeasyPrint's user-agent stylesheet without the rules no packet
uses lays every sample packet out exactly as WeasyPrint's own does, HTML that could use them gets
WeasyPrint's own, and the garbage collector's pause nests, spans threads and restores its state."""

from __future__ import annotations

import gc
import io
import threading
from pathlib import Path

import pypdf
import pytest
import weasyprint
from weasyprint.html import UA

from reporter.api.saved import validate_record
from reporter.config import BuildConfig
from reporter.jsonio import loads_exact
from reporter.pipeline import render_packet
from reporter.render.lean_layout import _lean_class, document_class, gc_paused, lean_ua_css, needs_full_ua
from reporter.render.pdf import lay_out

ROOT = Path(__file__).resolve().parents[1]


def packet_html(name: str) -> str:
    """A sample's packet HTML as the ``html`` format gives it (styles inline)."""
    path = ROOT / "samples" / name
    source = validate_record(loads_exact(path.read_text()), path.name)
    config = BuildConfig(out_dir=Path("/nonexistent"), formats=("html",))
    return render_packet(source, config, "s").outputs["html"].decode()


def boxes(doc) -> list[tuple]:
    """Every box of every page: its kind, position, size and text, rounded to 1/100 px."""
    out = []
    for n, page in enumerate(doc.pages):
        for box in page._page_box.descendants():
            out.append((n, type(box).__name__, round(box.position_x, 2), round(box.position_y, 2),
                        round(box.width or 0, 2), round(box.height or 0, 2), getattr(box, "text", None)))
    return out


def test_the_lean_stylesheet_drops_the_note_rules_and_scopes_marker_and_keeps_every_other_rule():
    lean = lean_ua_css(UA)
    assert lean is not None
    bare_pseudo = [line for line in lean.splitlines() if line.startswith("::")]
    assert bare_pseudo == []  # no rule left that matches every element
    assert "li::marker, summary::marker {" in lean
    assert len(UA.splitlines()) - len(lean.splitlines()) == 5
    kept = [line for line in UA.splitlines() if not line.startswith("::")]
    assert kept == [line for line in lean.splitlines() if "li::marker" not in line]
    # a WeasyPrint whose stylesheet changed shape: keep its own
    assert lean_ua_css(UA.replace("::note-callback {", "p::note-callback {")) is None
    assert lean_ua_css(UA + "::note-extra { content: none }\n") is None
    assert lean_ua_css(UA.replace("::marker {", "li::marker {")) is None


@pytest.mark.parametrize("name", ["summit-electrical-large.json", "redline-concrete.json",
                                  "internationale-batiment.json"])
def test_a_sample_packet_is_laid_out_box_for_box_as_with_weasyprints_own_stylesheet(name):
    html = packet_html(name)
    lean = _lean_class()
    assert lean is not weasyprint.HTML and document_class(html) is lean  # sample text does not opt out
    stock_doc = weasyprint.HTML(string=html).render()
    lean_doc = lean(string=html).render()
    assert len(lean_doc.pages) == len(stock_doc.pages) >= 5
    assert boxes(lean_doc) == boxes(stock_doc)


def test_html_or_css_that_could_use_notes_or_list_items_gets_weasyprints_own_stylesheet():
    note = '<p>Bonding<span style="float: footnote">Surety letter dated 2026-10-01</span></p>'
    assert needs_full_ua(note) and document_class(note) is weasyprint.HTML
    assert document_class("<p>x</p>", "div.flag { display: list-item }") is weasyprint.HTML
    assert not needs_full_ua("<p>Notes: none</p>", "p { margin: 0 }", None)
    # why: WeasyPrint's stylesheet numbers the note; without its footnote rules the layout fails
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(
        weasyprint.HTML(string=note).write_pdf())).pages)
    assert "Bonding1" in text.replace(" ", "")
    with pytest.raises(TypeError):
        _lean_class()(string=note).render()


def test_lay_out_and_the_packet_render_keep_a_users_footnotes():
    css = "span.n { float: footnote }"
    doc = lay_out('<p>Bonding<span class="n">Surety letter</span></p>', css)
    texts = [getattr(b, "text", "") for p in doc.pages for b in p._page_box.descendants()]
    assert "1" in texts  # the footnote call, from WeasyPrint's own stylesheet


def test_gc_pause_nests_restores_and_leaves_a_disabled_collector_disabled():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: not switched on behind the caller's back
    finally:
        gc.enable()


def test_gc_pause_spans_threads_until_the_last_block_ends():
    inside, release = threading.Event(), threading.Event()

    def worker():
        with gc_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(10)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the worker's block is still open
    release.set()
    t.join(10)
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_packet_render_and_after_a_failed_one(monkeypatch):
    path = ROOT / "samples" / "redline-concrete.json"
    source = validate_record(loads_exact(path.read_text()), path.name)
    packet = render_packet(source, BuildConfig(out_dir=Path("/nonexistent"), formats=("pdf",)), "s")
    assert packet.outputs["pdf"].startswith(b"%PDF-") and gc.isenabled()

    def broken(self, *args, **kwargs):
        assert not gc.isenabled()  # paused while WeasyPrint works
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(_lean_class(), "render", broken)
    from reporter.errors import RenderError
    from reporter.render.pdf import render_pdf
    with pytest.raises(RenderError, match="layout exploded"):
        render_pdf("<p>x</p>")
    assert gc.isenabled()
