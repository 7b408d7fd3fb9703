"""Transform stage: risk flags and the verdict.

Input: the typed parts of a report (``reporter.transform.model``: qualification decision,
safety, financial, capacity checks, insurance and certificate rows), the ``ReportContext`` (rules,
as-of day, project, locale, FX table) and the currency the figures are compared in.
Output: a list of ``Flag(rule, severity, message, evidence)`` sorted by severity then importance,
and a verdict ``green``/``amber``/``red`` with the two or three reasons that drove it.

Rule ids, default severities and thresholds live in ``reporter.transform.rules`` (``CATALOG``);
a rules file may change a severity or switch a rule ``off``. Evidence holds the values a rule used
(``Decimal``, ``int``, ``str``, ``date``, ``None`` and lists of them: JSON-ready through
``reporter.render.json.plain``); ratios and rates in evidence are rounded to 4 decimals.

Verdict: red when any flag is ``high`` (DENIED, EXPIRED or a lapsed expiry date are high by
default), amber when any is ``medium`` (QUALIFIED_WITH_EXCEPTIONS, an unknown or missing status),
green otherwise. Its reasons are the messages of the flags of that severity, most important rule
first (``CATALOG`` order), one per rule ("and N more like it" when a rule fired several times).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from reporter.errors import CurrencyError
from reporter.transform.evidence import Finding
from reporter.transform.model import (
    CapacityCheck,
    CertificateRow,
    Expiry,
    Financial,
    Flag,
    InsuranceRow,
    QualificationDecision,
    ReportContext,
    Safety,
)
from reporter.transform.money import format_money, multiply, quantize, round_display, round_to
from reporter.transform.rules import OFF, PRIORITY, Rules
from reporter.transform.sections_data import insurance_label

Amount = Callable[[Decimal | None], str]  # an amount in the report currency, as words

_ORDER = {"high": 0, "medium": 1, "low": 2}
MAX_REASONS = 3
_MESSAGE_TEXT = 160  # free text (denial reason, summary) quoted in a one-line message


def _r4(d: Decimal | None) -> Decimal | None:
    return None if d is None else round_to(d, 4)


def _fmt(d: Decimal | None, places: int = 2) -> str:
    return "n/a" if d is None else f"{round_display(d, places):.{places}f}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_TEXT else text[: _MESSAGE_TEXT - 1].rstrip() + "…"


class _Flags:
    """Collects flags, applying the rules' severities (``off`` drops the flag)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.items: list[Flag] = []

    def add(self, rule: str, message: str, **evidence: Any) -> None:
        self.add_at(None, rule, message, **evidence)

    def add_at(self, default: str | None, rule: str, message: str, **evidence: Any) -> None:
        """``add`` with a default severity other than the catalog's (a rules-file override wins)."""
        severity = self.rules.severity(rule, default)
        if severity != OFF:  # one line, whatever the record's text holds
            self.items.append(Flag(rule, severity, " ".join(message.split()), evidence))


