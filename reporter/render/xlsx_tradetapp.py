"""Render stage (Excel): the workbook's TradeTapp sheets -- Financials, Statements, TradeTapp Flags,
Flag History.

Input: an openpyxl workbook, the workbook's taken names (``xlsx._Book``: sheets, tables, zone) and a
``Report`` whose ``tradetapp`` part is set (nothing is added when it is ``None``). Output: four table
sheets: Financials (status, risk evaluation score, each benchmark with year and band, TradeTapp's
key metrics and safety rates by year), Statements (one row per statement: period, type, date, the
22 raw figures, the 19 ratios and one column per custom ratio, headers = the API's field names),
TradeTapp Flags (one row per flag with its state and latest state summary) and Flag History (one
row per state change). Every figure is written as a number equal to the API's value exactly;
TradeTapp's amounts carry the record's currency in their number format, its statuses are words
("no statements (TradeTapp answered 404)"), and every sheet prints like the others
(``xlsx_print.finish_sheet``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reporter.api.financials_models import METRIC_FIELDS, RAW_DATA_FIELDS
from reporter.render.xlsx_cells import write_typed
from reporter.render.xlsx_print import finish_sheet
from reporter.render.xlsx_sheets import add_table, safe_sheet_name, write_header
from reporter.transform.model import Report
from reporter.transform.model_tradetapp import TradeTappAnalysis
from reporter.transform.money import Money

# What was received from TradeTapp, in words (the codes stay in the JSON).
STATUS_WORDS = {
    "present": "received",
    "not_found": "no statements (TradeTapp answered 404)",
    "not_fetched": "not fetched",
    "withheld": "withheld from this copy",
}

FINANCIALS_HEADERS = ["Group", "Item", "Value", "Year", "Band", "API field"]
FLAG_HEADERS = ["Flag id", "Name", "Type", "Priority", "Event date", "Summary", "Raised by", "Raised by e-mail",
                "Raised at", "Updated at", "Active", "State", "State summary", "State set at", "State set by"]
HISTORY_HEADERS = ["Flag id", "Flag name", "Order (newest first)", "State", "Summary", "Set at", "Set by"]


def _rows_sheet(wb: Any, book: Any, title: str, table: str, headers: list[str], widths: Sequence[float],
                rows: list[list[tuple[Any, str]]]) -> None:
    ws = wb.create_sheet(safe_sheet_name(title, book.sheets))
    write_header(ws, headers, widths)
    for r, row in enumerate(rows, start=2):
        for i, (value, kind) in enumerate(row, start=1):
            write_typed(ws.cell(row=r, column=i), value, kind, book.zone)
    add_table(ws, table, len(headers), len(rows), book.tables)
    finish_sheet(ws, locale=book.locale)


def status_words(status: str | None, short: bool = False) -> str | None:
    """``not_found`` -> "no statements (TradeTapp answered 404)" (``short``: "no statements", for
    a narrow column); an unknown status as it came, underscores as spaces."""
    if status is None:
        return None
    text = STATUS_WORDS.get(status, status.replace("_", " "))
    return text.split(" (")[0] if short else text


def _money(value: Any, currency: str) -> Money | None:
    return None if value is None else Money(value, currency)


def _financials_rows(a: TradeTappAnalysis, currency: str) -> list[list[tuple[Any, str]]]:
    """The Financials sheet's rows; TradeTapp's amounts are in the record's own ``currency``."""
    def row(group: str, item: str, value: Any, year: Any = None, band: Any = None, field: str = "",
            kind: str = "number") -> list[tuple[Any, str]]:
        return [(group, "text"), (item, "text"), (value, kind), (year, "year"), (band, "text"), (field, "text")]

    rows = [row("TradeTapp", "Financials", status_words(a.financials_status), kind="text"),
            row("TradeTapp", "Flags", status_words(a.flags_status), kind="text")]
    if a.not_found_detail:
        rows.append(row("TradeTapp", "Not found (404)", a.not_found_detail, kind="text"))
    rows.append(row("TradeTapp", "Risk evaluation score", a.risk_evaluation_score, field="riskEvaluationScore", kind="int"))
    for b in a.benchmarks:
        api = "overallBenchmarking" if b.name == "overall" else b.name
        rows.append(row("Benchmarks (percentile)", b.label, b.score, b.year, b.band, f"benchmarks.{api}Score"))
    km = a.key_metrics
    if km is not None:
        for label, value, year, field in (
            ("Single-project capacity (recommended)", km.single_project_capacity, None, "singleProjectCapacity"),
            ("Aggregate total capacity (recommended)", km.aggregate_total_capacity, None, "aggregateTotalCapacity"),
            ("Working capital", km.working_capital, km.working_capital_year, "workingCapital"),
            ("Net cash flow", km.net_cash_flow, km.net_cash_flow_year, "netCashFlow"),
            ("Largest project", km.largest_project, km.largest_project_year, "largestProject"),
        ):
            rows.append(row("Key metrics", label, _money(value, currency), year, None, f"keyMetrics.{field}", "money"))
        for label, series, field in (("EMR", km.emr, "experienceModificationRatings"), ("DART rate", km.dart, "dartRates"),
                                     ("Recordable incident rate", km.recordable, "recordableIncidentRates")):
            rows.extend(row("Key metrics", label, y.value, y.year, None, f"keyMetrics.{field}") for y in series)
    return rows


