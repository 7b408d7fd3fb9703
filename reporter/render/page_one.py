"""Render stage: page one's view models (no Jinja, no layout here).

Input: a ``Report``. Output: the rows page one shows (``insurance_overview``: the four usual
coverages first, ``MissingCoverage`` where one is absent; ``emr_years`` and ``osha_years``: the
last three EMR years and the last three OSHA 300A years, each as its own years; the flags not
already said in the verdict reasons), the trade as CSI divisions and the header facts. How much
of it fits one page is measured, not guessed: ``reporter.render.page_one_fit``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reporter.transform.flags import plain_words
from reporter.transform.model import Flag, InsuranceRow, Report
from reporter.transform.sections_data import INSURANCE_LABELS

MIN_FLAGS = 1  # the verdict reasons above already name the worst ones
LINE_MAX = 240  # a verdict reason or flag message on page one (in full under "All flags")
# The legal box quotes at most LEGAL_ROWS answers (fewer when page one is short of room: the fit
# decides), each question and answer clipped; the rest are under "All flags".
LEGAL_ROWS, LEGAL_QUESTION_MAX, LEGAL_ANSWER_MAX = 3, 90, 150


@dataclass(frozen=True)
class MissingCoverage:
    """One of the four usual coverages the record does not list (page one says "not provided")."""

    label: str
    carrier: None = None


OverviewRow = InsuranceRow | MissingCoverage


@dataclass(frozen=True)
class EmrColumn:
    """One EMR year of page one's safety block."""

    year: int
    emr: Decimal | None  # None: sent as 0 or blank, "not submitted"


@dataclass(frozen=True)
class OshaColumn:
    """One OSHA 300A year of page one's safety block (``unstable``: under the low-hours threshold)."""

    year: int
    trir: Decimal | None
    dart: Decimal | None
    ltir: Decimal | None
    hours_worked: int | None
    unstable: bool


@dataclass(frozen=True)
class SafetyColumn:
    """One year of EMR and OSHA figures merged (the workbook's Summary reads these)."""

    year: int
    emr: Decimal | None
    has_osha: bool
    trir: Decimal | None = None
    dart: Decimal | None = None
    ltir: Decimal | None = None
    hours_worked: int | None = None
    emr_not_submitted: bool = False


def clip(value: Any, limit: int | None = None) -> str:
    """Page one's names: at most ``limit`` characters (``…`` marks the cut; the full text is in the
    Company section), so a very long name cannot push page one onto a second page."""
    text = "" if value is None else " ".join(str(value).split())
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def insurance_overview(report: Report) -> list[OverviewRow]:
    """Page one's insurance rows: the four usual coverages always (``MissingCoverage`` when
    missing), then any other coverage the record lists."""
    rows = list(report.insurance)
    out: list[OverviewRow] = []
    for code, label in INSURANCE_LABELS.items():
        found = [r for r in rows if r.insurance_type == code]
        out.extend(found or [MissingCoverage(label)])
    out.extend(r for r in rows if r.insurance_type not in INSURANCE_LABELS)
    return out


def safety_years(report: Report, n: int = 3) -> list[SafetyColumn]:
    """The last ``n`` years that have an EMR or an OSHA 300A entry, oldest first, merged per year."""
    emr = {e.year: e.value for e in report.safety.emr}
    osha = {y.year: y for y in report.safety.years if y.year is not None}
    not_submitted = set(report.safety.emr_not_submitted)
    out = []
    for year in sorted(set(emr) | set(osha) | not_submitted)[-n:]:
        o = osha.get(year)
        out.append(SafetyColumn(
            year, emr.get(year), o is not None,
            o.trir if o else None, o.dart if o else None, o.ltir if o else None, o.hours_worked if o else None,
            emr_not_submitted=year in not_submitted,
        ))
    return out


def emr_years(report: Report, n: int = 3) -> list[EmrColumn]:
    """The last ``n`` EMR years, oldest first; a year sent as 0 or blank shows as not submitted."""
    rated = {e.year: e.value for e in report.safety.emr}
    years = sorted(set(rated) | set(report.safety.emr_not_submitted))[-n:]
    return [EmrColumn(y, rated.get(y)) for y in years]


def osha_years(report: Report, n: int = 3) -> list[OshaColumn]:
    """The last ``n`` OSHA 300A years that name their year, oldest first."""
    years = [y for y in report.safety.years if y.year is not None][-n:]
    return [OshaColumn(y.year, y.trir, y.dart, y.ltir, y.hours_worked, y.low_hours or y.no_hours)
            for y in years if y.year is not None]


def year_span(years: Any) -> str:
    """``2023-25`` for 2023, 2024, 2025; ``2021, 2023`` when a year is missing between them."""
    ys = sorted(int(y) for y in years)
    if not ys:
        return ""
    if len(ys) == 1:
        return str(ys[0])
    if ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{str(ys[-1])[-2:]}" if str(ys[0])[:2] == str(ys[-1])[:2] else f"{ys[0]}-{ys[-1]}"
    return ", ".join(str(y) for y in ys)


_MORE_LIKE_IT = re.compile(r" \(and \d+ more like it\)$")


