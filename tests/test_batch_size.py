"""The records saved files hold, counted before a build chooses its workers
(``reporter.batch_size``), and the default ``--jobs`` it gives (``commands.build.default_jobs``):
the cores, or the records when fewer."""

from __future__ import annotations

import json
import os
from pathlib import Path

from reporter import batch_size
from reporter.batch_size import records_in
from reporter.cli import make_parser
from reporter.commands.build import default_jobs

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def test_records_are_counted_per_file(tmp_path):
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps([{"id": "a"}, {"id": "b"}, {"id": "c"}]), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", ', encoding="utf-8")
    assert records_in([SAMPLES / "gr8-builders.json"]) == 1
    assert records_in([SAMPLES / "list-page-two-subs.json"]) == 2
    assert records_in([bare]) == 3
    assert records_in([broken, tmp_path / "missing.json"]) == 2  # each counts one; the build says why
    assert records_in([bare, SAMPLES / "gr8-builders.json"], at_most=2) == 3  # stopped after the first


def test_a_file_too_large_to_count_counts_as_many(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_size, "COUNT_BYTES", 100)
    assert records_in([SAMPLES / "gr8-builders.json"]) == batch_size.MANY


def _jobs(*argv: str) -> int:
    return default_jobs(make_parser().parse_args(["build", *argv, "--out", "o"]))


def test_default_jobs_are_the_cores_or_the_records_when_fewer(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert _jobs(str(SAMPLES / "gr8-builders.json")) == 1
    assert _jobs(str(SAMPLES / "list-page-two-subs.json")) == 2
    assert _jobs(str(SAMPLES / "list-page-two-subs.json"), str(SAMPLES / "gr8-builders.json")) == 3
    assert _jobs(*(str(p) for p in sorted(SAMPLES.glob("*.json"))[:4])) == 4  # as many files as cores
    assert _jobs("--company", "5f0c1a2b3c4d5e6f7a8b9c0d") == 4  # an API listing: not known ahead
    assert _jobs(str(SAMPLES / "bid-package")) == 4  # a saved bid package folder