def add_tradetapp_sheets(wb: Any, book: Any, report: Report) -> None:
    """Add the four TradeTapp sheets when the report has TradeTapp's analysis."""
    a = report.tradetapp
    if a is None:
        return
    _rows_sheet(wb, book, "Financials", "tradetapp_financials", FINANCIALS_HEADERS, [24, 40, 18, 8, 12, 40],
                _financials_rows(a, report.submission_currency))
    ccy = report.submission_currency  # the statements' raw figures are amounts in the record's currency
    custom = list(dict.fromkeys(c.name or "(unnamed)" for s in a.statements for c in s.custom_ratios))
    headers = ["date", "type", "period", *RAW_DATA_FIELDS, *METRIC_FIELDS, *(f"custom: {n}" for n in custom)]
    rows = []
    for s in a.statements:
        values = {c.name or "(unnamed)": c.value for c in s.custom_ratios}
        rows.append([(s.date, "date"), (s.type, "text"), (s.period, "int"),
                     *((_money(v, ccy), "money") for _, v in s.raw), *((v, "number") for _, v in s.ratios),
                     *((values.get(n), "number") for n in custom)])
    _rows_sheet(wb, book, "Statements", "tradetapp_statements", headers, [11, 11, 7] + [16] * (len(headers) - 3), rows)
    flag_rows: list[list[tuple[Any, str]]] = []
    history: list[list[tuple[Any, str]]] = []
    for f in a.flags:
        flag_rows.append([(f.id, "int"), (f.name, "text"), (f.type, "text"), (f.priority, "text"),
                          (f.event_date, "date"), (f.summary, "longtext"), (f.raised_by, "text"),
                          (f.raised_by_email, "email"), (f.raised_at, "datetime"), (f.updated_at, "datetime"),
                          (f.active, "bool"), (f.state, "text"), (f.state_summary, "longtext"),
                          (f.state_at, "datetime"), (f.state_by, "text")])
        history.extend([(f.id, "int"), (f.name, "text"), (i, "int"), (h.value, "text"),
                        (h.summary, "longtext"), (h.created_at, "datetime"), (h.created_by, "text")]
                       for i, h in enumerate(f.history, start=1))
    _rows_sheet(wb, book, "TradeTapp Flags", "tradetapp_flags", FLAG_HEADERS,
                [9, 30, 12, 9, 11, 60, 18, 24, 17, 17, 7, 10, 50, 17, 18], flag_rows)
    _rows_sheet(wb, book, "Flag History", "tradetapp_flag_history", HISTORY_HEADERS, [9, 30, 9, 10, 60, 17, 18], history)
