"""Shared test fixtures: paths to the bundled samples and the reference example record."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EXAMPLE = SAMPLES / "gr8-builders.json"


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.json"))


@pytest.fixture
def example_raw() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture
def root() -> Path:
    return ROOT
