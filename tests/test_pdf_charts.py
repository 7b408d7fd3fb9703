"""The page-one charts are well-formed SVG with one bar per value, escaped labels and no script."""

from __future__ import annotations

import base64
import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

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
