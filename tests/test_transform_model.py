"""The typed report model: its parts match the API's lists, are frozen, and the flags read the
expiry enum (not display text). The transform stage imports nothing above it and has no cycle."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path

import pytest
from helpers import clean_record

from reporter.api.models import QUALIFICATION_MONEY_FIELDS, TOP_LEVEL_MONEY_FIELDS, Qualification
from reporter.transform import flags
from reporter.transform.model import (
    Amounts,
    Company,
    Expiry,
    ExpiryStatus,
    InsuranceRow,
    ReportContext,
)
from reporter.transform.report import build_report

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 28)


def build(**changes):
    return build_report(Qualification.model_validate(clean_record(**changes)), ReportContext(as_of=AS_OF))


def test_amounts_hold_every_money_field_of_the_api_in_its_order():
    assert [f.name for f in dataclasses.fields(Amounts)] == [*TOP_LEVEL_MONEY_FIELDS, *QUALIFICATION_MONEY_FIELDS]


def test_company_fields_are_record_fields():
    known = set(Qualification.model_fields)
    assert [f.name for f in dataclasses.fields(Company) if f.name not in known] == []


def test_report_parts_are_frozen():
    rep = build()
    for part in (rep.company, rep.amounts, rep.qualification, rep.safety, rep.financial, rep.insurance[0]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            part.__setattr__(dataclasses.fields(part)[0].name, None)


@pytest.mark.parametrize("expires, state, text", [
    ("2026-11-27", Expiry.EXPIRED, "expired"),
    ("2026-11-29", Expiry.EXPIRING, "expires in 1 day"),
    ("2026-12-08", Expiry.EXPIRING, "expires in 10 days"),
    ("2027-12-31", Expiry.CURRENT, "current"),
])
def test_insurance_rows_carry_an_expiry_state_and_days(expires, state, text):
    ins = [dict(row, policyExpirationDate=expires) for row in clean_record()["insuranceCoverages"]]
    row = build(insuranceCoverages=ins).insurance[0]
    assert row.expiry.state is state and row.status == text
    assert row.expiry.days == (date.fromisoformat(expires) - AS_OF).days


def test_flags_decide_on_the_expiry_state_not_on_the_words():
    rep = build()
    ctx = ReportContext(as_of=AS_OF)

    def rules_for(expiry: ExpiryStatus) -> list[str]:
        rows = [dataclasses.replace(r, expiry=expiry) if i == 0 else r for i, r in enumerate(rep.insurance)]
        found = flags.evaluate(qualification=rep.qualification, safety=rep.safety, financial=rep.financial,
                               capacity=rep.capacity, insurance=rows, certificates=rep.certificates, ctx=ctx,
                               currency="USD")
        return [f.rule for f in found if f.rule.startswith("insurance.")]

    assert rules_for(ExpiryStatus(Expiry.EXPIRING, 3)) == ["insurance.expiring"]
    assert rules_for(ExpiryStatus(Expiry.EXPIRED, -3)) == ["insurance.expired"]
    assert rules_for(ExpiryStatus(Expiry.BEFORE_PROJECT_END, 90)) == ["insurance.before_project_end"]
    assert rules_for(ExpiryStatus(Expiry.CURRENT, 400)) == []
    assert rules_for(ExpiryStatus(Expiry.NOT_APPLICABLE)) == []


def test_section_rows_of_insurance_match_the_typed_rows():
    rep = build()
    for row, typed in zip(rep.sections["insurance"], rep.insurance, strict=True):
        assert isinstance(typed, InsuranceRow)
        assert row["status"] == typed.status and row["daysToExpiry"] == typed.expiry.days
        assert row["insuranceLabel"] == typed.label and row["perOccurrenceLimit"] == typed.per_occurrence_limit


STAGES_ABOVE_TRANSFORM = ("reporter.render", "reporter.deliver", "reporter.batch", "reporter.commands",
                          "reporter.pipeline", "reporter.config", "reporter.cli")


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.startswith("reporter")}


def test_transform_imports_only_downhill_and_has_no_cycle():
    modules = {f"reporter.transform.{p.stem}": p for p in (ROOT / "reporter" / "transform").glob("*.py")}
    graph = {}
    for name, path in modules.items():
        imports = _imports(path)
        assert not [m for m in imports if m.startswith(STAGES_ABOVE_TRANSFORM)], name
        graph[name] = {m for m in imports if m in modules and m != name}

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, " -> ".join((*stack, node))
        for nxt in graph[node]:
            visit(nxt, (*stack, node))

    for name in graph:
        visit(name, ())
