"""The page-one charts are well-formed SVG with one bar per value, escaped labels and no script."""

from __future__ import annotations

import base64
import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from conftest import EXAMPLE, SAMPLES

from reporter.api.saved import load_file
from reporter.render import charts
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on malformed XML
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text")]


def test_bar_chart_one_bar_per_value_and_na_for_missing():
    root = parse(charts.bar_chart("EMR", [("2022", Decimal("0.9")), ("2023", None), ("2024", Decimal("1.31"))],
                                  reference=(1, "1.00")))
    assert len(bars(root)) == 2
    assert "n/a" in texts(root) and "1.31" in texts(root) and "2023" in texts(root)
    assert len([e for e in root.iter(f"{SVG}line") if e.get("class") == "reference"]) == 1


def test_grouped_chart_has_a_bar_per_series_and_year():
    root = parse(charts.grouped_bar_chart(
        "TRIR / DART", ["2023", "2024", "2025"],
        [charts.Series("TRIR", [Decimal(2), Decimal(3), Decimal(1)]), charts.Series("DART", [Decimal(1), 0, None])],
    ))
    assert len(bars(root)) == 5  # one DART value missing
    assert {"TRIR", "DART"} <= set(texts(root))


def test_labels_are_escaped_and_nothing_executable():
    evil = '<script>alert(1)</script> & "x" </svg>'
    svg = charts.bar_chart(evil, [(evil, 1), ("2024", 2)])
    root = parse(svg)
    assert evil in texts(root)  # the text survives as text
    assert "<script" not in svg and not list(root.iter(f"{SVG}script"))
    assert all(not k.startswith("on") for e in root.iter() for k in e.attrib)


def test_zero_and_empty_values_draw():
    root = parse(charts.bar_chart("Revenue", [("2024", 0), ("2025", 0)]))
    assert len(bars(root)) == 2
    root = parse(charts.bar_chart("Nothing", []))
    assert bars(root) == []


def test_report_charts_match_the_record():
    ctx = ReportContext(as_of=datetime.date(2026, 11, 28))
    large = build_report(load_file(SAMPLES / "summit-electrical-large.json")[0].model, ctx)
    emr = parse(charts.emr_chart(large))
    assert len(bars(emr)) == min(len(large.safety.emr), charts.MAX_YEARS)
    years = [y for y in large.safety.years if y.year is not None][-charts.MAX_YEARS:]
    td = parse(charts.trir_dart_chart(large))
    assert len(bars(td)) == sum((y.trir is not None) + (y.dart is not None) for y in years)
    rev = parse(charts.revenue_chart(large))
    assert len(bars(rev)) == min(len(large.financial.revenue), charts.MAX_YEARS)
    for _title, url in charts.page_one_charts(large):
        assert url.startswith("data:image/svg+xml;base64,")
        parse(base64.b64decode(url.split(",", 1)[1]).decode())

    example = build_report(load_file(EXAMPLE)[0].model, ctx)
    assert len(charts.page_one_charts(example)) == 3


# --- labels never collide (issue 16) ----------------------------------------------------------

def _boxes(svg: str):
    import re as _re

    texts, bars, lines = [], [], []
    for m in _re.finditer(r'<text class="value" x="([\d.]+)" y="([\d.]+)" font-size="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        x, y, size, t = float(m[1]), float(m[2]), float(m[3]), m[4]
        w = len(t) * 0.56 * size
        texts.append((x - w / 2, y - size * 0.75, x + w / 2, y + size * 0.2, t))
    for m in _re.finditer(r'<rect class="bar[^"]*" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg):
        x, y, w, h = map(float, m.groups())
        bars.append((x, y, x + w, y + h))
    for m in _re.finditer(r'<line class="reference" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)"', svg):
        lines.append((float(m[1]), float(m[2]), float(m[3])))
    return texts, bars, lines


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("values,reference", [
    ([Decimal("0.95"), Decimal("1.02"), Decimal("0.99"), Decimal("1.00")], (1, "1.00")),
    ([Decimal("0.5"), Decimal("1.3"), Decimal("0.98")], (1, "1.00")),
])
def test_values_never_touch_bars_the_reference_line_or_each_other(values, reference):
    svg = charts.bar_chart("EMR by year", [(str(2020 + i), v) for i, v in enumerate(values)], reference=reference)
    texts, bars, lines = _boxes(svg)
    assert len(texts) == len(values)
    for t in texts:
        assert not any(_overlap(t, b) for b in bars), t
        for _x1, y, _x2 in lines:
            assert not (t[1] <= y <= t[3]), (t, y)
    for i, a in enumerate(texts):
        assert not any(_overlap(a, b) for b in texts[i + 1:]), a


def test_grouped_values_do_not_sit_on_the_other_bar_and_low_hours_years_do_not_set_the_scale():
    years = ["2021", "2022", "2023"]
    svg = charts.grouped_bar_chart(
        "TRIR / DART by year", years,
        [charts.Series("TRIR", [Decimal("3.1"), Decimal("144000.00"), Decimal("2.4")]),
         charts.Series("DART", [Decimal("1.2"), Decimal("104000.00"), Decimal("1.1")], charts.COLOURS[1])],
        marked=[False, True, False])
    texts, bars, _ = _boxes(svg)
    assert len(texts) == 6 and "104000.00" in [t[4] for t in texts]
    for t in texts:
        assert not any(_overlap(t, b) for b in bars[:2] + bars[4:]), t  # the unmarked years' bars
    for i, a in enumerate(texts):
        assert not any(_overlap(a, b) for b in texts[i + 1:]), a
    heights = [b[3] - b[1] for b in bars]
    assert heights[0] > 15  # 3.1 is drawn tall: the 144000 year did not set the scale
    assert 'class="bar marked"' in svg and "2022*" in svg
