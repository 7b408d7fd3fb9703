"""Transform stage: TradeTapp's analysis in a copy for wide distribution (``redact_report``'s
``financial``).

Input: a ``TradeTappAnalysis`` (or ``None``) and a ``tradetapp.*`` rule id. Output: the analysis
with TradeTapp's financial figures withheld (score, benchmarks, key metrics, statements, capacity;
``financials_status`` ``withheld``) -- the GC's flags stay, they are no figures -- and the
figure-free message of a financial ``tradetapp.*`` rule.
"""

from __future__ import annotations

import dataclasses

from reporter.transform.model_tradetapp import TradeTappAnalysis

WITHHELD_STATUS = "withheld"
_GENERIC = {
    "tradetapp.single_capacity": "Award exceeds TradeTapp's recommended single-project capacity (figures withheld)",
    "tradetapp.aggregate_capacity": "Backlog + award exceed TradeTapp's recommended aggregate capacity (figures withheld)",
    "tradetapp.benchmark_very_poor": "A TradeTapp benchmark is very poor (figures withheld)",
    "tradetapp.current_ratio": "Current ratio below the minimum (figures withheld)",
    "tradetapp.working_capital": "Working capital short (figures withheld)",
    "tradetapp.debt_to_equity": "Debt to equity above the maximum (figures withheld)",
    "tradetapp.net_loss": "Net loss on the latest statement (figures withheld)",
    "tradetapp.statement_type": "Statement quality below what the award calls for (figures withheld)",
    "tradetapp.statement_age": "Latest financial statement is old (figures withheld)",
}
TRADETAPP_FINANCIAL_RULES = tuple(_GENERIC)


def tradetapp_generic(rule: str) -> str:
    return _GENERIC[rule]


def withhold_tradetapp(a: TradeTappAnalysis | None) -> TradeTappAnalysis | None:
    if a is None or a.financials_status != "present":
        return a
    return dataclasses.replace(a, financials_status=WITHHELD_STATUS, risk_evaluation_score=None, benchmarks=(),
                               key_metrics=None, statements=(), latest_age_months=None, capacity=())
