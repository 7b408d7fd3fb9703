"""Render stage: small SVG charts for page one, built as plain strings (no JavaScript, no libraries).

Input: year/value points taken from a ``Report`` (EMR by year, TRIR and DART by year, revenue by
year). Output: an SVG document as a string (``bar_chart``, ``grouped_bar_chart``), or the ``data:``
URL WeasyPrint loads through the locked fetcher (``data_url``). Every label is XML-escaped here, so
text from a record can never become markup. A missing value draws no bar and says ``n/a``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from reporter.transform.model import Report

Number = Decimal | int | float

WIDTH, HEIGHT = 200, 92  # user units; the <img> is scaled to its table cell (about 58 mm wide)
TOP, BOTTOM, LEFT, RIGHT = 19, 12, 2, 2  # plot margins (title above, year labels below)
REF_MARGIN = 16  # room right of the plot for the reference line's label
MIN_SLOTS = 4  # one or two years do not make fat bars
FONT = "Noto Sans, DejaVu Sans, sans-serif"
COLOURS = ("#14365d", "#7a9cc6")
WARN, BAD = "#b36b00", "#b3261e"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]  # one per label; None: not provided
    colour: str = COLOURS[0]


def _num(v: Number) -> float:
    return float(v)


def _text(x: float, y: float, s: str, *, size: float = 7, anchor: str = "middle", cls: str = "", fill: str = "#333",
          weight: str = "normal") -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f'<text{c} x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family={quoteattr(FONT)} '
        f'text-anchor="{anchor}" fill="{fill}" font-weight="{weight}">{escape(str(s))}</text>'
    )


def grouped_bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[Number], str] = lambda v: f"{_num(v):.2f}",
    reference: tuple[Number, str] | None = None,
    colour_for: Callable[[Number], str | None] | None = None,
) -> str:
    """Bars per label (one per series), value printed above each bar, optional dashed reference line."""
    right = RIGHT + (REF_MARGIN if reference is not None else 0)
    plot_w, plot_h = WIDTH - LEFT - right, HEIGHT - TOP - BOTTOM
    base_y = TOP + plot_h
    values = [_num(v) for s in series for v in s.values if v is not None]
    top = max(values + ([_num(reference[0])] if reference else []) + [0.0])
    top = top * 1.15 if top > 0 else 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
        _text(LEFT, 9, title, size=8.5, anchor="start", fill="#14365d", weight="bold"),
    ]
    if len(series) > 1:  # legend, right-aligned beside the title
        x: float = WIDTH - RIGHT
        for s in reversed(series):
            parts.append(_text(x, 9, s.name, size=7, anchor="end"))
            x -= 4.2 * len(s.name) + 8
            parts.append(f'<rect x="{x:.1f}" y="3.5" width="6" height="6" fill="{s.colour}"/>')
            x -= 6
    parts.append(
        f'<line x1="{LEFT}" y1="{base_y}" x2="{WIDTH - right}" y2="{base_y}" stroke="#888" stroke-width="0.6"/>'
    )
    n = max(len(labels), 1)
    slot = plot_w / max(n, MIN_SLOTS)
    x_start = LEFT + (plot_w - slot * n) / 2  # centre the bars when there are few years
    group_w = slot * 0.72
    bar_w = group_w / max(len(series), 1)
    for i, label in enumerate(labels):
        x0 = x_start + i * slot + (slot - group_w) / 2
        for j, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else None
            x = x0 + j * bar_w
            cx = x + bar_w / 2
            if v is None:
                parts.append(_text(cx, base_y - 2, "n/a", size=5.5, cls="na", fill="#888"))
                continue
            h = max(_num(v) / top * plot_h, 0.0)
            fill = (colour_for(v) if colour_for else None) or s.colour
            parts.append(
                f'<rect class="bar" x="{x + 0.5:.1f}" y="{base_y - h:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                f'height="{h:.1f}" fill="{fill}"/>'
            )
            parts.append(_text(cx, base_y - h - 1.5, fmt(v), size=6 if len(series) > 1 else 6.5))
        parts.append(_text(x_start + i * slot + slot / 2, base_y + 9, label, size=7, fill="#444"))
    if reference is not None:
        ry = base_y - _num(reference[0]) / top * plot_h
        parts.append(
            f'<line class="reference" x1="{LEFT}" y1="{ry:.1f}" x2="{WIDTH - right}" y2="{ry:.1f}" '
            f'stroke="{BAD}" stroke-width="0.7" stroke-dasharray="3,2"/>'
        )
        parts.append(_text(WIDTH - right + 1.5, ry + 2.2, reference[1], size=6.5, anchor="start", fill=BAD))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, points: Sequence[tuple[str, Number | None]], **kwargs) -> str:
    """One series: ``points`` are ``(label, value)`` pairs in display order."""
    labels = [str(p[0]) for p in points]
    return grouped_bar_chart(title, labels, [Series(title, [p[1] for p in points])], **kwargs)


def data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# --- the three charts of page one, from a Report -------------------------------------------------

MAX_YEARS = 6


def _compact(v: Number) -> str:
    a = abs(_num(v))
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            return f"{_num(v) / div:.1f}{suffix}"
    return f"{_num(v):.0f}"


def emr_chart(report: Report) -> str | None:
    pts = [(str(e.year), e.value) for e in report.safety.emr][-MAX_YEARS:]
    if not pts:
        return None

    def colour(v):
        return BAD if v > Decimal("1.25") else WARN if v > 1 else None

    return bar_chart("EMR by year", pts, reference=(1, "1.00"), colour_for=colour)


def trir_dart_chart(report: Report) -> str | None:
    years = [y for y in report.safety.years if y.year is not None][-MAX_YEARS:]
    if not years:
        return None
    return grouped_bar_chart(
        "TRIR / DART by year",
        [str(y.year) for y in years],
        [Series("TRIR", [y.trir for y in years], COLOURS[0]), Series("DART", [y.dart for y in years], COLOURS[1])],
    )


def revenue_chart(report: Report) -> str | None:
    rows = report.financial.revenue[-MAX_YEARS:]
    if not rows:
        return None
    ccy = report.currency
    return bar_chart(
        f"Revenue by year ({ccy})", [(str(r.year), r.revenue.value) for r in rows], fmt=_compact
    )


def page_one_charts(report: Report) -> list[tuple[str, str | None]]:
    """``(title, data URL or None)`` for EMR, TRIR/DART and revenue."""
    out = []
    for title, make in (("EMR by year", emr_chart), ("TRIR / DART by year", trir_dart_chart),
                        ("Revenue by year", revenue_chart)):
        svg = make(report)
        out.append((title, data_url(svg) if svg else None))
    return out