def evaluate(
    *,
    qualification: QualificationDecision,
    safety: Safety,
    financial: Financial,
    capacity: Sequence[CapacityCheck],
    insurance: Sequence[InsuranceRow],
    certificates: Sequence[CertificateRow],
    ctx: ReportContext,
    currency: str,
    currency_assumed: bool = False,
    submitted_currency: str | None = None,
    findings: Sequence[Finding] = (),
) -> list[Flag]:
    """Every flag the rules raise for these parts, most severe and most important first.

    ``findings`` (``reporter.transform.findings``: evidence, staleness, plausibility, legal, award)
    become flags with the rules' severities."""
    ccy = currency
    out = _Flags(ctx.rules)

    def amt(d: Decimal | None) -> str:
        return "not provided" if d is None else format_money(d, ccy, ctx.locale)

    _qualification(out, qualification, ctx)
    _capacity(out, capacity, amt, ccy)
    _safety(out, safety, ctx)
    _trade(out, safety)
    for finding in findings:
        out.add(finding.rule, finding.message, **finding.evidence)
    _insurance(out, insurance, ctx, ccy, amt)
    _financial(out, financial, ctx.rules)
    for c in certificates:
        if c.expiry.state is Expiry.EXPIRED:
            name = c.type_name or c.number or "(unnamed)"
            out.add("certificate.expired", f"Certificate {name} expired {c.expires_at}",
                    certificate=c.type_name, number=c.number, expiresAt=c.expires_at)
    if currency_assumed:
        out.add("money.currency_assumed", "No submissionCurrency on the record: amounts taken as USD",
                submissionCurrency=submitted_currency, assumed="USD")
    # The round-2 evidence rule says the same as the round-1 one, at the severity that counts: once is enough.
    said = {f.rule for f in out.items}
    items = [f for f in out.items if _SAID_BY.get(f.rule) not in said]
    return sorted(items, key=lambda f: (_ORDER.get(f.severity, 3), PRIORITY.get(f.rule, 999)))


_SAID_BY = {"safety.emr_missing": "evidence.emr_missing", "safety.osha_missing": "evidence.osha_missing"}


def _qualification(out: _Flags, q: QualificationDecision, ctx: ReportContext) -> None:
    status = q.status
    day = q.date_expires_local
    if status == "DENIED":
        reason = q.denial_reason or "no reason given"
        out.add("qualification.denied", f"Qualification DENIED: {_clip(reason)}", status=status, denialReason=q.denial_reason)
    elif status == "EXPIRED":
        when = f" on {day}" if day else ""
        out.add("qualification.expired",
                f"Qualification EXPIRED{when}" + (f" (was {q.pre_expiration_status} before)"
                                                   if q.pre_expiration_status else ""),
                status=status, dateExpires=day, preExpirationStatus=q.pre_expiration_status)
    elif status is None:
        out.add("qualification.missing", "No qualification status on the record", status=None)
    elif not q.status_known:
        out.add("qualification.unknown", f"Unrecognised qualification status {status!r}", status=status)
    elif status == "QUALIFIED_WITH_EXCEPTIONS":
        summary = (q.summary or "see the summary").strip()
        lead = "Qualified with exceptions"
        if summary.lower().startswith(lead.lower()):  # the GC's note often starts with the status
            summary = summary[len(lead):].lstrip(" :-–—,.") or "see the summary"
        out.add("qualification.exceptions", f"{lead}: " + _clip(summary),
                status=status, summary=q.summary)

    days = q.days_to_expiry
    if status in ("EXPIRED", "DENIED"):
        return
    if days is None or day is None:
        if status is not None:
            out.add("qualification.no_expiry", "Qualification has no expiry date", status=status, dateExpires=None)
        return
    rules = ctx.rules
    if days < 0:
        out.add("qualification.lapsed", f"Qualification expired {_days(-days)} ago ({day}) though its status is {status or 'missing'}",
                status=status, dateExpires=day, daysToExpiry=days, asOf=ctx.as_of)
    elif days <= rules.expiry_warning_days:
        out.add("qualification.expiring", f"Qualification expires in {_days(days)} ({day})",
                dateExpires=day, daysToExpiry=days, asOf=ctx.as_of, warningDays=rules.expiry_warning_days)
    elif ctx.project.end and day < ctx.project.end:
        out.add("qualification.before_project_end", f"Qualification expires {day}, before project end {ctx.project.end}",
                dateExpires=day, projectEnd=ctx.project.end)


