"""Transform stage: legal, claims and citations found in the record's custom questions.

Input: the record's custom questions (objects or dicts with ``question``, ``section``,
``textResponse``, ``numberResponse``, ``booleanResponse``), in the record's order, and the keyword
table (``Rules.legal_keywords``: category -> keywords, laid over ``LEGAL_KEYWORDS`` by the rules
file). Output: ``LegalFinding`` values, one per topic answered "yes" (adjacent follow-up questions
of the same topic are merged into one finding, their answers quoted together).

A question matches a category when one of its keywords starts a word of the question text or of
its section (case- and accent-insensitive; a keyword of several words matches them in sequence).
It raises when the answer is "Yes", a count or amount above 0, or a text that is not a plain
negative ("no", "none", "n/a", "aucun", ...). A question asked in the negative ("Have you NOT
been terminated?", "Are you free of liens?") is read the other way round: "No" raises. A "yes"
to a question about something else whose answer mentions an OSHA citation raises a citation
finding (a fatality question answered "Yes ... two serious citations").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from reporter.transform.rules import LEGAL_CATEGORIES, LEGAL_KEYWORDS

_QUOTE = 300  # characters of an answer quoted in a finding
_NEGATIVE_WORDS = {
    "no", "none", "n/a", "na", "nil", "nope", "never", "zero", "0", "not applicable", "non",
    "aucun", "aucune", "neant", "sans objet", "ninguno", "ninguna", "nein", "keine",
}
_BUT = {"but", "except", "however", "although", "though", "other", "besides", "sauf", "mais", "excepte"}
_YES = re.compile(r"^(yes|oui|si|ja|y)\b")
_AFFIRM = re.compile(r"^(yes|oui|si|ja|y|confirm\w*|correct|true|agreed?|affirmative|none|no (such|pending)\b)")
# A question asked in the negative: a negation before the topic keyword.
_NEGATION = re.compile(r"\b(not|never|free of|free from|no|without|n't|sans|jamais|pas)\b")
_FOLLOW_UP = re.compile(r"^(if (yes|so)|describe|please (describe|explain|list)|explain|list|provide|give details|details|total|amount|number)\b")
_CITATION_IN_ANSWER = "osha_citation"


@dataclass(frozen=True)
class LegalFinding:
    rule: str  # "legal.litigation"
    category: str  # "litigation"
    label: str  # "Litigation"
    question: str
    section: str
    answer: str  # the quoted answer(s): "Yes; Describe any pending litigation: One pending ..."
    message: str  # one line for the flag: 'Litigation: "Is any litigation pending ...?" Yes; ...'
    negated: bool = False  # the question was asked in the negative


def fold(text: str) -> str:
    """Lower case without accents, one space between words (for keyword matching)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().replace("’", "'").split())


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in fold(keyword).split()]
    return re.compile(r"\b" + r"\W+".join(words))


def compile_keywords(keywords: Mapping[str, Sequence[str]]) -> dict[str, list[re.Pattern[str]]]:
    return {cat: [_keyword_pattern(k) for k in words if k.strip()] for cat, words in keywords.items()}


def match_category(text: str, patterns: Mapping[str, list[re.Pattern[str]]]) -> tuple[str, int] | None:
    """The first category (in ``LEGAL_CATEGORIES`` order) with a keyword in ``text``, and where."""
    folded = fold(text)
    for cat in [c for c in LEGAL_CATEGORIES if c in patterns] + [c for c in patterns if c not in LEGAL_CATEGORIES]:
        for p in patterns[cat]:
            m = p.search(folded)
            if m:
                return cat, m.start()
    return None


def is_plain_negative(text: str, *, lenient: bool = False) -> bool:
    """'No', 'None.', 'N/A', 'Aucun.' ...; with ``lenient`` (the sub also ticked No) any text that
    starts with a negative word and has no "but"/"except"."""
    folded = fold(text).strip(" .!;:-–—\"'«»()")
    if folded in _NEGATIVE_WORDS:
        return True
    tokens = re.findall(r"[a-z0-9/']+", folded)
    if not tokens:
        return True
    first_two = " ".join(tokens[:2])
    starts_negative = tokens[0] in _NEGATIVE_WORDS or first_two in _NEGATIVE_WORDS
    if not starts_negative or any(t in _BUT for t in tokens):
        return False
    return lenient or len(tokens) <= 6


