"""Issue 17: TradeTapp's own analysis in the packet -- the financials and the GC's risk flags.

Real parts throughout: the fake TradeTapp on 127.0.0.1 (financials with a 404, flags with paging and
a 429), ``reporter build`` and ``reporter fetch`` in-process, real PDFs read with pdftotext and
real workbooks read back with openpyxl."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from helpers import needs_tools, pdftotext

from reporter.api.fetch import SideOptions, fetch_records
from reporter.api.saved import load_file
from reporter.api.settings import ApiSettings
from reporter.api.side_files import side_files_for
from reporter.api.tokens import StaticToken
from reporter.jsonio import loads_exact
from reporter.render.json import report_to_json
from reporter.transform.model import Project, ReportContext
from reporter.transform.report import build_report
from reporter.transform.tradetapp_rules import band
from tests.fakes.records import company_id, make_records
from tests.fakes.scripted import cli_main
from tests.fakes.side_records import make_financials, make_flag
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
C1, C2, C3 = company_id(1), company_id(2), company_id(3)
AS_OF = ["--as-of", "2026-11-28", "--timezone", "UTC"]


def _flags():
    flags = [make_flag(C1, 100 + i, name=f"Flag {i}", priority="LOW", event_date=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                       resolved="Closed out") for i in range(130)]  # two pages of 100
    flags.append(make_flag(C2, 900, name="Default on project Harbor Point", priority="HIGH",
                           summary="Walked off site; surety tendered completion."))
    flags.append(make_flag(C2, 901, name="Late certified payroll", priority="MEDIUM", resolved="Paid in full"))
    return flags


@pytest.fixture
def fake():
    financials = {C1: make_financials(1), C2: make_financials(2, "weak")}  # C3: 404
    with FakeTradeTapp(make_records(3), financials=financials, flags=_flags()) as server:
        yield server


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


def _report_json(folder: Path) -> dict:
    (path,) = [p for p in folder.glob("*.json") if p.name != "manifest.json"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("generatedAt")
    return doc


# -- fetch ---------------------------------------------------------------------------------------


def test_client_fetches_every_flag_page_with_state_history_and_records_the_404(fake):
    fake.faults = Faults(flags_429=1)  # the first /flags request is refused once: retried

    async def go():
        settings = ApiSettings(fake.base_url, backoff_base=0.005, requests_per_minute=1_000_000)
        return [r async for r in fetch_records(settings, StaticToken(DEFAULT_TOKEN), [C1, C3],
                                               side=SideOptions())]

    import asyncio
    r1, r3 = asyncio.run(go())
    assert r1.ok and len(r1.side.flags["results"]) == 130 and r1.side.flags["pagination"]["nextUrl"] is None
    assert all(f["stateHistory"]["results"] for f in r1.side.flags["results"])
    assert r1.side.financials["id"] == C1
    assert r3.ok and r3.side.financials["notFound"] is True and r3.side.financials["status"] == 404
    reqs = fake.requests_to("/flags")
    assert all("include=stateHistory" in str(q.path) or q.query.get("include") == "stateHistory" for q in reqs)
    assert 429 in fake.statuses() and len([q for q in reqs if "cursorState" in str(q.path) or q.query.get("cursorState")]) >= 1


def test_no_financials_and_no_flags_turn_the_calls_off(fake, main, tmp_path):
    out = tmp_path / "saved"
    assert main(["fetch", "--company", C2, "--base-url", fake.base_url, "--out", str(out),
                 "--no-financials", "--no-flags", "-q"]) == 0
    assert sorted(p.name for p in out.glob("*.json")) == [f"{C2}.json"]
    assert not fake.requests_to("/flags") and not fake.requests_to("/financials")


def test_online_build_equals_offline_build_of_what_fetch_saved(fake, main, tmp_path):
    for cid in (C2, C3):
        online, saved, offline = tmp_path / f"on-{cid}", tmp_path / f"saved-{cid}", tmp_path / f"off-{cid}"
        common = [*AS_OF, "--project-value", "40000000", "--formats", "json", "-q"]
        assert main(["build", "--company", cid, "--base-url", fake.base_url, "--out", str(online), *common]) in (0, 1)
        assert main(["fetch", "--company", cid, "--base-url", fake.base_url, "--out", str(saved), "-q"]) == 0
        assert (saved / f"{cid}.financials.json").is_file() and (saved / f"{cid}.flags.json").is_file()
        assert main(["build", str(saved / f"{cid}.json"), "--out", str(offline), *common]) in (0, 1)
        a, b = _report_json(online), _report_json(offline)
        assert a == b
        assert a["tradetapp"] is not None
    assert _report_json(tmp_path / f"on-{C3}")["tradetapp"]["financialsStatus"] == "not_found"
    # the kept archive holds the side files too
    assert list((tmp_path / f"on-{C2}" / "sources").glob("*.flags.json"))


def test_bad_side_file_fails_that_company_in_one_line_naming_the_file(main, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("summit-electrical-large", "northern-lights-mechanical"):
        for suffix in (".json", ".financials.json", ".flags.json"):
            (folder / f"{name}{suffix}").write_bytes((SAMPLES / f"{name}{suffix}").read_bytes())
    bad = folder / "summit-electrical-large.flags.json"
    bad.write_text('{"results": [{"id": "x", "priority": {"a": 1}}]', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["build", str(folder / "summit-electrical-large.json"), str(folder / "northern-lights-mechanical.json"),
                 "--out", str(out), *AS_OF, "--formats", "json"])
    assert code == 1
    err = capsys.readouterr()
    text = err.out + err.err
    line = next(ln for ln in text.splitlines() if str(bad) in ln)
    assert "not valid JSON" in line and "Traceback" not in text
    assert len(list(out.glob("*.json"))) == 2  # the other company built (its JSON and the manifest)


# -- rules ---------------------------------------------------------------------------------------


def _sample(name: str, award: int | None = 2_000_000, flags: dict | None = None, financials: dict | None = None,
            tmp_path: Path | None = None):
    path = SAMPLES / f"{name}.json"
    if tmp_path is not None:
        for suffix in (".json", ".financials.json", ".flags.json"):
            src = SAMPLES / f"{name}{suffix}"
            if src.is_file():
                (tmp_path / f"{name}{suffix}").write_bytes(src.read_bytes())
        if flags is not None:
            (tmp_path / f"{name}.flags.json").write_text(json.dumps(flags), encoding="utf-8")
        if financials is not None:
            (tmp_path / f"{name}.financials.json").write_text(json.dumps(financials), encoding="utf-8")
        path = tmp_path / f"{name}.json"
    (rec,) = load_file(path)
    ctx = ReportContext(as_of=date(2026, 11, 28), project=Project(value=None if award is None else Decimal(award)))
    return build_report(rec.model, ctx, side_files_for(path, rec.model.id))


def test_active_high_gc_flag_is_red_with_its_name_and_summary_on_page_one(main, tmp_path):
    r = _sample("summit-electrical-large")
    assert r.verdict == "red"
    top = r.verdict_reasons[0]
    assert "Default on project Harbor Point Tower" in top and "Surety tendered completion" in top
    assert "GC's own" in top and "Dana Okafor" in top and "2026-08-21" in top
    gc = [f for f in r.flags if f.rule.startswith("tradetapp.gc_flag")]
    assert [(f.rule, f.severity) for f in gc] == [("tradetapp.gc_flag_high", "high")]  # the resolved one raises nothing
    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "summit-electrical-large.json"), "--out", str(out), *AS_OF,
                 "--project-value", "2000000", "--formats", "pdf", "-q"]) == 0
    pdf = next(out.glob("*.pdf"))
    first = " ".join(pdftotext(pdf, "-f", "1", "-l", "1").split())
    assert "RED" in first and "Default on project Harbor Point Tower" in first and "GC's own" in first
    assert "TradeTapp analysis" in first and "Reviewed by" in first


pytestmark = needs_tools("pdftotext")


def test_the_same_flag_resolved_raises_nothing_and_its_history_is_in_the_appendix(main, tmp_path):
    page = json.loads((SAMPLES / "summit-electrical-large.flags.json").read_text(encoding="utf-8"))
    resolved = copy.deepcopy(page)
    for f in resolved["results"]:
        if f["priority"] == "HIGH":
            done = {**f["state"], "value": "RESOLVED", "summary": "Surety claim settled",
                    "createdAt": "2026-10-01T10:00:00Z"}
            f["state"] = done
            f["stateHistory"]["results"].insert(0, done)
    r = _sample("summit-electrical-large", flags=resolved, tmp_path=tmp_path)
    assert not [f for f in r.flags if f.rule.startswith("tradetapp.gc_flag")]
    assert r.tradetapp.active_flags == ()
    high = next(f for f in r.tradetapp.flags if f.priority == "HIGH")
    assert [h.value for h in high.history][:2] == ["RESOLVED", "ACTIVE"]
    out = tmp_path / "out"
    assert main(["build", str(tmp_path / "summit-electrical-large.json"), "--out", str(out), *AS_OF,
                 "--formats", "pdf", "-q"]) == 0
    text = " ".join(pdftotext(next(out.glob("*.pdf"))).split())
    appendix = text.split("Appendix: TradeTapp analysis", 1)[1]
    assert "Default on project Harbor Point Tower" in appendix and "Surety claim settled" in appendix
    # The state in words (issue 16: no API code reaches the reader), the flag's history kept.
    assert "— resolved" in appendix and "Resolved ·" in appendix and "RESOLVED" not in appendix


def test_the_statements_name_their_figures_in_words_not_api_fields(main, tmp_path):
    """The appendix's statements, as a CFO reads them: "Days of cash on hand", "Revenue (sales)",
    not ``daysOfCashOnHand``; every one of the 41 figures and ratios, and the values as sent."""
    from reporter.api.financials_names import METRIC_FIELDS, RAW_DATA_FIELDS
    from reporter.render.labels import figure_words

    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "gr8-builders.json"), "--out", str(out), *AS_OF, "--formats", "pdf", "-q"]) == 0
    text = " ".join(pdftotext(next(out.glob("*.pdf"))).split())
    statements = text.split("Financial statements (", 1)[1]
    assert "Days of cash on hand 21.4" in statements and "Revenue (sales) 3,840,000" in statements
    assert "Figure Amount (USD) Ratio Value" in statements  # the raw figures are in the record's currency
    assert "Underbillings to working capital 0.0611" in statements
    assert not [n for n in RAW_DATA_FIELDS + METRIC_FIELDS if not n.islower() and n in statements]
    assert all(figure_words(n) in statements for n in RAW_DATA_FIELDS + METRIC_FIELDS)


def test_award_above_tradetapp_single_project_capacity_names_both_figures():
    r = _sample("summit-electrical-large", award=40_000_000)  # SPC 32,000,000
    f = next(f for f in r.flags if f.rule == "tradetapp.single_capacity")
    assert f.severity == "high" and "$40,000,000.00" in f.message and "$32,000,000.00" in f.message
    below = _sample("summit-electrical-large", award=2_000_000)
    assert not [f for f in below.flags if f.rule == "tradetapp.single_capacity"]
    single = next(c for c in below.tradetapp.capacity if c.key == "single")
    assert single.recommended == Decimal(32000000) and single.exceeded is False


def test_weak_financials_raise_the_liquidity_rules():
    r = _sample("gr8-builders", award=2_000_000)
    rules = {f.rule for f in r.flags}
    assert {"tradetapp.benchmark_very_poor", "tradetapp.current_ratio", "tradetapp.working_capital",
            "tradetapp.statement_type"} <= rules
    strong = _sample("northern-lights-mechanical", award=1_000_000)
    assert not [f for f in strong.flags if f.rule.startswith("tradetapp.")]
    assert strong.tradetapp.overall.band == "excellent"


def test_benchmark_bands_are_tradetapps():
    assert [band(Decimal(v)) for v in (0, 29, 30, 39, 40, 49, 50, 69, 70, 71, 100)] == [
        "very poor", "very poor", "poor", "poor", "fair", "fair", "great", "great", "great", "excellent", "excellent"]
    assert band(None) is None


def test_no_financials_is_said_on_page_one_and_otherwise_built_as_before(main, tmp_path):
    with_404 = _sample("sparse-framing")
    (rec,) = load_file(SAMPLES / "sparse-framing.json")
    ctx = ReportContext(as_of=date(2026, 11, 28), project=Project(value=Decimal(2_000_000)))
    before = build_report(rec.model, ctx)
    assert with_404.tradetapp.financials_status == "not_found"
    assert with_404.flags == before.flags and with_404.verdict == before.verdict
    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "sparse-framing.json"), "--out", str(out), *AS_OF, "--formats", "pdf", "-q"]) in (0, 1)
    first = " ".join(pdftotext(next(out.glob("*.pdf")), "-f", "1", "-l", "1").split())
    assert "TradeTapp holds no financial statements for this subcontractor" in first


def test_workbook_figures_equal_the_api_values_exactly(main, tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "summit-electrical-large.json"), str(SAMPLES / "gr8-builders.json"),
                 "--out", str(out), *AS_OF, "--project-value", "2000000", "--formats", "xlsx", "-q"]) in (0, 1)
    api = loads_exact((SAMPLES / "summit-electrical-large.financials.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(next(out.glob("summit*.xlsx")))
    ws = wb["Statements"]
    headers = [c.value for c in ws[1]]
    by_date = {str(row[0].value.date()): row for row in ws.iter_rows(min_row=2)}
    checked = 0
    for s in api["statements"]:
        row = by_date[s["date"]]
        for part in ("rawData", "metrics"):
            for k, v in s[part].items():
                if k == "customRatios":
                    for c in v:
                        cell = row[headers.index(f"custom: {c['name']}")]
                        assert Decimal(str(cell.value)) == c["value"]
                    continue
                cell = row[headers.index(k)]
                assert isinstance(cell.value, (int, float)), (k, cell.value)
                assert Decimal(str(cell.value)) == v, (k, cell.value, v)
                checked += 1
    assert checked == len(api["statements"]) * 41
    fin = {(r[1].value, r[3].value): r[2].value for r in wb["Financials"].iter_rows(min_row=2)}
    assert Decimal(str(fin[("Single-project capacity (recommended)", None)])) == api["keyMetrics"]["singleProjectCapacity"]
    assert fin[("Risk evaluation score", None)] == api["riskEvaluationScore"]
    flags = list(wb["TradeTapp Flags"].iter_rows(min_row=2, values_only=True))
    assert [(f[0], f[3], f[11]) for f in flags] == [(f["id"], f["priority"], f["state"]["value"]) for f in
                                                    sorted(json.loads((SAMPLES / "summit-electrical-large.flags.json").read_text())["results"],
                                                           key=lambda f: f["state"]["value"] != "ACTIVE")]
    assert wb["Flag History"].max_row >= 4
    lev = openpyxl.load_workbook(out / "leveling.xlsx").active
    head = [c.value for c in lev[1]]
    rows = {r[0]: r for r in lev.iter_rows(min_row=2, values_only=True)}
    summit = rows["Summit Electrical Contractors, Inc."]
    assert summit[head.index("TradeTapp risk score")] == 2 and summit[head.index("GC flags active HIGH")] == 1
    assert summit[head.index("TradeTapp single-project capacity")] == 32000000


def test_json_keeps_tradetapp_figures_exact():
    doc = report_to_json(_sample("summit-electrical-large"))
    api = loads_exact((SAMPLES / "summit-electrical-large.financials.json").read_text(encoding="utf-8"))
    st = doc["tradetapp"]["statements"][0]
    assert st["metrics"]["currentRatio"] == format(api["statements"][0]["metrics"]["currentRatio"], "f")
    assert doc["tradetapp"]["riskEvaluationScore"] == api["riskEvaluationScore"]


def test_rules_file_sets_the_tradetapp_thresholds_and_severities(tmp_path):
    from reporter.errors import ConfigError
    from reporter.transform.rules_file import load_rules

    p = tmp_path / "rules.toml"
    p.write_text('[tradetapp]\ncurrent_ratio_min = 0.5\nstatement_max_age_months = 30\n'
                 '[severities]\n"tradetapp.gc_flag_high" = "medium"\n', encoding="utf-8")
    rules = load_rules(p)
    assert rules.tradetapp_current_ratio_min == Decimal("0.5") and rules.tradetapp_statement_max_age_months == 30
    (rec,) = load_file(SAMPLES / "summit-electrical-large.json")
    ctx = ReportContext(as_of=date(2026, 11, 28), rules=rules)
    r = build_report(rec.model, ctx, side_files_for(SAMPLES / "summit-electrical-large.json", rec.model.id))
    assert next(f for f in r.flags if f.rule == "tradetapp.gc_flag_high").severity == "medium"
    p.write_text('[tradetapp]\ncurrent_ratio_min = "low"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="tradetapp.current_ratio_min"):
        load_rules(p)


def test_page_one_stays_one_page_with_many_long_gc_flags(main, tmp_path):
    page = json.loads((SAMPLES / "summit-electrical-large.flags.json").read_text(encoding="utf-8"))
    one = next(f for f in page["results"] if f["priority"] == "HIGH")
    page["results"] = [{**copy.deepcopy(one), "id": 1000 + i, "name": f"Flag {i} " + "very long name " * 6,
                        "summary": "A long summary of what happened on site. " * 12} for i in range(12)]
    r = _sample("summit-electrical-large", flags=page, tmp_path=tmp_path)
    assert len(r.tradetapp.active_flags) == 12
    out = tmp_path / "out"
    assert main(["build", str(tmp_path / "summit-electrical-large.json"), "--out", str(out), *AS_OF,
                 "--project-value", "40000000", "--formats", "pdf", "-q"]) == 0
    first = pdftotext(next(out.glob("*.pdf")), "-f", "1", "-l", "1", "-layout")
    assert "Reviewed by" in first and "TradeTapp analysis" in first


def test_redacted_copies_withhold_tradetapps_figures_and_keep_the_decision(main, tmp_path):
    from reporter.rebuild import redacted_attachments
    from reporter.transform.redact import redact_report

    r = _sample("summit-electrical-large", award=40_000_000)
    red = redact_report(r, "financial")
    assert red.verdict == r.verdict and red.tradetapp.financials_status == "withheld"
    assert red.tradetapp.statements == () and red.tradetapp.flags == r.tradetapp.flags  # the GC's flags stay
    text = " ".join(f.message for f in red.flags) + " ".join(red.verdict_reasons)
    assert "32,000,000" not in text and "Default on project Harbor Point Tower" in text
    out = tmp_path / "out"
    assert main(["build", str(SAMPLES / "summit-electrical-large.json"), "--out", str(out), *AS_OF,
                 "--project-value", "40000000", "--formats", "pdf", "-q"]) == 0
    assert (out / "sources").glob("*.flags.json")
    attachments, items = redacted_attachments(out, "financial")  # re-rendered with the kept side files
    assert items[0].verdict == "red" and attachments


def test_fetch_all_saves_both_side_files_for_every_company(fake, main, tmp_path):
    out = tmp_path / "saved"
    assert main(["fetch", "--all", "--base-url", fake.base_url, "--out", str(out), "-q"]) == 0
    for cid in (C1, C2, C3):
        fin = loads_exact((out / f"{cid}.financials.json").read_text(encoding="utf-8"))
        flags = loads_exact((out / f"{cid}.flags.json").read_text(encoding="utf-8"))
        assert (fin.get("notFound") is True) == (cid == C3)
        assert all(f["company"]["id"] == cid for f in flags["results"])
    assert len(loads_exact((out / f"{C1}.flags.json").read_text(encoding="utf-8"))["results"]) == 130