def _capacity(out: _Flags, capacity: Sequence[CapacityCheck], amt: Amount, ccy: str) -> None:
    for c in capacity:
        what = "Backlog + award" if c.key in ("totalLimit", "bondingAggregate") else "Award"
        evidence = dict(measured=c.award_or_load, limit=c.limit, ratio=_r4(c.ratio), currency=ccy)
        if c.exceeded is None:
            out.add("capacity.unchecked", f"{c.limit_name[0].upper() + c.limit_name[1:]} not provided: cannot check {what.lower()} {amt(c.award_or_load)} against it",
                    check=c.key, **evidence)
        elif c.exceeded and c.key == "largestProject" and c.ratio is not None:
            out.add(c.rule, f"Award {amt(c.award_or_load)} is {_fmt(c.ratio, 1)}x the largest completed project {amt(c.limit)} (above {c.threshold}x)",
                    threshold=c.threshold, **evidence)
        elif c.exceeded:
            times = f" ({_fmt(c.ratio, 1)}x)" if c.ratio is not None else ""
            out.add(c.rule, f"{what} {amt(c.award_or_load)} exceeds {c.limit_name} {amt(c.limit)}{times}", **evidence)


def _safety(out: _Flags, s: Safety, ctx: ReportContext) -> None:
    rules = ctx.rules
    emr = s.emr_latest
    if emr is None:
        out.add("safety.emr_missing", "No EMR submitted", emr=None)
    elif emr.value > rules.emr_critical:
        out.add("safety.emr_critical", f"EMR {_fmt(emr.value)} in {emr.year} (above {rules.emr_critical})",
                year=emr.year, emr=emr.value, threshold=rules.emr_critical)
    elif emr.value > rules.emr_caution:
        out.add("safety.emr_caution", f"EMR {_fmt(emr.value)} in {emr.year} (above {rules.emr_caution})",
                year=emr.year, emr=emr.value, threshold=rules.emr_caution)
    avg, avg_years = s.emr_average3, list(s.emr_average_years)
    if avg is not None and len(avg_years) >= 2 and avg > rules.emr_caution:
        out.add("safety.emr_average", f"EMR {len(avg_years)}-year average {_fmt(avg)} ({avg_years[0]}-{avg_years[-1]}) above {rules.emr_caution}",
                years=avg_years, average=_r4(avg), threshold=rules.emr_caution)

    first_year = ctx.as_of.year - rules.fatality_lookback_years
    for f in s.fatalities:
        if first_year <= f.year <= ctx.as_of.year:
            word = "fatality" if f.deaths == 1 else "fatalities"
            out.add("safety.fatality", f"{f.deaths} {word} recorded in {f.year} (OSHA 300A box G)",
                    year=f.year, deaths=f.deaths, sinceYear=first_year)

    three = s.three_year
    span = _span(three.years)
    for key, rule, v, limit in (("trir", "safety.trir_high", three.trir, rules.trir_caution),
                                ("dart", "safety.dart_high", three.dart, rules.dart_caution)):
        if v is not None and v > limit and not s.judged_unstable:  # too few hours: shown, not judged
            out.add(rule, f"{key.upper()} {_fmt(v)} over {span} ({three.hours_worked:,} hours) above {limit}",
                    **{key: _r4(v)}, years=list(three.years), hoursWorked=three.hours_worked, threshold=limit)
    if not s.years:
        out.add("safety.osha_missing", "No OSHA 300A results submitted")
    for r in s.years:
        if r.low_hours:
            out.add("safety.low_hours", f"Only {r.hours_worked or 0:,} hours worked in {r.year}: its rates are unstable",
                    year=r.year, hoursWorked=r.hours_worked, threshold=rules.low_hours)
        elif r.no_hours:
            out.add("safety.no_hours", f"No hours worked reported for {r.year or 'a year without a year'}: no rates for it",
                    year=r.year, hoursWorked=r.hours_worked)


