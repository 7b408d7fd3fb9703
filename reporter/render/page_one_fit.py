"""Render stage: fit page one on one page by measuring it, not by guessing line counts.

Input: a packet that renders page one alone as HTML for a given ``Fit`` (``PageOne``: the packet's
own template and styles), and the number of flags page one could list. Output: the first ``Fit``
whose page one WeasyPrint lays out on one page, in a fixed order of shortening:

1. everything in full (the usual case);
2. then, each step kept and the flag lines counted again (the rest "and N more", pointing to All
   flags): the TradeTapp block compact, the evidence line short and one legal answer quoted;
   shorter carrier names; the legal box one line; shorter DBA / legal names; the denial reason cut
   (in full under Qualification decision); at most four insurance rows; a shorter company name;
   last, verdict reasons and flag lines cut (in full under All flags).

Measured, not searched (``Fitter``): page one is laid out on a page as wide as the real one and
5000 mm tall, and WeasyPrint's own boxes say where it ends (``#page-one``) and where every flag line
starts and ends (``#flag-line-N``, ``#flags-more``: the measuring HTML lists every flag and one "and
1 more" line), so one layout tells how many flag lines fit the real page's content area
(``page_geometry``). The shortenings are measured by their chunks (``ChunkProbe``,
``reporter.render.page_one_chunks``): page one in full is laid out with the chunks the first
shortening changes below it on the same page, and, when that does not hold either, the chunks every
later one changes in one more layout; a shortening of the flag lines themselves (``line_max``) is
laid out whole. The prediction is then confirmed by a real layout: the packet's own (the PDF
renderer's ``keep`` check, ``page_one_kept``) or page one's alone (the ``html`` format); when it
spilled, one line fewer is tried, then the old binary search over real layouts (``fit_page_one``),
which is also what a ``--templates`` page one without those ids gets (one without the chunks is
laid out whole for each shortening). Every layout shares the process's font configuration, parsed
stylesheet and the locked URL fetcher (``reporter.render.pdf.lay_out``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from reporter.render.page_one_chunks import (
    NO_BREAK,
    changed,
    chunks,
    comparable,
    heights,
    probe_html,
    probe_id,
    shift,
)
from reporter.render.pdf import EMPTY_STYLE, lay_out, page_geometry

MIN_FLAGS = 1
TALL = "5000mm"  # the measuring page's height: room for any page one
# The rough count (``PageOne.rough_lines``) up to which the packet is laid out before page one is
# measured, for an A4 page's content area (986 px; a shorter page: fewer, in proportion). Only the
# order of the layouts depends on it, never the fit (tests/benchmarks/README.md: how it was chosen).
LIKELY_FIT_LINES, A4_CONTENT_PX = 19, 986.0


@dataclass(frozen=True)
class Fit:
    """How much page one shows. ``None``: in full."""

    flags: int | None = None  # flag lines listed (the rest: "and N more")
    carrier_max: int | None = None
    aka_max: int | None = None
    denial_max: int | None = None
    insurance_rows: int = 6  # coverage rows (the rest: "and N more coverages")
    name_max: int | None = None
    # The issue-15/17 blocks (templates/page_one/*.html.j2): compact first, before any flag is cut.
    tradetapp_compact: bool = False  # TradeTapp analysis in one or two lines
    evidence_short: bool = False  # the evidence line: submission age and what was not submitted only
    legal_rows: int | None = None  # quoted legal answers (None: up to LEGAL_ROWS; 0: one line to All flags)
    line_max: int | None = None  # a verdict reason or flag line, when even that is too long (in full in All flags)


# Step 2's shortenings, each kept as the next is added.
SHORTEN: tuple[dict, ...] = (
    {"tradetapp_compact": True, "evidence_short": True, "legal_rows": 1},
    {"carrier_max": 28},
    {"legal_rows": 0},
    {"aka_max": 70},
    {"denial_max": 300},
    {"insurance_rows": 4},
    {"name_max": 80, "denial_max": 160, "aka_max": 40},
    {"line_max": 240},
    {"line_max": 120, "denial_max": 100},
)


def candidates() -> Iterator[Fit]:
    """Every ``Fit`` in the module's order, flag lines not yet counted: in full, then each step of
    ``SHORTEN`` added to those before it."""
    fit = Fit()
    yield fit
    for step in SHORTEN:
        fit = replace(fit, **step)
        yield fit


def page_count(html: str, css: str | None = None) -> int:
    """Pages WeasyPrint lays ``html`` out on (``css``: the stylesheet applied to an HTML with an
    empty ``<style>``; resources: ``data:`` URLs only)."""
    return len(lay_out(html, css).pages)


def page_one_kept(document: Any) -> bool:
    """Whether a laid-out packet kept page one on one page: its sign-off (``#signoff``) is on
    the first page and the details (``#company``) are not. A page one without a sign-off (an
    override template) is taken as it is."""
    pages = [set(p.anchors) for p in document.pages]
    if not any("signoff" in a for a in pages):
        return True
    return "signoff" in pages[0] and "company" not in pages[0]


def fit_page_one(render: Callable[[Fit], str], n_flags: int,
                 pages: Callable[[str], int] = page_count, *, full_spilled: bool = False) -> tuple[Fit, int]:
    """The first ``Fit`` (in the module's order) whose page one is one page, found by a binary
    search over real layouts, and the number of layouts it took. When nothing fits, the shortest
    ``Fit`` is returned. ``full_spilled``: page one in full is known to spill (not laid out again)."""
    layouts = 0

    def fits(fit: Fit) -> bool:
        nonlocal layouts
        layouts += 1
        return pages(render(fit)) <= 1

    least = min(MIN_FLAGS, n_flags)
    steps = candidates()
    fit = next(steps)
    if not full_spilled and fits(fit):
        return fit, layouts
    for fit in steps:
        if not fits(replace(fit, flags=least)):
            continue
        lo, hi = least, n_flags  # lo fits; find the most that fit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(replace(fit, flags=mid)):
                lo = mid
            else:
                hi = mid - 1
        return replace(fit, flags=lo), layouts
    return replace(fit, flags=least), layouts


@dataclass(frozen=True)
class PageOneLayout:
    """Page one laid out on the tall page with every flag listed and one "and 1 more" line: where
    it ends and where each flag line is (CSS px from the page's top; border boxes)."""

    end: float  # the bottom of page one (``#page-one``)
    lines: tuple[tuple[float, float], ...] = ()  # (top, bottom) of each flag line (``#flag-line-N``)
    more: tuple[float, float] | None = None  # the "and N more" line (``#flags-more``)

    def end_with(self, k: int) -> float:
        """Where page one would end with ``k`` flag lines listed (the rest in "and N more"): the
        lines after the ``k``-th and the "more" line taken out, the "more" line put back when some
        are left out (its height does not depend on N)."""
        if not self.lines or self.more is None:
            return self.end
        if k >= len(self.lines):
            return self.end - (self.more[1] - self.lines[-1][1])
        return self.end - (self.more[0] - self.lines[k][0])

    def most_lines(self, bottom: float, least: int) -> int | None:
        """The most flag lines (at least ``least``) with which page one ends above ``bottom``."""
        for k in range(len(self.lines), least - 1, -1):
            if self.end_with(k) <= bottom:
                return k
        return None


def read_layout(document: Any, n_lines: int, more: bool) -> PageOneLayout | None:
    """The measuring layout's positions, or ``None`` when it cannot be read: more than one page,
    or a page one (a ``--templates`` override) without the ids."""
    if len(document.pages) != 1:
        return None
    return read_page(document.pages[0], n_lines, more)


def read_page(page: Any, n_lines: int, more: bool) -> PageOneLayout | None:
    """``read_layout`` of one laid-out page (``None``: page one's ids are not on it)."""
    anchors = page.anchors
    try:
        lines = tuple(anchors[f"flag-line-{i}"][1::2] for i in range(1, n_lines + 1))
        return PageOneLayout(anchors["page-one"][3], lines, anchors["flags-more"][1::2] if more else None)
    except KeyError:
        return None


class ChunkProbe:
    """Page one's shortenings measured by their changed chunks (``reporter.render.page_one_chunks``):
    ``first`` lays page one out in full with the chunks given beside it, ``more`` lays out further
    chunks alone, and ``layout`` says where a shortened page one's end and flag lines are, or
    ``None`` when a chunk it changed was not measured (then it is laid out whole). ``lay``: a
    layout of HTML on the tall page; ``n_lines``/``more``: the flag lines and "more" line listed."""

    def __init__(self, full: dict[str, str], lay: Callable[[str], Any], n_lines: int, more: bool) -> None:
        self.full, self.lay, self.n_lines, self.more_line = full, lay, n_lines, more
        self.base = ""
        self.full_heights: dict[str, float] | None = None
        self.measured: dict[str, float] = {}  # a chunk's inner HTML -> its height laid out alone

    def _wanted(self, shortened: Iterable[dict[str, str] | None]) -> list[str]:
        wanted: list[str] = []
        for ch in shortened:
            if ch is not None and comparable(self.full, ch):
                wanted += [c for c in changed(self.full, ch) if c not in self.measured and c not in wanted]
        return wanted

    def _read(self, page: Any, wanted: list[str]) -> None:
        if not wanted:
            return
        found = heights(page.anchors, [probe_id(n) for n in range(len(wanted))])
        if found is not None:
            self.measured.update(zip(wanted, found.values(), strict=True))

    def first(self, base: str, shortened: Iterable[dict[str, str] | None]) -> PageOneLayout | None:
        """Page one in full (``base``: its measuring HTML) laid out with the chunks ``shortened``
        change beside it; ``None`` when it cannot be read."""
        self.base = base
        wanted = self._wanted(shortened)
        html = probe_html(base, wanted, with_page_one=True) if wanted else base
        if html is None:
            return None
        pages = self.lay(html).pages
        if len(pages) != 1:
            return None
        full = read_page(pages[0], self.n_lines, self.more_line)
        in_place = heights(pages[0].anchors, [f"fit-chunk-{name}" for name in self.full])
        if full is None or in_place is None:
            return None
        self.full_heights = dict(zip(self.full, in_place.values(), strict=True))  # by chunk name
        self._read(pages[0], wanted)
        return full

    def more(self, shortened: Iterable[dict[str, str] | None]) -> None:
        """The chunks ``shortened`` change that are not yet measured, laid out alone in one layout."""
        wanted = self._wanted(shortened)
        html = probe_html(self.base, wanted, with_page_one=False) if wanted else None
        if html is not None:
            pages = self.lay(html).pages
            if len(pages) == 1:
                self._read(pages[0], wanted)

    def layout(self, full: PageOneLayout, shortened: dict[str, str] | None) -> PageOneLayout | None:
        """Where page one ends and its flag lines are with the chunks ``shortened``, from ``full``."""
        if shortened is None or self.full_heights is None:
            return None
        if any(c not in self.measured for c in changed(self.full, shortened)):
            return None
        moved = shift(self.full, shortened, self.full_heights, self.measured)
        if moved is None:
            return None
        return PageOneLayout(full.end + moved.above + moved.below,
                             tuple((top + moved.above, bottom + moved.above) for top, bottom in full.lines),
                             None if full.more is None else (full.more[0] + moved.above, full.more[1] + moved.above))


class PageOne(Protocol):
    """A packet's page one, renderable with any ``Fit`` (``reporter.render.html.PacketPages``)."""

    @property
    def n_flags(self) -> int: ...  # the flags page one could list

    @property
    def styles(self) -> str: ...  # the packet's CSS text

    def page_one(self, fit: Fit, *, css: str | None = None, more_line: bool = False) -> str: ...

    def rough_lines(self) -> int: ...  # a cheap count of page one's variable lines (no layout)


class Fitter:
    """Finds one packet's page-one ``Fit`` by measuring (see the module docstring) and counts the
    page-one layouts it made (``layouts``). ``css``: what the packet's HTML is rendered with (``""``,
    an empty ``<style>``, when its template has one; ``None``: styles inline, as an override
    without it); ``sheet``: the stylesheet WeasyPrint is then given (``None`` for inline)."""

    def __init__(self, packet: PageOne) -> None:
        self.packet = packet
        self.n_flags = packet.n_flags
        self.least = min(MIN_FLAGS, self.n_flags)
        shared = EMPTY_STYLE in packet.page_one(Fit(), css="")
        self.css: str | None = "" if shared else None
        self.sheet: str | None = packet.styles if shared else None
        self.layouts = 0
        self.measured = False  # the tall layouts were made
        self.searched = False  # the real layouts (one line fewer, the binary search) were made
        self.full_spilled = False  # a real layout of page one in full spilled

    def _html(self, fit: Fit, more_line: bool = False) -> str:
        return self.packet.page_one(fit, css=self.css, more_line=more_line)

    def _measuring(self, fit: Fit) -> str:
        """Page one's measuring HTML for ``fit``: every flag listed, and one "and 1 more" line."""
        more = self.n_flags > 0
        return self._html(replace(fit, flags=self.n_flags) if more else fit, more_line=more)

    def _lay_tall(self, html: str) -> Any:
        width = page_geometry(self.packet.styles).width
        self.layouts += 1
        return lay_out(html, self.sheet, (f"@page {{ size: {width:.4f}px {TALL} !important; }}", NO_BREAK))

    def _tall(self, fit: Fit) -> PageOneLayout | None:
        """Page one with ``fit`` laid out whole on the tall page."""
        return read_layout(self._lay_tall(self._measuring(fit)), self.n_flags, self.n_flags > 0)

    def predict(self) -> Fit | None:
        """The first ``Fit`` the tall layouts say holds page one on the real page (the shortest when
        none does), or ``None`` when page one cannot be measured. Page one in full is laid out once
        with the chunks the first shortening changes beside it; the later shortenings' changed
        chunks, when needed, in one more layout of those alone (``reporter.render.page_one_chunks``)."""
        self.measured = True
        bottom = page_geometry(self.packet.styles).content_bottom
        steps = list(candidates())
        base = self._measuring(Fit())
        full_chunks = chunks(base)
        if full_chunks is None:
            return self._predict_whole(steps, bottom)
        shortened = {fit: chunks(self._measuring(fit)) for fit in steps[1:2]}
        probe = ChunkProbe(full_chunks, self._lay_tall, self.n_flags, self.n_flags > 0)
        full = probe.first(base, [c for c in shortened.values() if c is not None])
        if full is None:
            return self._predict_whole(steps, bottom)
        if not self.full_spilled and full.end_with(self.n_flags) <= bottom:
            return Fit()
        for i, fit in enumerate(steps[1:], start=1):
            if fit not in shortened:  # the later shortenings, rendered when the first did not hold
                shortened.update((f, chunks(self._measuring(f))) for f in steps[i:])
                probe.more([c for c in shortened.values() if c is not None])
            measured = probe.layout(full, shortened[fit]) or self._tall(fit)
            if measured is None:
                return None
            most = measured.most_lines(bottom, self.least)
            if most is not None:
                return replace(fit, flags=most)
        return replace(steps[-1], flags=self.least)

    def _predict_whole(self, steps: list[Fit], bottom: float) -> Fit | None:
        """``predict`` with page one laid out whole for each ``Fit`` (no chunks to measure by)."""
        for fit in steps:
            full = fit == Fit()
            if full and self.full_spilled:
                continue
            measured = self._tall(fit)
            if measured is None:
                return None
            if full and measured.end_with(self.n_flags) <= bottom:
                return fit
            most = None if full else measured.most_lines(bottom, self.least)
            if most is not None:
                return replace(fit, flags=most)
        return replace(steps[-1], flags=self.least)

    def likely_fits(self) -> bool:
        """Whether the rough count says page one will hold in full: then the packet is laid out
        first and page one measured only if it spilled (``after_spill``); else measured first."""
        room = page_geometry(self.packet.styles).content_height / A4_CONTENT_PX
        return self.packet.rough_lines() <= LIKELY_FIT_LINES * room

    def first(self) -> Fit:
        """The fit to lay the packet out with first (its ``keep`` check confirms it)."""
        if self.likely_fits():
            return Fit()
        return self.predict() or Fit()  # None: a page one that cannot be measured, tried in full

    def fits(self, fit: Fit) -> bool:
        """A real layout of page one alone: on one page?"""
        self.layouts += 1
        held = page_count(self._html(fit), self.sheet) <= 1
        self.full_spilled |= fit == Fit() and not held
        return held

    def search(self, spilled: Fit | None = None) -> Fit:
        """Real layouts only: one flag line fewer than ``spilled`` (a fit that did not hold), else
        the binary search."""
        self.searched = True
        if spilled is not None and spilled.flags is not None and spilled.flags > self.least:
            fewer = replace(spilled, flags=spilled.flags - 1)
            if self.fits(fewer):
                return fewer
        fit, layouts = fit_page_one(self._html, self.n_flags, lambda html: page_count(html, self.sheet),
                                    full_spilled=self.full_spilled)
        self.layouts += layouts
        return fit

    def find(self) -> Fit:
        """The fit, confirmed by a real layout of page one (for HTML with no PDF layout to check it);
        in full with that one layout when the rough count says it holds and it does."""
        if self.likely_fits() and self.fits(Fit()):
            return Fit()
        fit = self.predict()
        if fit is not None and self.fits(fit):
            return fit
        return self.search(fit)

    def after_spill(self, fit: Fit) -> Fit | None:
        """The next fit to lay the packet out with, after its layout with ``fit`` spilled page one;
        ``None``: nothing better to try."""
        self.full_spilled |= fit == Fit()
        if not self.measured:
            predicted = self.predict()
            if predicted is not None and predicted != fit:
                return predicted
        if not self.searched:
            return self.search(fit)
        return None
