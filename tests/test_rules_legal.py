"""Legal, claims and citations: custom questions a precon manager must see on page one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLES

from reporter.transform.legal import answer_text, is_plain_negative, scan_questions
from reporter.transform.rules import DEFAULT_RULES, LEGAL_KEYWORDS, RULE_IDS


def questions(record_file: str | Path) -> list[dict]:
    raw = json.loads(Path(record_file).read_text(encoding="utf-8"))
    return raw["customQuestions"]["results"]


def q(question, *, section="Legal", text=None, number=None, boolean=None):
    return {"question": question, "section": section, "textResponse": text, "numberResponse": number, "booleanResponse": boolean}


def test_summit_electrical_litigation_citation_arbitration_and_lds_are_found_and_quoted():
    found = {f.rule: f for f in scan_questions(questions(SAMPLES / "summit-electrical-large.json"))}
    assert set(found) == {"legal.osha_citation", "legal.litigation", "legal.arbitration", "legal.liquidated_damages"}
    assert "Case No. 2025CV31877" in found["legal.litigation"].answer
    assert found["legal.litigation"].answer.startswith("Yes; Describe any pending litigation: One pending")
    assert found["legal.liquidated_damages"].answer == "Yes; Total liquidated damages assessed in the last 5 years (USD): 186,500"
    assert found["legal.arbitration"].answer == "2"
    assert "29 CFR 1926.405(b)(1)" in found["legal.osha_citation"].message
    # Answered "No": bankruptcy, liens or judgments, debarment, default/termination, surety takeover.
    for rule in ("legal.bankruptcy", "legal.liens", "legal.debarment", "legal.termination_default"):
        assert rule not in found
    for f in found.values():
        assert f.rule in RULE_IDS and "\n" not in f.message and len(f.message) < 420


def test_redline_fatality_answer_with_serious_citations_and_penalties_is_one_citation_finding():
    (f,) = scan_questions(questions(SAMPLES / "redline-concrete.json"))
    assert f.rule == "legal.osha_citation"
    assert "two serious citations" in f.answer and "31,682" in f.answer


@pytest.mark.parametrize("record", [
    "harbor-glazing.json", "northern-lights-mechanical.json", "internationale-batiment.json",
    "sparse-framing.json", "gr8-builders.json",
])
def test_clean_subs_raise_nothing(record):
    # Northern Lights: liens "No"; the Quebec sub: "Litiges en cours ? Aucun. « Néant » ..." with No ticked.
    assert scan_questions(questions(SAMPLES / record)) == []


def test_reference_example_and_unanswered_questions_raise_nothing():
    # Autodesk's published example (a copy of gr8-builders.json): "What type of organization ...?"
    assert scan_questions(questions(SAMPLES / "gr8-builders.json")) == []
    # Delgado Plumbing left "Any pending claims or litigation?" blank: nothing to quote.
    page = json.loads((SAMPLES / "list-page-two-subs.json").read_text(encoding="utf-8"))
    for rec in page["results"]:
        assert scan_questions(rec["customQuestions"]["results"]) == []


def test_termination_bankruptcy_debarment_are_high_by_default_the_rest_medium():
    subs = {
        "legal.termination_default": q("Have you ever been terminated for default on a contract?", boolean=True),
        "legal.bankruptcy": q("Has your company filed for bankruptcy in the last 10 years?", section="Financial", boolean=True),
        "legal.debarment": q("Has your company ever been debarred or suspended from public work?", boolean=True),
        "legal.liens": q("Any liens filed against your company in the last 5 years?", text="Yes - one mechanic's lien, released 2025"),
        "legal.judgments": q("Are there any unsatisfied judgments against the company?", boolean=True),
        "legal.claims": q("Has a surety paid a claim on your behalf in the last 5 years?", section="Financial", boolean=True),
    }
    for rule, question in subs.items():
        (f,) = scan_questions([question])
        assert f.rule == rule
        high = rule in ("legal.termination_default", "legal.bankruptcy", "legal.debarment")
        assert DEFAULT_RULES.severity(rule) == ("high" if high else "medium")


def test_surety_takeover_is_a_default():
    (f,) = scan_questions([q("Has a surety ever completed work on your behalf?", section="Financial", boolean=True)])
    assert f.rule == "legal.termination_default"


def test_plain_negative_answers_raise_nothing():
    for text in ("No", "no.", "None", "N/A", "n/a", "None known", "NONE", "Not applicable", "Aucun", "Néant", "Non", "0"):
        assert scan_questions([q("Describe any pending litigation.", text=text)]) == [], text
    assert scan_questions([q("Number of claims taken to arbitration in the last 5 years", number=0)]) == []


def test_a_no_with_a_but_is_quoted():
    (f,) = scan_questions([q("Any pending litigation?", text="No, except one small-claims matter settled in 2025")])
    assert f.rule == "legal.litigation" and "small-claims" in f.answer
    (f,) = scan_questions([q("Any pending litigation?", boolean=False, text="One suit by a supplier, we expect dismissal")])
    assert f.answer.startswith("answered No; One suit")


def test_questions_asked_in_the_negative_read_the_other_way_round():
    assert scan_questions([q("Have you NOT been terminated from any contract in the last 5 years?", boolean=True)]) == []
    (f,) = scan_questions([q("Have you NOT been terminated from any contract in the last 5 years?", boolean=False)])
    assert f.rule == "legal.termination_default" and f.negated and f.answer == "No"
    assert scan_questions([q("Is your company free of liens and judgments?", text="Yes")]) == []
    (f,) = scan_questions([q("Confirm that you have no pending litigation", text="We have one case pending in Harris County")])
    assert "Harris County" in f.answer
    assert scan_questions([q("Confirm that you have no pending litigation", text="Confirmed")]) == []


def test_follow_up_without_keywords_is_merged_into_the_question_above():
    found = scan_questions([
        q("Have any liens been filed against you?", boolean=True),
        q("If yes, describe.", text="Stop notice by Acme Supply, $42,000, bonded off"),
    ])
    assert len(found) == 1 and found[0].answer == "Yes; If yes, describe: Stop notice by Acme Supply, $42,000, bonded off"


def test_section_alone_matches_and_unrelated_yes_answers_do_not():
    (f,) = scan_questions([q("Anything pending?", section="Litigation", boolean=True)])
    assert f.rule == "legal.litigation"
    assert scan_questions([q("Do you use E-Verify for all new hires?", boolean=True)]) == []
    # A safety programme text mentioning "strain claims" is not a claims finding.
    assert scan_questions([q("Describe your safety program.", section="Safety", text="EMR rose after two strain claims in 2022")]) == []


def test_keywords_are_configurable():
    kw = {**LEGAL_KEYWORDS, "claims": ("eeoc",)}
    (f,) = scan_questions([q("Number of EEOC charges filed against you in the last 3 years", number=1)], kw)
    assert f.rule == "legal.claims" and f.answer == "1"
    assert scan_questions([q("Has a surety paid a claim on your behalf?", boolean=True)], kw) == []


def test_helpers():
    assert is_plain_negative("No.") and not is_plain_negative("No, but one arbitration")
    assert answer_text(q("x", boolean=True, text="Yes, two")) == "Yes, two"
    assert answer_text(q("x", number=2.5)) == "2.5"
