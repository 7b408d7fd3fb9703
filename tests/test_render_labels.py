"""The one label table (reporter.render.labels): known codes as words, unknown codes as readable
words, codes inside sentences, and no enum code in any sample packet's text outside code places."""

from __future__ import annotations

import re

from conftest import sample_paths
from helpers import needs_tools, pdftotext

from reporter.cli import main
from reporter.render.labels import LABELS, in_words, is_code, label, words


def test_known_codes_read_as_words():
    assert label("QUALIFIED_WITH_EXCEPTIONS") == "Qualified with exceptions"
    assert label("US_FEIN") == "US FEIN"
    assert label("PREQUAL") == "Prequalification contact"
    assert label("NOT_STARTED") == "Not started"
    assert label(None) == "not provided"


def test_unknown_codes_become_words_and_plain_text_is_kept():
    assert label("POLLUTION_LIABILITY_X") == "Pollution liability x"
    assert words("OSHA_VPP_SITE") == "OSHA vpp site"
    assert label("Acme Glass") == "Acme Glass"
    assert label("AIG") == "AIG"  # a single capitalised word is a name, not a code
    assert is_code("QUALIFIED") and is_code("SOME_NEW_CODE") and not is_code("General liability")


def test_codes_inside_sentences_are_lower_case_words():
    assert in_words("expired though its status is QUALIFIED_WITH_EXCEPTIONS") == \
        "expired though its status is qualified with exceptions"
    assert in_words("(was QUALIFIED_WITH_EXCEPTIONS before)") == "(was qualified with exceptions before)"
    assert in_words("POLLUTION_LIABILITY expires soon") == "Pollution liability expires soon"
    assert in_words("US_FEIN given") == "US FEIN given"


def test_every_label_is_words():
    for code, text in LABELS.items():
        assert "_" not in text, code


# A code in the text; a file name ("EMSDC_MBE.pdf", also cut by a line end) is a place for codes.
_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b(?![.\w])")


# One-word codes the API sends that a person reads (statement types, GC flag states, statuses in
# a sentence): they too are shown as words. (Severity badges "HIGH" / "MEDIUM" / "LOW" are words.)
_ONE_WORD_CODE = re.compile(r"\b(?:AUDITED|REVIEWED|COMPILED|ACTIVE|RESOLVED|PREQUAL|QUALIFIED|DENIED|EXPIRED)\b")


@needs_tools("pdftotext")
def test_no_enum_code_in_any_sample_pdf(tmp_path):
    out = tmp_path / "out"
    assert main(["build", *map(str, sample_paths()), "--out", str(out), "--as-of", "2026-11-28",
                 "--project-value", "450000", "--format", "pdf", "-q"]) == 0
    found = {}
    for pdf in sorted(out.glob("*.pdf")):
        text = pdftotext(pdf)
        # Places for codes: file names in the certificate table, and the one labelled
        # "(TradeTapp code ...)" beside the qualification status in Qualification decision.
        text = re.sub(r"\(TradeTapp\s+code\s+[A-Z_]+\)", "", text)
        lines = [ln for ln in text.splitlines() if not re.search(r"\.(pdf|png|jpe?g|docx?)\b|\.\w?$", ln)]
        hits = _CODE.findall("\n".join(lines)) + _ONE_WORD_CODE.findall("\n".join(lines))
        if hits:
            found[pdf.name] = sorted(set(hits))
    assert found == {}


def test_the_build_line_names_the_status_in_words(tmp_path):
    """The per-record line a person reads while a build runs says the status in words, not its code."""
    import subprocess
    import sys
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "samples" / "summit-electrical-large.json"
    r = subprocess.run([sys.executable, "-m", "reporter", "build", str(sample), "--out", str(tmp_path / "o"),
                        "--formats", "json", "--jobs", "1", "--as-of", "2026-11-28"],
                       capture_output=True, text=True, check=True)
    assert "Summit Electrical Contractors, Inc.: RED (qualified with exceptions)" in r.stderr
    assert "QUALIFIED_WITH_EXCEPTIONS" not in r.stderr
