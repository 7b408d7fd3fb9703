"""Side files beside a saved record: recognised by name, parsed into the wire models, a recorded 404
understood, bad files refused with one line naming them, and skipped as build inputs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from reporter.api.side_files import is_side_file, side_files_for, side_paths
from reporter.errors import InputError
from reporter.pipeline import sources_from_files

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize(
    ("name", "side"),
    [("a.financials.json", True), ("A.FLAGS.JSON", True), ("a.json", False), ("financials.json", False),
     ("a.flags.json.bak", False), ("dir.flags.json/record.json", False)],
)
def test_is_side_file(name, side):
    assert is_side_file(name) is side


def test_samples_side_files_parse():
    weak = side_files_for(SAMPLES / "gr8-builders.json", "59d2b8660675250927442cbf")
    assert weak.financials is not None and weak.flags is None and not weak.financials_not_found
    assert weak.financials.benchmarks.liquidityScore < 30
    assert weak.financials.latest_statement.metrics.currentRatio < 1
    strong = side_files_for(SAMPLES / "northern-lights-mechanical.json", "5c6192a01d52490575ffc53d")
    assert strong.flags is not None and strong.flags.results == []
    assert strong.financials.benchmarks.overallBenchmarkingScore > 70
    flagged = side_files_for(SAMPLES / "summit-electrical-large.json", "58da88800bcc0d1cd5a93145")
    states = {f.name: f.state.value for f in flagged.flags.results}
    assert states == {"Default on project Harbor Point Tower": "ACTIVE", "Late certified payroll": "RESOLVED"}
    high = flagged.flags.results[0]
    assert high.priority == "HIGH" and high.is_active and high.createdBy.display_name == "Dana Okafor"
    resolved = flagged.flags.results[1]
    assert [s.value for s in resolved.stateHistory.results] == ["RESOLVED", "ACTIVE"]
    assert flagged.financials.keyMetrics.singleProjectCapacity == Decimal("32000000")
    missing = side_files_for(SAMPLES / "sparse-framing.json")
    assert missing.financials_not_found and missing.financials is None and missing.financials_raw["status"] == 404
    none = side_files_for(SAMPLES / "harbor-glazing.json")
    assert none.financials_path is None and none.flags_path is None


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [("r.financials.json", "{not json", "not valid JSON"),
     ("r.financials.json", "[1]", "expected a JSON object"),
     ("r.financials.json", '{"notFound": true, "status": 500}', '"status": 404'),
     ("r.financials.json", '{"id": "x", "riskEvaluationScore": "high"}', "riskEvaluationScore"),
     ("r.financials.json", '{"id": "other", "statements": []}', "financials of company other"),
     ("r.flags.json", '{"results": {}}', "flags list page"),
     ("r.flags.json", '{"results": [{"company": {"id": "other"}}]}', "results[0] is a flag on company other"),
     ("r.flags.json", '{"results": [{"eventDate": "yesterday"}]}', "eventDate")],
)
def test_bad_side_files_name_the_file_in_one_line(tmp_path, file, text, message):
    (tmp_path / "r.json").write_text('{"id": "abc"}')
    (tmp_path / file).write_text(text)
    with pytest.raises(InputError) as info:
        side_files_for(tmp_path / "r.json", "abc")
    assert str(info.value).startswith(str(tmp_path / file)) and message in str(info.value)
    assert "\n" not in str(info.value)


def test_side_paths_and_pipeline_skips_side_files():
    fin, flags = side_paths("/d/59d2.json")
    assert (str(fin), str(flags)) == ("/d/59d2.financials.json", "/d/59d2.flags.json")
    inputs = sorted(str(p) for p in SAMPLES.glob("*.json"))
    sources = [src for _, src in sources_from_files(inputs)]
    assert sources and all(not isinstance(s, Exception) for s in sources)
    assert not any(is_side_file(s.source.split(" ")[0]) for s in sources)
