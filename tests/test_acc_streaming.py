"""`reporter file` streams: a file goes to the signed S3 URLs read from disk as it is sent (a block at a
time, never a whole part, never the whole file), in one part up to 100 MiB and several above, with
its SHA-256 computed as it goes; the bytes the fake S3 stored are the file's. Measured in-process
with ``tracemalloc`` against the loopback fakes, the fake keeping what it receives on disk."""

from __future__ import annotations

import filecmp
import hashlib
import json
import math
import os
import tracemalloc

import pytest
from test_acc_filing import HUB, PROJECT, _run, _target, built, folder  # noqa: F401 -- fixtures

from reporter.deliver.acc_upload import PART_SIZE, part_spans
from reporter.deliver.manifest import read_manifest
from tests.fakes.aps_data import FakeApsData
from tests.fakes.bc_scenario import make_bid_package_scenario
from tests.fakes.tradetapp import DEFAULT_TOKEN

MiB = 1024 * 1024
BIG = 40 * MiB + 12345  # not a whole number of parts
HELD = 8 * MiB  # the most a filing run may hold above what it started with


@pytest.fixture
def bc():
    with make_bid_package_scenario(6).buildingconnected(tokens=(DEFAULT_TOKEN,)) as fake:
        yield fake


@pytest.fixture
def spooled(tmp_path):
    spool = tmp_path / "s3"
    spool.mkdir()
    with FakeApsData(spool_dir=spool) as fake:
        fake.add_project(HUB, PROJECT)
        yield fake


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("APS_ACCESS_TOKEN", DEFAULT_TOKEN)


def _make_big_packet(out):
    """One packet replaced by a sparse file of ``BIG`` bytes with marks across it (the manifest
    updated to match, as if it had been built so)."""
    doc = json.loads((out / "manifest.json").read_text())
    entry = next(iter(doc["items"][0]["files"].values()))
    path = out / entry["path"]
    with open(path, "wb") as fh:
        fh.truncate(BIG)
        for offset in (0, 8 * MiB - 3, 17 * MiB, BIG - 4096):
            fh.seek(offset)
            fh.write(os.urandom(4096 if offset + 4096 <= BIG else BIG - offset))
    with open(path, "rb") as fh:
        entry["sha256"] = hashlib.file_digest(fh, "sha256").hexdigest()
    entry["bytes"] = BIG
    (out / "manifest.json").write_text(json.dumps(doc, indent=2))
    return entry


def test_the_parts_follow_the_100_mib_rule():
    assert PART_SIZE == 100 * MiB
    assert part_spans(0) == [(0, 0)]  # an empty file is one empty part
    assert part_spans(100 * MiB) == [(0, 100 * MiB)]
    assert part_spans(100 * MiB + 1) == [(0, 100 * MiB), (100 * MiB, 1)]
    spans = part_spans(26 * 100 * MiB - 5)  # more than the 25 URLs one request hands out
    assert len(spans) == 26 and sum(n for _, n in spans) == 26 * 100 * MiB - 5
    assert all(offset == k * 100 * MiB for k, (offset, _) in enumerate(spans))


@pytest.mark.parametrize("part_size", [16 * MiB, PART_SIZE], ids=["3 parts", "one part"])
def test_a_big_file_is_streamed_from_disk_and_stored_whole(folder, spooled, bc, part_size):  # noqa: F811
    entry = _make_big_packet(folder)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        _run(folder, spooled, bc, part_size=part_size)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # half a part at most (a 40 MiB file, parts of 16 MiB): what is held is a block of the file at a
    # time (1 MiB, with the fake's own block and the run's other objects)
    assert peak < HELD, f"peak {peak / MiB:.1f} MiB"
    name = entry["path"]
    item = spooled.items_in(_target(spooled, "Prequalification", "Concrete bids"))[name]
    storage = spooled.versions[spooled.items[item]["versions"][-1]]["storage"]
    obj = spooled.objects[storage]
    assert obj["size"] == BIG and obj["sha256"] == entry["sha256"]
    assert filecmp.cmp(obj["path"], folder / name, shallow=False)  # byte for byte what S3 stored
    sizes = [n for r, n in zip(spooled.s3.requests, spooled.s3.part_bytes, strict=True) if obj["key"] in r.path]
    parts = math.ceil(BIG / part_size)
    assert sizes == [part_size] * (parts - 1) + [BIG - part_size * (parts - 1)]
    assert read_manifest(folder).acc_filing[name].sha256 == entry["sha256"]
