"""Shared test fixtures: paths to the bundled samples, the reference example record and the
clean record of ``tests/helpers.py`` (which also holds the ``pdftotext`` helper)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from reporter.api.side_files import is_side_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EXAMPLE = SAMPLES / "gr8-builders.json"


def pytest_configure(config):
    """The compiled-template cache (``reporter.render.template_cache``) of this test process and
    the commands it starts: a folder of its own, never the user's ``~/.cache/reporter``."""
    config._reporter_cache = tempfile.mkdtemp(prefix="reporter-test-cache-")
    os.environ["REPORTER_CACHE_DIR"] = config._reporter_cache


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_reporter_cache", ""), ignore_errors=True)


def sample_paths() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*.json") if not is_side_file(p))


@pytest.fixture
def example_raw() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture
def clean_raw() -> dict:
    """The raw JSON of a record that raises no flag (``helpers.clean_record``)."""
    from helpers import clean_record

    return clean_record()


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def fast(monkeypatch):
    """API settings with tiny backoff and no client-side rate limit: retry-heavy runs take
    milliseconds against the fake server."""
    import dataclasses

    from reporter.api.settings import ApiSettings

    original = ApiSettings.from_env.__func__

    def from_env(cls, base_url=None, **kwargs):
        return dataclasses.replace(
            original(cls, base_url, **kwargs),
            backoff_base=0.005, retry_cap_seconds=0.05, requests_per_minute=1_000_000, timeout=5,
        )

    monkeypatch.setattr(ApiSettings, "from_env", classmethod(from_env))
