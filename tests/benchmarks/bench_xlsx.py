"""Benchmark: ``render_xlsx(report)`` (openpyxl) against XlsxWriter writing the same cells.

Run: ``python tests/benchmarks/bench_xlsx.py [--runs N]`` (not collected by pytest).

For the example record and the large sample it renders the workbook with ``render_xlsx``, reads the
result back (values, number formats, hyperlinks, tables, widths, frozen panes), and times XlsxWriter
writing exactly those cells with the same formats and tables. Both sides are timed over the same
runs in the same process; the medians and their ratio are printed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import xlsxwriter  # noqa: E402

from reporter.api.saved import load_file  # noqa: E402
from reporter.render.xlsx import render_xlsx  # noqa: E402
from reporter.transform.model import ReportContext  # noqa: E402
from reporter.transform.report import build_report  # noqa: E402

SAMPLES = ROOT / "samples"
CASES = {"example (gr8-builders)": "gr8-builders.json", "large (summit-electrical)": "summit-electrical-large.json"}


def plan(data: bytes) -> list[dict]:
    """What the openpyxl workbook holds, sheet by sheet, as plain data XlsxWriter can replay."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = []
    for ws in wb:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                cells.append((c.row - 1, c.column - 1, c.value, c.number_format,
                              c.hyperlink.target if c.hyperlink else None, c.row == 1))
        table = next(iter(ws.tables.values()))
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        sheets.append({"name": ws.title, "cells": cells, "table": (table.displayName, table.ref), "widths": widths})
    return sheets


def write_xlsxwriter(sheets: list[dict]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": "bench", "subject": "bench", "author": "reporter"})
    fmts: dict[tuple, object] = {}

    def fmt(number_format: str, header: bool, link: bool):
        key = (number_format, header, link)
        if key not in fmts:
            props = {"num_format": number_format} if number_format != "General" else {}
            if header:
                props.update(bold=True, font_color="#FFFFFF", bg_color="#14365D", text_wrap=True, valign="top")
            if link:
                props.update(font_color="#0563C1", underline=1)
            fmts[key] = wb.add_format(props)
        return fmts[key]

    for sheet in sheets:
        ws = wb.add_worksheet(sheet["name"])
        for letter, width in sheet["widths"].items():
            col = openpyxl.utils.column_index_from_string(letter) - 1
            ws.set_column(col, col, width)
        for r, c, value, nf, link, header in sheet["cells"]:
            f = fmt(nf, header, bool(link))
            if link:
                ws.write_url(r, c, link, f, string=value)
            elif isinstance(value, str):
                ws.write_string(r, c, value, f)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value, f)
            elif isinstance(value, (datetime, date)):
                ws.write_datetime(r, c, value, f)
            else:
                ws.write_number(r, c, value, f)
        name, ref = sheet["table"]
        (c1, r1), (c2, r2) = (openpyxl.utils.cell.coordinate_from_string(x) for x in ref.split(":"))
        headers = [v for r, c, v, *_ in sheet["cells"] if r == 0]
        ws.add_table(r1 - 1, openpyxl.utils.column_index_from_string(c1) - 1, r2 - 1,
                     openpyxl.utils.column_index_from_string(c2) - 1,
                     {"name": name, "style": "Table Style Medium 2", "autofilter": True,
                      "columns": [{"header": h} for h in headers]})
        ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    ctx = ReportContext(as_of=date(2026, 11, 28))
    print(f"{'record':28} {'cells':>6} {'openpyxl ms':>12} {'xlsxwriter ms':>14} {'ratio':>6}")
    for label, file in CASES.items():
        report = build_report(load_file(SAMPLES / file)[0].model, ctx)
        sheets = plan(render_xlsx(report))
        replay = plan(write_xlsxwriter(sheets))  # widths differ only by XlsxWriter's padding
        assert [(s["name"], s["cells"], s["table"]) for s in replay] == [(s["name"], s["cells"], s["table"]) for s in sheets]
        n = sum(len(s["cells"]) for s in sheets)
        ours = median_ms(lambda: render_xlsx(report), args.runs)
        theirs = median_ms(lambda: write_xlsxwriter(sheets), args.runs)
        print(f"{label:28} {n:6d} {ours:12.1f} {theirs:14.1f} {ours / theirs:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
