"""The bid-leveling workbook: one typed row per company, sorted by verdict (green first) then name,
capacity checks with --project-value, conditional formatting for verdicts and breached limits; the
build writes it (atomically, in the manifest) only when a run builds several companies."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import python_calamine
from conftest import SAMPLES, sample_paths

from reporter.api.saved import load_file
from reporter.cli import main
from reporter.fsio import sha256_bytes
from reporter.render.leveling import render_leveling
from reporter.render.xlsx_cells import RATIO_FORMAT
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report
from reporter.transform.rules import Rules

CTX = ReportContext(as_of=date(2026, 11, 28), project=Project(value=Decimal("450000")))


@pytest.fixture(scope="module")
def reports():
    return [build_report(r.model, CTX) for p in sample_paths() for r in load_file(p)]


@pytest.fixture(scope="module")
def sheet(reports):
    data = render_leveling(reports)
    python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)  # a second reader opens it
    return openpyxl.load_workbook(io.BytesIO(data))["Leveling"]


def rows(ws):
    headers = [c.value for c in ws[1]]
    return headers, [dict(zip(headers, r, strict=False)) for r in ws.iter_rows(min_row=2)]


def test_one_row_per_company_sorted_by_verdict_then_name(sheet, reports):
    headers, data = rows(sheet)
    assert len(data) == len(reports)
    order = {"GREEN": 0, "AMBER": 1, "RED": 2}
    keys = [(order[r["Verdict"].value], r["Company"].value.casefold()) for r in data]
    assert keys == sorted(keys)
    assert {r["BC id"].value for r in data} == {r.company_id for r in reports}
    assert sheet.tables["leveling"].ref.endswith(str(len(reports) + 1))


def test_figures_are_typed_and_match_the_reports(sheet, reports):
    headers, data = rows(sheet)
    by_id = {r.company_id: r for r in reports}
    for row in data:
        rep = by_id[row["BC id"].value]
        assert row["High flags"].value == sum(1 for f in rep.flags if f.severity == "high")
        backlog = rep.amounts.currentEstimatedBacklog
        # Issue 15: a run mixing currencies splits each money column per currency.
        mixed = len({r.currency for r in reports}) > 1
        col = f"Backlog ({rep.currency})" if mixed else "Backlog"
        if mixed:
            others = [h for h in headers if h.startswith("Backlog (") and h != col]
            assert others and all(row[h].value is None for h in others)
        if backlog is None:
            assert row[col].value is None
        else:
            assert Decimal(repr(row[col].value)) == backlog.value
            assert f'"{backlog.display[1]}"' in row[col].number_format
        emr = rep.safety.emr_latest
        assert row["EMR latest"].value == (float(emr.value) if emr else None)
        trir = rep.safety.three_year.trir
        assert row["TRIR 3-year"].value == (pytest.approx(float(trir)) if trir is not None else None)
        for check in rep.capacity:
            cell = row[f"{check.label} (x)"]
            assert cell.value == (pytest.approx(float(check.ratio)) if check.ratio is not None else None)
            assert cell.value is None or cell.number_format == RATIO_FORMAT
        gaps = [f.message for f in rep.flags if f.rule == "insurance.missing"]
        for g in gaps:
            assert g in row["Insurance gaps"].value


def test_conditional_formatting_for_verdicts_and_breached_limits(sheet):
    headers, _ = rows(sheet)
    rules = {str(rng.sqref): [r.formula for r in rng.rules] for rng in sheet.conditional_formatting}
    verdict_col = openpyxl.utils.get_column_letter(headers.index("Verdict") + 1)
    verdict_rules = next(v for k, v in rules.items() if k.startswith(verdict_col + "2"))
    assert sorted(f[0] for f in verdict_rules) == ['"AMBER"', '"GREEN"', '"RED"']
    ratio_cols = [openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(headers) if h.endswith("(x)")]
    assert len(ratio_cols) == 5
    # Each ratio turns red above its rule's own threshold (reporter.transform.rules), never a copy.
    rules_now = Rules()
    want = {"largest": str(rules_now.largest_project_ratio)}
    for col, header in zip(ratio_cols, [h for h in headers if h.endswith("(x)")], strict=True):
        threshold = want["largest"] if "largest" in header.lower() else "1"
        assert next(v for k, v in rules.items() if k.startswith(col + "2")) == [[threshold]], header


def test_without_project_value_there_are_no_capacity_columns():
    recs = [r for p in sample_paths()[:2] for r in load_file(p)]
    data = render_leveling([build_report(r.model, ReportContext(as_of=date(2026, 11, 28))) for r in recs])
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(data))["Leveling"][1]]
    assert not any(h.endswith("(x)") for h in headers)


def test_build_writes_leveling_only_for_several_companies(tmp_path):
    out = tmp_path / "two"
    assert main(["build", str(SAMPLES / "gr8-builders.json"), str(SAMPLES / "sparse-framing.json"),
                 "--out", str(out), "--formats", "xlsx", "--as-of", "2026-11-28", "-q"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["leveling"]
    data = (out / entry["path"]).read_bytes()
    assert entry["path"] == "leveling.xlsx" and entry["bytes"] == len(data) and entry["sha256"] == sha256_bytes(data)
    assert openpyxl.load_workbook(io.BytesIO(data))["Leveling"].max_row == 3
    assert not list(out.glob("*.part")) and not list(out.glob(".*"))

    one = tmp_path / "one"
    assert main(["build", str(SAMPLES / "gr8-builders.json"), "--out", str(one), "--formats", "xlsx",
                 "--as-of", "2026-11-28", "-q"]) == 0
    assert not (one / "leveling.xlsx").exists()
    assert "leveling" not in json.loads((one / "manifest.json").read_text())