def _trade(out: _Flags, s: Safety) -> None:
    """Pooled TRIR / DART (low-hours years left out) against the trade's BLS rate. A benchmark
    that fell back to all construction (NAICS 23) is a weaker comparison: its flag is low by
    default, and the flat ``safety.trir_caution`` ceiling still catches a bad rate at medium."""
    bench = s.trade
    if bench is None or s.judged is None or s.judged_unstable:
        return
    for rule, j, naics in (("safety.trir_trade", s.trade_trir, bench.trir_naics),
                           ("safety.dart_trade", s.trade_dart, bench.dart_naics)):
        if j is None or not j.exceeded:
            continue
        fallback = naics == "23"  # all construction, not the trade
        if bench.naics == "23":
            why = "; no CSI code maps to a trade, so compared with all construction"
        elif fallback:
            why = f"; no sourced BLS figure for {bench.title.lower()} (NAICS {bench.naics}), so compared with all construction"
        else:
            why = ""
        comparison = j.comparison.replace(" for construction (", " for all construction (") if fallback else j.comparison
        out.add_at("low" if fallback else None, rule,
                   f"{comparison} over {_span(s.judged.years)}: above {_fmt(j.multiple)}x the rate{why}", rate=_r4(j.rate), benchmark=j.benchmark, multiple=j.multiple,
                ratio=_r4(j.ratio), naics=naics, trade=bench.naics, year=bench.year, source=bench.source,
                fallback=fallback, years=list(s.judged.years), hoursWorked=s.judged.hours_worked)


def _span(years: Sequence[int]) -> str:
    if not years:
        return "no years"
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _financial(out: _Flags, f: Financial, rules: Rules) -> None:
    util = f.line_of_credit_utilisation
    if util is not None and util > rules.loc_utilisation_caution:
        out.add("financial.loc_utilisation", f"Line of credit {_fmt(util * 100, 0)}% used (above {_fmt(rules.loc_utilisation_caution * 100, 0)}%)",
                utilisation=_r4(util), threshold=rules.loc_utilisation_caution)
    latest = f.revenue_latest
    if latest and latest.change is not None and latest.change < rules.revenue_drop_caution:
        out.add("financial.revenue_drop", f"Revenue fell {_fmt(-latest.change * 100, 0)}% in {latest.year}",
                year=latest.year, change=_r4(latest.change), threshold=rules.revenue_drop_caution)


def _minimum_converter(ctx: ReportContext, ccy: str) -> Callable[[Decimal], Decimal] | None:
    """Minimums are written in ``rules.insurance_currency``; return a function giving them in
    ``ccy``, or ``None`` when no rate converts them."""
    src = ctx.rules.insurance_currency
    if src == ccy:
        return lambda d: d
    if ctx.fx is None:
        return None
    try:
        r = ctx.fx.lookup(src, ccy, ctx.as_of)
    except CurrencyError:
        return None
    return lambda d: quantize(multiply(d, r.rate), ccy)


