"""Transform stage: the evidence, staleness, plausibility, legal and award findings of one record.

Input: the ``Qualification`` wire model, its ``Safety`` and ``Financial`` figures and ``Amounts``
(already in the report currency), the ``ReportContext``, the report currency, the award in that
currency (``None`` when none was given or it could not be converted) and a money formatter.
Output: ``evidence.Finding`` values (rule id, one plain sentence, evidence) in the order the rules
modules give them, and the ``LegalFinding`` values page one quotes. ``reporter.transform.flags``
turns the findings into flags with the rules' severities.

This module only gathers: the judgements live in ``evidence`` (not submitted, staleness,
plausibility, award against revenue), ``legal`` (custom questions) and ``award``/``gc_backlog``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from reporter.api.models import Qualification
from reporter.transform import evidence
from reporter.transform.evidence import Finding
from reporter.transform.figures import osha_years
from reporter.transform.legal import LegalFinding, scan_questions
from reporter.transform.model import Amounts, Financial, ReportContext, Safety

Formatter = Callable[[Decimal], str]


def legal_findings(record: Qualification, ctx: ReportContext) -> list[LegalFinding]:
    return scan_questions(record.customQuestions.results, ctx.rules.legal_keywords)


def _latest_osha_year(safety: Safety) -> int | None:
    years = [y.year for y in safety.years if y.year is not None and not y.no_hours]
    return max(years) if years else None


def record_findings(
    record: Qualification, safety: Safety, financial: Financial, amounts: Amounts, ctx: ReportContext,
    currency: str, award: Decimal | None, fmt: Formatter, legal: list[LegalFinding],
) -> list[Finding]:
    """Every issue-15 finding of one record except the trade and insurance ones (``flags`` makes those)."""
    rules = ctx.rules
    out: list[Finding] = []
    out += evidence.emr_findings(evidence.YearSplit(tuple((e.year, e.value) for e in safety.emr), safety.emr_not_submitted))
    out += evidence.revenue_findings(evidence.YearSplit((), financial.revenue_not_submitted))
    split = evidence.split_osha(osha_years(record), rules.low_hours)
    if not split.measured and not split.low_hours:
        out.append(Finding("evidence.osha_missing", "No OSHA 300A year with hours worked: ask for the last 3 OSHA 300A summaries",
                           {"notSubmitted": [y.year for y in split.not_submitted]}))
    elif safety.judged_unstable and safety.judged is not None and rules.severity("safety.low_hours") != "off":
        # a GC who switched the low-hours flag off has said small years are not its concern
        out.append(Finding("safety.rates_unstable",
                           f"Pooled rates rest on {safety.judged.hours_worked:,} hours (every year below {rules.low_hours:,}): shown, not judged",
                           {"years": list(safety.judged.years), "hoursWorked": safety.judged.hours_worked,
                            "threshold": rules.low_hours}))
    latest = financial.revenue_latest
    latest_years = {"emr": safety.emr_latest.year if safety.emr_latest else None, "osha": _latest_osha_year(safety),
                    "revenue": latest.year if latest else None}
    out += evidence.staleness_findings(record.updatedAt or record.submittedAt, latest_years, ctx.as_of, rules)
    revenue = (latest.year, latest.revenue.value) if latest else None
    largest = financial.largest_project
    largest_value = largest.value.value if largest and largest.value else None
    backlog = amounts.currentEstimatedBacklog.value if amounts.currentEstimatedBacklog else None
    out += evidence.plausibility_findings(revenue, largest_value, backlog, rules, currency, fmt)
    out += evidence.award_revenue_findings(award, revenue, rules, currency, fmt)
    out += [Finding(f.rule, f.message, {"question": f.question, "section": f.section, "answer": f.answer})
            for f in legal]
    return out

