"""Render stage: how a long section list is set as lines (issue 20; ``templates/macros.html.j2``,
``dense``; ``styles/sections.css``).

Input: a section's columns (``reporter.sections.Column``) and its rows. Output: ``dense_fields``,
the fields a line shows (columns that are one answer in different types, ``Column.one_of``, are
one field: a custom question's text, number or yes/no, whichever was given, not "S Corporation
· — · —"), ``given``, which of a field's columns an item has, and ``dense_columns``, how many
items go side by side on one line (1-3).

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
from dataclasses import dataclass
from typing import Any

__all__ = ["DENSE_ROWS", "DenseField", "dense_columns", "dense_fields", "given"]

DENSE_ROWS = 30
# The longest item (characters, 9 in 10 of the list's items) that fits a third or a half of a
# line: at 8 pt a full-width line of an A4 or Letter page holds about 135 characters (measured on
# the rendered samples: about 1.3 mm a character); the appendix's 7 pt (offices, custom
# questions) holds 8/7 as many.
FITS = ((3, 40), (2, 62))
SMALL = 8 / 7
_SEP = 3  # " · "
_BLANK = 1  # "—"


@dataclass(frozen=True)
class DenseField:
    """One field of a dense line: a column, or the columns of one ``one_of`` answer."""

    header: str
    columns: tuple[Any, ...]

    @property
    def merged(self) -> bool:
        return len(self.columns) > 1


def dense_fields(columns: Sequence[Any]) -> list[DenseField]:
    """``columns`` as a dense line's fields, in order: next-door columns with the same
    ``one_of`` as one field under that header."""
    fields: list[DenseField] = []
    for c in columns:
        group = getattr(c, "one_of", "")
        if group and fields and getattr(fields[-1].columns[0], "one_of", "") == group:
            fields[-1] = DenseField(group, fields[-1].columns + (c,))
        else:
            fields.append(DenseField(group or c.header, (c,)))
    return fields


def given(row: Mapping[str, Any], columns: Sequence[Any]) -> list[Any]:
    """The columns of ``columns`` that ``row`` has a value for."""
    return [c for c in columns if row.get(c.field) not in (None, "")]


def _shown(value: Any) -> int:
    if value is None or value == "":
        return _BLANK
    if isinstance(value, bool):
        return 3
    return len(str(value))


def dense_columns(columns: Sequence[Any], rows: Sequence[Mapping[str, Any]], small: bool = False) -> int:
    """How many of ``rows`` (a long section's items) share a line: 3, 2 or 1 (``small``: in the
    appendix's smaller type)."""
    fields = dense_fields(columns)
    if len(fields) <= 1 or not rows:
        return 1

    def shown(row: Mapping[str, Any], field: DenseField) -> int:
        values = [row.get(c.field) for c in given(row, field.columns)] or [None]
        return sum(_shown(v) for v in values) + _SEP * (len(values) - 1)

    lengths = sorted(sum(shown(row, f) for f in fields) + _SEP * (len(fields) - 1) for row in rows)
    typical = lengths[min(len(lengths) - 1, (len(lengths) * 9) // 10)]
    for count, most in FITS:
        if typical <= most * (SMALL if small else 1):
            return count
    return 1
