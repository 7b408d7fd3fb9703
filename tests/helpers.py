"""Shared test helpers: one clean record and one way to read a PDF's text.

- ``clean_record(**changes)``: the raw JSON of a record that raises no flag (qualified until
  2027-06-30, EMR 0.85, one OSHA year, the four usual coverages at good limits until 2027-12-31),
  with top-level fields replaced by ``changes``; ``good_insurance(expires)`` gives its coverages.
- ``needs_tools(*names)``: a mark that skips a test when a command-line tool (``pdftotext``,
  ``qpdf``) is missing, except under ``CI=true``, where the test runs and fails: a CI machine
  without poppler must not report green by skipping every PDF test.
- ``pdftotext(path, *options)``: the text of a PDF (poppler's ``pdftotext``), failing clearly when
  the tool is missing.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def good_insurance(expires: str = "2027-12-31") -> list[dict[str, Any]]:
    return [
        {"insuranceType": "GENERAL_LIABILITY", "perOccurrenceLimit": 1000000, "aggregateLimit": 2000000,
         "policyExpirationDate": expires},
        {"insuranceType": "AUTOMOBILE_LIABILITY", "perOccurrenceLimit": 1000000, "aggregateLimit": 1000000,
         "policyExpirationDate": expires},
        {"insuranceType": "UMBRELLA_EXCESS", "perOccurrenceLimit": 5000000, "aggregateLimit": 5000000,
         "policyExpirationDate": expires},
        {"insuranceType": "WORKERS_COMPENSATION", "policyExpirationDate": expires},
    ]


CLEAN_RECORD: dict[str, Any] = {
    "id": "f1", "companyName": "Clean Co", "submissionCurrency": "USD",
    "qualification": {"status": "QUALIFIED", "dateExpires": "2027-06-30T00:00:00Z"},
    "experienceModificationRatings": [{"year": 2025, "experienceModificationRating": 0.85}],
    "osha300Results": [{"year": 2025, "totalNumberDeathsBoxG": 0, "totalNumberCasesDaysAwayBoxH": 0,
                        "totalNumberCasesRestrictionTransferBoxI": 0, "otherRecordableCasesBoxJ": 1,
                        "totalHoursWorked": 400000}],
    "insuranceCoverages": good_insurance(),
}


def clean_record(**changes: Any) -> dict[str, Any]:
    """A fresh copy of ``CLEAN_RECORD`` with these top-level fields replaced."""
    return {**copy.deepcopy(CLEAN_RECORD), **changes}


def _ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_tools(*names: str) -> list[str]:
    return [n for n in names if shutil.which(n) is None]


def needs_tools(*names: str) -> pytest.MarkDecorator:
    """Skip without these tools locally; under ``CI=true`` run anyway (and fail)."""
    missing = missing_tools(*names)
    return pytest.mark.skipif(bool(missing) and not _ci(),
                              reason=f"needs {', '.join(missing)} (poppler-utils, qpdf: bash .ci/setup)")


def require_tool(name: str) -> str:
    """The tool's path; fails the test (never skips) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (poppler-utils / qpdf; bash .ci/setup installs them)", pytrace=False)
    return path


def pdftotext(path: str | Path, *options: str) -> str:
    """The text of the PDF at ``path`` (``options`` such as ``-layout``, ``-f 1 -l 1``, ``-bbox``)."""
    tool = require_tool("pdftotext")
    return subprocess.run([tool, *options, str(path), "-"], capture_output=True, text=True, check=True).stdout