def said_in_banner(report: Report) -> list[Flag]:
    """The flags the banner above the flag list already says: the one each verdict reason quotes
    (a reason is its flag's message in words, with "and N more like it" for the rest of its rule:
    those others are not said), the denial the banner quotes, the expiry its status line states,
    and the qualification-with-exceptions
    flag when the banner prints the GC's summary it carries; and the legal answers, which the
    "Legal, claims and citations" box below the banner names every one of (quoted, or counted
    by label when page one is short of room)."""
    reasons = {_MORE_LIKE_IT.sub("", r) for r in report.verdict_reasons}
    legal = {f.rule for f in report.legal}
    denied = bool(report.qualification.denial_reason and report.qualification.status == "DENIED")
    summary_shown = gc_summary(report) is not None
    said: list[Flag] = []
    for f in report.flags:
        text = plain_words(f.message)
        if text in reasons or f.message in reasons:
            reasons.discard(text)  # one flag per reason: the rule's other flags are still listed
            reasons.discard(f.message)
            said.append(f)
        elif (denied and f.rule == "qualification.denied") or f.rule in _STATUS_LINE_RULES:
            said.append(f)
        elif summary_shown and f.rule == "qualification.exceptions":
            said.append(f)
        elif f.rule in legal:
            said.append(f)
    return said


def page_one_flags(report: Report) -> list[Flag]:
    """The flags page one lists under the banner: those the banner does not already say (each
    thing said once on page one; every flag in full under "All flags")."""
    said = {id(f) for f in said_in_banner(report)}
    return [f for f in report.flags if id(f) not in said]


# Said by the banner's status line ("Expired · 2026-08-31 (89 days ago)"): not again as a reason.
_STATUS_LINE_RULES = frozenset({"qualification.expired", "qualification.lapsed", "qualification.no_expiry"})


def verdict_reasons(report: Report) -> list[str]:
    """The banner's reasons, less what the banner says otherwise: the denial flag when the banner
    quotes the denial reason, the expiry flag that its status line states (status, day, days
    ago), and on a green verdict the status and expiry its reason repeats."""
    q = report.qualification
    if report.verdict == "green":  # the status line above already says the status and the expiry
        return ["No high or medium flags"]
    denied = bool(q.denial_reason and q.status == "DENIED")
    banner = [f for f in report.flags if f.rule in _STATUS_LINE_RULES or (denied and f.rule == "qualification.denied")]
    skip = {f.message for f in banner} | {plain_words(f.message) for f in banner}
    return [r for r in report.verdict_reasons if _MORE_LIKE_IT.sub("", r) not in skip]


def gc_summary(report: Report) -> str | None:
    """The GC's qualification summary, unless a verdict reason already quotes it (said once)."""
    text = " ".join((report.qualification.summary or "").split())
    if not text:
        return None
    said = [" ".join(r.split()) for r in report.verdict_reasons]
    return None if any(text[:80] in r for r in said) else report.qualification.summary


def trade_summary(report: Report, limit: int = 4) -> str | None:
    """The trade as CSI divisions: ``03 Cast-in-place concrete; 09 Gypsum board`` (each division
    once, with the first description given for it; ``and N more`` past ``limit``)."""
    seen: dict[str, str] = {}
    for row in report.sections.get("csiCodes", []):
        code = str(row.get("primaryCode") or "").strip()
        if code and code not in seen:
            seen[code] = str(row.get("codeDescription") or "").strip()
    if not seen:
        return None
    parts = [f"{k} {v}".strip() for k, v in list(seen.items())[:limit]]
    more = len(seen) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _years(years: Sequence[int | None]) -> str:
    return ", ".join(str(y) for y in years if y is not None)


def evidence_lines(report: Report) -> list[str]:
    """Page one's small print on the evidence: how old the submission is, what was not
    submitted, the trade benchmark comparison, the award's currency and the backlog basis."""
    s, f = report.safety, report.financial
    out = [report.submission_age] if report.submission_age else []
    missing = [(what, _years(ys)) for what, ys in (
        ("EMR", s.emr_not_submitted),
        ("OSHA 300A hours", [y.year for y in s.years if y.no_hours]),
        ("revenue", f.revenue_not_submitted),
    ) if _years(ys)]
    if missing:
        out.append("Not submitted: " + "; ".join(f"{what} {years}" for what, years in missing))
    # The trade comparison once: a trade flag (in the verdict or the flag list) already says it.
    flagged = any(f.rule == "safety.trir_trade" for f in report.flags)
    if (not flagged and s.trade is not None and s.trade_trir is not None and s.judged is not None
            and s.judged.trir is not None):
        line = s.trade_trir.comparison
        if s.trade.trir_naics == "23":
            line = line.replace(" for construction (", " for all construction (")
        if s.trade.trir_naics == "23" and s.trade.naics != "23":
            line += f" (no sourced BLS figure for {s.trade.title.lower()})"
        elif s.trade.naics == "23":
            line += " (no CSI code maps to a trade)"
        if s.judged_unstable:
            line += "; too few hours to judge"
        elif s.low_hours_excluded:
            line += f"; low-hours {_years(s.low_hours_excluded)} left out"
        out.append(line)
    if report.award is not None and report.award.note:
        out.append(report.award.note)
    if report.backlog_note and "totalLimit" in {c.key for c in report.capacity}:
        out.append("Internal total limit: " + report.backlog_note[0].lower() + report.backlog_note[1:])
    return out


def short_evidence(lines: list[str]) -> list[str]:
    """The evidence line on a crowded page one: the submission age and what was not submitted
    (the trade comparison, award currency and backlog basis stay in the flags and the JSON)."""
    return [line for line in lines if line.startswith(("Submission last updated", "Not submitted"))]
