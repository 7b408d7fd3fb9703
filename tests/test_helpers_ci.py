"""The PDF tests' tool check: skip locally without poppler or qpdf, fail under ``CI=true``."""

from __future__ import annotations

import pytest
from helpers import needs_tools, pdftotext


def _skips(mark) -> bool:
    return bool(mark.args[0])


def test_a_missing_tool_skips_locally_and_runs_under_ci(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CI", raising=False)
    assert _skips(needs_tools("pdftotext", "qpdf"))
    monkeypatch.setenv("CI", "true")
    assert not _skips(needs_tools("pdftotext", "qpdf"))


def test_under_ci_the_missing_tool_fails_the_test(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="pdftotext is not installed"):
        pdftotext(tmp_path / "x.pdf")
