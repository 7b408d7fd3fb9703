"""Render stage: how a long section list is set as lines (issue 20; ``templates/macros.html.j2``,
``dense``; ``styles/sections.css``).

Input: a section's columns (``reporter.sections.Column``) and its rows. Output: ``dense_columns``,
how many items go side by side on one line (1-3).

A generic section of ``DENSE_ROWS`` items or more is set as lines, not a grid: one line per item,
its fields in the header's order. Short items (CSI codes, unions) would leave most of the page
blank, so two or three share a line, each in a fixed share of the width, in reading order across
(CSS columns, reading down, cost WeasyPrint twice the layout). The count is chosen from the
items' lengths in characters, as rendered near enough (a value's text, "—" for a blank, " · "
between): nine in ten items must fit their share without wrapping (a longer one wraps, indented
under its first line). Measured on the 3,000-item benchmark record (``tests/benchmarks/README.md``):
44 pages as grids, 20 as shared lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["DENSE_ROWS", "dense_columns"]

DENSE_ROWS = 30
# The longest item (characters, 9 in 10 of the list's items) that fits a third or a half of a
# line: at 8 pt a full-width line of an A4 or Letter page holds about 135 characters (measured on
# the rendered samples: about 1.3 mm a character); the appendix's 7 pt (offices, custom
# questions) holds 8/7 as many.
FITS = ((3, 40), (2, 62))
SMALL = 8 / 7
_SEP = 3  # " · "
_BLANK = 1  # "—"


def _shown(value: Any) -> int:
    if value is None or value == "":
        return _BLANK
    if isinstance(value, bool):
        return 3
    return len(str(value))


def dense_columns(columns: Sequence[Any], rows: Sequence[Mapping[str, Any]], small: bool = False) -> int:
    """How many of ``rows`` (a long section's items) share a line: 3, 2 or 1 (``small``: in the
    appendix's smaller type)."""
    if len(columns) <= 1 or not rows:
        return 1
    lengths = sorted(sum(_shown(row.get(c.field)) for c in columns) + _SEP * (len(columns) - 1) for row in rows)
    typical = lengths[min(len(lengths) - 1, (len(lengths) * 9) // 10)]
    for count, most in FITS:
        if typical <= most * (SMALL if small else 1):
            return count
    return 1