def _insurance(out: _Flags, insurance: Sequence[InsuranceRow], ctx: ReportContext, ccy: str, amt: Amount) -> None:
    rules = ctx.rules
    by_type: dict[str, list[InsuranceRow]] = {}
    for row in insurance:
        by_type.setdefault(row.insurance_type or "", []).append(row)
    convert = _minimum_converter(ctx, ccy)
    if convert is None and any(rules.insurance_minimums.get(t) for t in rules.required_insurance):
        out.add("insurance.minimum_unchecked",
                f"Insurance minimums are in {rules.insurance_currency} and no {rules.insurance_currency}->{ccy} rate was given: limits not checked",
                minimumCurrency=rules.insurance_currency, currency=ccy)
    for required in rules.required_insurance:
        rows = by_type.get(required, [])
        label = insurance_label(required)
        if not rows:
            out.add_at(rules.insurance_gap_severity("insurance.missing", required),
                       "insurance.missing", f"{label}: not provided", insuranceType=required)
            continue
        if all(r.not_applicable for r in rows):
            out.add_at(rules.insurance_gap_severity("insurance.not_applicable", required),
                       "insurance.not_applicable", f"{label}: marked not applicable", insuranceType=required)
            continue
        minimum = rules.insurance_minimums.get(required)
        if not minimum or convert is None:
            continue
        for r in rows:
            if r.not_applicable:
                continue
            for field, words, limit_money, floor in (
                ("perOccurrenceLimit", "per-occurrence", r.per_occurrence_limit, minimum.per_occurrence),
                ("aggregateLimit", "aggregate", r.aggregate_limit, minimum.aggregate),
            ):
                if floor is None:
                    continue
                limit = limit_money.value if limit_money else None
                floor_here = convert(floor)
                if limit is None or limit < floor_here:
                    out.add("insurance.below_minimum", _limit_sentence(label, words, limit, amt(floor_here), amt),
                            insuranceType=required, field=field, limit=limit, minimum=floor_here, currency=ccy,
                            minimumAsWritten=floor, minimumCurrency=rules.insurance_currency)
    for r in insurance:
        label, day, state = r.label, r.policy_expiration_date, r.expiry.state
        ev: dict[str, Any] = dict(insuranceType=r.insurance_type, policyExpirationDate=day)
        if state is Expiry.EXPIRED:
            out.add("insurance.expired", f"{label} policy expired {day}", **ev, asOf=ctx.as_of)
        elif state is Expiry.BEFORE_PROJECT_END:
            out.add("insurance.before_project_end", f"{label} expires {day}, before project end {ctx.project.end}",
                    **ev, projectEnd=ctx.project.end)
        elif state is Expiry.EXPIRING:
            out.add("insurance.expiring", f"{label} {r.expiry.text} ({day})", **ev, daysToExpiry=r.expiry.days)


def _limit_sentence(label: str, words: str, limit: Decimal | None, minimum: str, amt: Amount) -> str:
    """One English sentence per case: ``General liability: per-occurrence limit not provided
    (the minimum is $1,000,000.00)``; ``General liability: aggregate limit $1,500,000.00 is below
    the minimum of $2,000,000.00``."""
    if limit is None:
        return f"{label}: {words} limit not provided (the minimum is {minimum})"
    return f"{label}: {words} limit {amt(limit)} is below the minimum of {minimum}"


def with_more(flags: list[Flag], more: list[Flag]) -> list[Flag]:
    """``flags`` and ``more`` (another module's rules), most severe and most important first."""
    return sorted([*flags, *more], key=lambda f: (_ORDER.get(f.severity, 3), PRIORITY.get(f.rule, 999)))


def verdict(flags: list[Flag], qualification: QualificationDecision) -> tuple[str, list[str]]:
    """``green``/``amber``/``red`` and the messages that drove it (at most ``MAX_REASONS``)."""
    for severity, word in (("high", "red"), ("medium", "amber")):
        top = [f for f in flags if f.severity == severity]
        if top:
            return word, _reasons(top)
    status = qualification.status or "no status"
    text = status.replace("_", " ").capitalize()
    if qualification.date_expires_local:
        text += f", expires {qualification.date_expires_local}"
    return "green", [f"{text}; no high or medium flags"]


_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")  # QUALIFIED_WITH_EXCEPTIONS, GENERAL_LIABILITY


def plain_words(text: str) -> str:
    """A verdict reason without enum codes: ``QUALIFIED_WITH_EXCEPTIONS`` -> ``qualified with exceptions``."""
    return _CODE.sub(lambda m: m.group(0).replace("_", " ").lower(), text)


def _reasons(flags: list[Flag]) -> list[str]:
    by_rule: dict[str, list[Flag]] = {}
    for f in sorted(flags, key=lambda f: PRIORITY.get(f.rule, 999)):
        by_rule.setdefault(f.rule, []).append(f)
    reasons: list[str] = []
    for group in list(by_rule.values())[:MAX_REASONS]:
        more = len(group) - 1
        reasons.append(plain_words(group[0].message) + (f" (and {more} more like it)" if more else ""))
    return reasons
