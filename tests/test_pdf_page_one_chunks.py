"""Page one measured by chunks (issue 20): a shortened page one's end and flag lines, worked out
from page one in full and its changed chunks laid out alone, are where a whole layout of it puts
them; every shortening of a sample's page one costs at most two tall layouts; a page one without
the chunks is still measured, whole."""

from __future__ import annotations

import re

import pytest
from test_pdf_page_one_fit import AGREE, PROJECT, SAMPLES, _override, extreme, packet_of

from reporter.render.page_one_chunks import FLAGS, Shift, chunks, comparable, probe_html, shift
from reporter.render.page_one_fit import ChunkProbe, Fit, Fitter, candidates

MASTHEAD = '<table class="masthead"><tr><td>Acme</td></tr></table>'
FLAG_LINES = '<ul class="flaglist"><li id="flag-line-1">HIGH no W-9</li></ul>'


def _page(**inner: str) -> dict[str, str]:
    page = {"masthead": MASTHEAD, "legal": "<p>legal</p>", FLAGS: FLAG_LINES, "signoff": "<footer>sign</footer>"}
    page.update(inner)
    return page


def test_a_chunk_changed_above_the_flags_moves_them_and_the_end_below_only_the_end():
    full = _page()
    heights = {"masthead": 40.0, "legal": 30.0, FLAGS: 50.0, "signoff": 20.0}
    short = _page(legal="<p>one line</p>")
    assert shift(full, short, heights, {"<p>one line</p>": 12.0}) == Shift(above=-18.0, below=0.0)
    both = _page(legal="<p>one line</p>", signoff="<footer>s</footer>")
    assert shift(full, both, heights, {"<p>one line</p>": 12.0, "<footer>s</footer>": 25.0}) == Shift(-18.0, 5.0)
    assert shift(full, full, heights, {}) == Shift()  # nothing changed, nothing moves


def test_chunks_whose_flag_lines_or_order_differ_are_not_compared():
    full = _page()
    assert not comparable(full, _page(**{FLAGS: FLAG_LINES.replace("no W-9", "no W…")}))
    reordered = dict(reversed(list(full.items())))
    assert not comparable(full, reordered)
    assert shift(full, reordered, dict.fromkeys(full, 1.0), {}) is None


def test_chunks_are_read_in_page_order_and_a_page_without_the_flags_chunk_has_none():
    html = ('<section class="page-one" id="page-one">'
            f'<div class="fit-chunk" id="fit-chunk-masthead">{MASTHEAD}</div><!--/fit-chunk-->'
            f'<div class="fit-chunk" id="fit-chunk-flags"><div>{FLAG_LINES}</div></div><!--/fit-chunk-->'
            '</section>')
    assert chunks(html) == {"masthead": MASTHEAD, FLAGS: f"<div>{FLAG_LINES}</div>"}  # the inner </div> kept
    assert chunks(html.replace("fit-chunk-flags", "fit-chunk-other")) is None
    page = f"<html><body>{html}</body></html>"
    alone = probe_html(page, ["<p>a</p>", "<p>b</p>"], with_page_one=False)
    assert alone is not None and "fit-chunk-masthead" not in alone
    assert '<div class="fit-chunk" id="fit-probe-1"><p>b</p></div>' in alone
    beside = probe_html(page, ["<p>a</p>"], with_page_one=True)
    assert beside is not None and beside.index("fit-chunk-flags") < beside.index("fit-probe-0")
    assert probe_html("<html><body><p>override</p></body></html>", ["<p>a</p>"], with_page_one=True) is None
    wrapped = probe_html(f"<html><body><main>{html}</main><p>after</p></body></html>", ["<p>a</p>"], with_page_one=True)
    assert wrapped is not None and wrapped.index("fit-probe-0") < wrapped.index("</main>")  # held as page one is


