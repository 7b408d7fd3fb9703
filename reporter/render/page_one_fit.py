"""Render stage: fit page one on one page by measuring it, not by guessing line counts.

Input: a function that renders page one alone as HTML for a given ``Fit`` (the full stylesheet and
page size included), and the number of flags page one could list. Output: the first ``Fit`` whose
page one WeasyPrint lays out on one page, found in a fixed order of shortening:

1. everything in full (the usual case: one layout);
2. then, each step kept and the flag lines searched again (a binary search over the count; the
   rest "and N more", pointing to All flags): the TradeTapp block compact, the evidence line short
   and one legal answer quoted; shorter carrier names; the legal box one line; shorter DBA / legal
   names; the denial reason cut (in full under Qualification decision); at most four insurance
   rows; a shorter company name; last, verdict reasons and flag lines cut (in full under All flags).

The layout is WeasyPrint's own (``HTML(...).render()``), with the same locked URL fetcher as the
PDF (``data:`` URLs only). The PDF renderer lays the whole packet out once with everything in full
and keeps that layout when page one held (``page_one_kept``): the usual packet costs nothing
extra. Only a page one that spilled is fitted here, at about 0.6-0.8 s a layout of page one on
this machine class (one to start, then about log2(flags) more per shortening step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

MIN_FLAGS = 1


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


# Step 3's shortenings, each kept as the next is added.
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


def page_count(html: str) -> int:
    """Pages WeasyPrint lays ``html`` out on (resources: ``data:`` URLs only)."""
    import weasyprint

    from reporter.render.pdf import locked_fetcher

    return len(weasyprint.HTML(string=html, base_url=None, url_fetcher=locked_fetcher()).render().pages)


def page_one_kept(document: Any) -> bool:
    """Whether a laid-out packet kept page one on one page: its sign-off (``#signoff``) is on
    the first page and the details (``#company``) are not. A page one without a sign-off (an
    override template) is taken as it is."""
    pages = [set(p.anchors) for p in document.pages]
    if not any("signoff" in a for a in pages):
        return True
    return "signoff" in pages[0] and "company" not in pages[0]


def fit_page_one(render: Callable[[Fit], str], n_flags: int,
                 pages: Callable[[str], int] = page_count) -> tuple[Fit, int]:
    """The first ``Fit`` (in the module's order) whose page one is one page, and the number of
    layouts it took. When nothing fits, the shortest ``Fit`` is returned."""
    layouts = 0

    def fits(fit: Fit) -> bool:
        nonlocal layouts
        layouts += 1
        return pages(render(fit)) <= 1

    fit = Fit()
    if fits(fit):
        return fit, layouts
    for step in SHORTEN:
        fit = replace(fit, **step)
        least = min(MIN_FLAGS, n_flags)
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
    return replace(fit, flags=min(MIN_FLAGS, n_flags)), layouts