def _get(q: Any, name: str) -> Any:
    return q.get(name) if isinstance(q, Mapping) else getattr(q, name, None)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _fmt_number(n: Decimal) -> str:
    return f"{int(n):,}" if n == n.to_integral_value() else f"{n:,}"


def answer_text(q: Any, negated: bool = False) -> str | None:
    """The answer that raises a finding, quoted ("Yes", "2", "Yes, August 2024: ..."), or ``None``."""
    boolean = _get(q, "booleanResponse")
    text = " ".join(str(_get(q, "textResponse") or "").split())
    number = _number(_get(q, "numberResponse"))
    folded = fold(text)
    if negated:  # "Have you NOT been terminated?": a yes is the clean answer
        if boolean is True or (boolean is None and (not text or _AFFIRM.match(folded))):
            return None
        parts = ["No"] if boolean is False else []
        if text and folded not in ("no", "non"):
            parts.append(text)
        return "; ".join(parts) or None
    if boolean is True:
        parts = [text] if text and _YES.match(folded) else ["Yes"] + ([text] if text and folded not in ("yes", "oui") else [])
        if number is not None and number > 0:
            parts.append(_fmt_number(number))
        return "; ".join(parts)
    if boolean is False:  # ticked "no" but wrote something that is not a plain no: quote it
        return f"answered No; {text}" if text and not is_plain_negative(text, lenient=True) else None
    if text:
        return None if is_plain_negative(text) else text
    if number is not None and number > 0:
        return _fmt_number(number)
    return None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE else text[: _QUOTE - 1].rstrip() + "…"


def _negated(question: str, keyword_at: int) -> bool:
    before = fold(question)[:keyword_at]
    return bool(_NEGATION.search(before))


def scan_questions(
    questions: Iterable[Any], keywords: Mapping[str, Sequence[str]] = LEGAL_KEYWORDS, *, scan_answers: bool = True,
) -> list[LegalFinding]:
    """Findings for the legal, claims and citation questions answered "yes", in record order."""
    patterns = compile_keywords(keywords)
    findings: list[LegalFinding] = []
    last: tuple[int, str] | None = None  # (index of the previous question, its finding's category)
    for i, q in enumerate(questions or ()):
        question = " ".join(str(_get(q, "question") or "").split())
        section = str(_get(q, "section") or "").strip()
        hit = match_category(question, patterns)
        from_answer = False
        if hit is None and section:
            sec_hit = match_category(section, patterns)
            hit = (sec_hit[0], len(fold(question))) if sec_hit else None
        if hit is None and scan_answers and _CITATION_IN_ANSWER in patterns:
            text = str(_get(q, "textResponse") or "")
            affirmative = _get(q, "booleanResponse") is True or bool(_YES.match(fold(text)))
            if affirmative and match_category(text, {_CITATION_IN_ANSWER: patterns[_CITATION_IN_ANSWER]}):
                hit, from_answer = (_CITATION_IN_ANSWER, len(fold(question))), True
        if hit is None and last is not None and last[0] == i - 1 and _FOLLOW_UP.match(fold(question)):
            hit = (last[1], len(fold(question)))  # "If yes, describe." under a question that raised
        if hit is None:
            continue
        category, at = hit
        negated = not from_answer and _negated(question, at)
        answer = answer_text(q, negated)
        if answer is None:
            continue
        label = LEGAL_CATEGORIES.get(category, category.replace("_", " ").capitalize())
        follows = last is not None and last[0] == i - 1 and (last[1] == category or _FOLLOW_UP.match(fold(question)))
        if follows and findings:
            prev = findings[-1]
            merged = _clip(f"{prev.answer.rstrip('.')}; {question.rstrip(' ?:.')}: {answer}")
            findings[-1] = replace(prev, answer=merged, message=f'{prev.label}: "{_clip(prev.question)}" {merged}')
        else:
            quoted = _clip(answer)
            findings.append(LegalFinding(
                rule=f"legal.{category}", category=category, label=label, question=question, section=section,
                answer=quoted, message=f'{label}: "{_clip(question)}" {quoted}', negated=negated,
            ))
        last = (i, findings[-1].category)
    return findings