def _compare_every_shortening(fitter: Fitter) -> int:
    """For every shortening whose flag lines are the full page one's, the end and every flag line
    worked out from the chunks are within a hundredth of a pixel of a whole tall layout's; the
    number compared."""
    steps = list(candidates())[1:]
    full_chunks = chunks(fitter._measuring(Fit()))
    assert full_chunks is not None
    shortened = {fit: chunks(fitter._measuring(fit)) for fit in steps}
    probe = ChunkProbe(full_chunks, fitter._lay_tall, fitter.n_flags, fitter.n_flags > 0)
    full = probe.first(fitter._measuring(Fit()), shortened.values())
    assert full is not None and fitter.layouts == 1
    compared = 0
    for fit, ch in shortened.items():
        assert ch is not None
        if not comparable(full_chunks, ch):
            assert fit.line_max is not None  # only the flag lines' own shortening is laid out whole
            continue
        by_chunks, whole = probe.layout(full, ch), fitter._tall(fit)
        assert by_chunks is not None and whole is not None
        assert by_chunks.end == pytest.approx(whole.end, abs=0.01), fit
        assert len(by_chunks.lines) == len(whole.lines)
        for a, b in zip(by_chunks.lines + ((by_chunks.more,) if by_chunks.more else ()),
                        whole.lines + ((whole.more,) if whole.more else ()), strict=True):
            assert a == pytest.approx(b, abs=0.01), fit
        compared += 1
    return compared


@pytest.mark.parametrize(("record", "size"), AGREE)
def test_every_shortening_measured_by_chunks_is_where_a_whole_layout_puts_it(tmp_path, record, size):
    path = SAMPLES / record if record.endswith(".json") else extreme(tmp_path, record)
    fitter = Fitter(packet_of(path, size, project=None if record.endswith(".json") else PROJECT))
    assert _compare_every_shortening(fitter) >= 6  # the shortenings before the flag lines are cut


@pytest.mark.parametrize(("sample", "size", "layouts"), [("gr8-builders.json", "a4", 1),
                                                          ("summit-electrical-large.json", "letter", 2),
                                                          ("redline-concrete.json", "letter", 2)])
def test_a_shortened_page_one_costs_one_or_two_tall_layouts(sample, size, layouts):
    """Before, one tall layout per shortening tried (summit on Letter: four, for three steps)."""
    fitter = Fitter(packet_of(SAMPLES / sample, size))
    fit = fitter.predict()
    assert fit is not None and fit != Fit() and fitter.layouts == layouts
    assert fitter.fits(fit)  # a real layout of page one with it is one page


def test_a_page_one_override_without_the_chunks_is_measured_whole(tmp_path):
    folder = _override(tmp_path, "page_one.html.j2",
                       lambda t: re.sub(r'<div class="fit-chunk" id="fit-chunk-[a-z]+">|</div><!--/fit-chunk-->', "", t))
    src = SAMPLES / "summit-electrical-large.json"
    whole = Fitter(packet_of(src, "letter", templates=folder))
    by_chunks = Fitter(packet_of(src, "letter"))
    assert whole.predict() == by_chunks.predict() != Fit()
    assert whole.layouts == 4 and by_chunks.layouts == 2  # in full and three shortenings, each whole


def test_a_style_that_narrows_the_first_page_measures_the_same(tmp_path):
    """A ``--style`` giving the first page wider margins: the probes share page one's page, so its
    width (on a page of their own they were measured 31 mm wider, and every shortening came out
    shorter than it is); the fit is still the search's."""
    from datetime import UTC, date, datetime

    from reporter.pipeline import side_of, sources_from_files
    from reporter.render.html import packet_pages
    from reporter.render.options import RenderOptions
    from reporter.transform.model import Project, ReportContext
    from reporter.transform.report import build_report

    style = tmp_path / "first.css"
    style.write_text("@page :first { margin-left: 45mm; }\n", encoding="utf-8")
    ((_, source),) = list(sources_from_files([str(SAMPLES / "gr8-builders.json")]))
    ctx = ReportContext(as_of=date(2026, 11, 28), generated_at=datetime(2026, 11, 28, 9, tzinfo=UTC), project=Project())
    packet = packet_pages(build_report(source.model, ctx, side_of(source)), RenderOptions(style=str(style)))
    assert _compare_every_shortening(Fitter(packet)) >= 6
    measured = Fitter(packet)
    predicted = measured.predict()
    assert predicted is not None and measured.layouts == 1
    assert predicted == Fitter(packet).search() != Fit()
