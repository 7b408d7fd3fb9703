"""Render stage: page one as a stack of chunks, so a shortened page one is measured by laying out
only what the shortening changed (issue 20).

Input: page one's measuring HTML (``PageOne.page_one`` with every flag and the "and 1 more"
line), for page one in full and for each shortened ``Fit``. Output: the chunks (``chunks``: each
top-level block of ``templates/page_one.html.j2``, in a ``<div class="fit-chunk"
id="fit-chunk-NAME">`` that holds its own margins, ``display: flow-root``), a document that lays
out changed chunks alone on a page as wide as page one (``probe_html``), and how far each chunk
moves page one's end and its flag lines (``Shift``).

Why this is exact: no margin collapses from one chunk into the next, so page one's height is the
sum of its chunks' heights, and a chunk's height depends only on its content and the width it is
laid out in. A shortened page one therefore ends where the full one ends, moved by what each of its
changed chunks measures alone less what the full one's measured in place; its flag lines move by
what changed above them. A page one without the chunks (a ``--templates`` override) or one whose
flag lines themselves change (``line_max``) is measured whole, as before
(``reporter.render.page_one_fit.Fitter``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FLAGS = "flags"  # the chunk holding the flag lines (``#flag-line-N``, ``#flags-more``)
_CHUNK = re.compile(r'<div class="fit-chunk" id="fit-chunk-([\w-]+)">(.*?)</div><!--/fit-chunk-->', re.S)
# Laid out after the packet's styles on a measuring page: page one does not end its page there.
NO_BREAK = ".page-one { break-after: auto !important; }"
_SECTION = re.compile(r'<section class="page-one" id="page-one">.*</section>', re.S)


def chunks(html: str) -> dict[str, str] | None:
    """Page one's chunks, name -> inner HTML, in page order; ``None`` when it has none or the
    flag lines are not in one (page one cannot be measured by chunks)."""
    found = dict(_CHUNK.findall(html))
    return found if found and FLAGS in found else None


def probe_id(n: int) -> str:
    return f"fit-probe-{n}"


def probe_html(measuring: str, probes: Iterable[str], *, with_page_one: bool) -> str | None:
    """``measuring`` (page one's measuring HTML) with ``probes`` (chunks' inner HTML), each in a
    chunk of its own (``#fit-probe-N``, in order) in a page-one section right after page one, on
    the same tall page (laid out with ``NO_BREAK``, so the page's first-page margins and width are
    page one's); ``with_page_one=False``: the probes alone, in page one's place. ``None`` when the
    HTML has no page-one section."""
    body = "".join(f'<div class="fit-chunk" id="{probe_id(n)}">{inner}</div>' for n, inner in enumerate(probes))
    section = f'<section class="page-one fit-probes">{body}</section>'
    if not _SECTION.search(measuring):
        return None
    # Right after page one (or in its place), so whatever holds page one holds the probes too.
    return _SECTION.sub(lambda m: (m.group(0) if with_page_one else "") + section, measuring, count=1)


def heights(anchors: Mapping[str, Any], ids: Iterable[str]) -> dict[str, float] | None:
    """The border-box heights of the anchors ``ids`` (CSS px), or ``None`` when one is missing."""
    try:
        return {i: anchors[i][3] - anchors[i][1] for i in ids}
    except KeyError:
        return None


@dataclass(frozen=True)
class Shift:
    """How far a shortened page one moves from the full one: its flag lines (``above``: what
    changed above the flags chunk) and its end (``above`` + ``below``)."""

    above: float = 0.0
    below: float = 0.0


def comparable(full: Mapping[str, str], shortened: Mapping[str, str]) -> bool:
    """Whether ``shortened`` has the full page one's chunks, in order, with the same flag lines."""
    return list(full) == list(shortened) and full[FLAGS] == shortened[FLAGS]


def shift(full: Mapping[str, str], shortened: Mapping[str, str], full_heights: Mapping[str, float],
          measured: Mapping[str, float]) -> Shift | None:
    """The ``Shift`` of ``shortened`` from ``full`` (both ``chunks``), from the full chunks' heights
    in place (``full_heights``, by name) and the changed chunks' measured alone (``measured``, by
    inner HTML); ``None`` when the chunks are not the same ones or the flag lines changed."""
    if not comparable(full, shortened):
        return None
    above = below = 0.0
    after_flags = False
    for name, inner in shortened.items():
        after_flags |= name == FLAGS
        if inner == full[name]:
            continue
        delta = measured[inner] - full_heights[name]
        if after_flags:
            below += delta
        else:
            above += delta
    return Shift(above, below)


def changed(full: Mapping[str, str], shortened: Mapping[str, str]) -> list[str]:
    """The inner HTML of every chunk of ``shortened`` that is not the full page one's."""
    return [inner for name, inner in shortened.items() if full.get(name) != inner]
