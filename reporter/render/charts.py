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


def _label_size(texts: Sequence[str], room: float, size: float) -> float:
    """A font size at which the longest label fits ``room`` user units (about 0.56 em a digit)."""
    longest = max((len(t) for t in texts), default=1)
    return max(4.0, min(size, room / (0.56 * longest)))


LINE_H = 6.5  # one line of stacked values


def _frame(title: str, series: Sequence[Series], base_y: float, right: float) -> list[str]:
    """The SVG's opening, the hatch pattern, the title, the legend and the base line."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
        '<defs><pattern id="hatch" width="3" height="3" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="3" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="3" stroke="#7a8899" stroke-width="1.4"/></pattern></defs>',
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
    return parts


def _values(shown: Sequence[tuple[Series, Number]], cx: float, tallest: float, ry: float | None,
            fmt: Callable[[Number], str], size: float, *, single: bool) -> list[str]:
    """A group's values stacked above its tallest bar, one line per series, set above the
    reference line when it would cross one of them."""
    lowest = tallest - 1.5
    if ry is not None and lowest - LINE_H * len(shown) - 1 < ry + 1.5 and lowest + 1.5 > ry - LINE_H * 0.2:
        lowest = min(lowest, ry - 2.0)
    lowest = max(lowest, TOP - 4 + LINE_H * len(shown))
    out = []
    for k, (s, v) in enumerate(reversed(shown)):
        colour = "#333" if single else s.colour if s.colour != COLOURS[1] else "#4f6f96"
        out.append(_text(cx, lowest - k * LINE_H, fmt(v), size=size, cls="value", fill=colour))
    return out


def grouped_bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[Number], str] = lambda v: f"{_num(v):.2f}",
    reference: tuple[Number, str] | None = None,
    colour_for: Callable[[Number], str | None] | None = None,
    marked: Sequence[bool] | None = None,
) -> str:
    """Bars per label (one per series), the values stacked above each group (never on a bar, a
    line or each other), an optional dashed reference line whose label sits in the right margin.
    ``marked`` labels (low-hours years) are hatched and do not set the scale; a marked bar taller
    than the scale is cut at the top with a break mark."""
    right = RIGHT + (REF_MARGIN if reference is not None else 0)
    plot_w, plot_h = WIDTH - LEFT - right, HEIGHT - TOP - BOTTOM
    base_y = TOP + plot_h
    n = max(len(labels), 1)
    marks = list(marked or []) + [False] * n
    scale = [_num(v) for s in series for i, v in enumerate(s.values) if v is not None and not marks[i]]
    if not scale:
        scale = [_num(v) for s in series for v in s.values if v is not None]
    top = max(scale + ([_num(reference[0])] if reference else []) + [0.0])
    headroom = 1.1 + 0.12 * len(series)
    top = top * headroom + (LINE_H * (len(series) - 1)) / plot_h * top if top > 0 else 1.0
    parts = _frame(title, series, base_y, right)
    slot = plot_w / max(n, MIN_SLOTS)
    x_start = LEFT + (plot_w - slot * n) / 2  # centre the bars when there are few years
    group_w = slot * 0.72
    bar_w = group_w / max(len(series), 1)
    texts = [fmt(v) for s in series for v in s.values if v is not None]
    size = _label_size(texts, slot - 1, 6 if len(series) > 1 else 6.5)
    ry = base_y - _num(reference[0]) / top * plot_h if reference is not None else None
    for i, label in enumerate(labels):
        x0 = x_start + i * slot + (slot - group_w) / 2
        cx_group = x_start + i * slot + slot / 2
        tallest: float = base_y
        for j, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else None
            x = x0 + j * bar_w
            if v is None:
                parts.append(_text(x + bar_w / 2, base_y - 2, "n/a", size=5.5, cls="na", fill="#888"))
                continue
            h = max(_num(v) / top * plot_h, 0.0)
            cut = h > plot_h
            h = min(h, plot_h)
            fill = "url(#hatch)" if marks[i] else (colour_for(v) if colour_for else None) or s.colour
            stroke = f' stroke="{s.colour}" stroke-width="0.6"' if marks[i] else ""
            parts.append(
                f'<rect class="bar{" marked" if marks[i] else ""}" x="{x + 0.5:.1f}" y="{base_y - h:.1f}" '
                f'width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" fill="{fill}"{stroke}/>'
            )
            if cut:  # the bar goes beyond the scale: a white break across its top
                parts.append(f'<line class="cut" x1="{x:.1f}" y1="{base_y - h + 4:.1f}" x2="{x + bar_w:.1f}" '
                             f'y2="{base_y - h + 2:.1f}" stroke="#ffffff" stroke-width="1.6"/>')
            tallest = min(tallest, base_y - h)
        shown = [(s, v) for s in series if i < len(s.values) and (v := s.values[i]) is not None]
        parts += _values(shown, cx_group, tallest, ry, fmt, size, single=len(series) == 1)
        mark = "*" if marks[i] else ""
        parts.append(_text(cx_group, base_y + 9, label + mark, size=7, fill="#444"))
    if ry is not None and reference is not None:
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
    # A low-hours year is drawn hatched and starred and does not set the scale (issue 16).
    return grouped_bar_chart(
        "TRIR / DART by year",
        [str(y.year) for y in years],
        [Series("TRIR", [y.trir for y in years], COLOURS[0]), Series("DART", [y.dart for y in years], COLOURS[1])],
        marked=[y.low_hours or y.no_hours for y in years],
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
