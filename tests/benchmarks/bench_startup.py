"""Benchmark: one packet as a whole process (``reporter build FILE``, offline) against a bare
WeasyPrint render of that packet's own HTML, also as a whole process (interpreter start, imports,
render, write).

Run: ``python tests/benchmarks/bench_startup.py [--runs 7] [--tree DIR]`` from the repository root
(or as part of ``tests/benchmarks/run_all.py``). Not collected by pytest. ``--tree`` measures
another checkout of reporter (say ``git archive main | tar -x -C /tmp/base``) with the same
interpreter, so a before/after pair is measured in one run on the same noisy machine. The two
commands alternate run by run, and each figure is a median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BARE = (
    "import sys, weasyprint;"
    "weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])"
)


def _timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    return time.perf_counter() - t


def packet_vs_bare(sample: str, runs: int, tree: Path = ROOT, formats: str = "pdf,xlsx") -> dict:
    """Median whole-process seconds of ``reporter build`` (``formats``) and of a bare WeasyPrint
    render of the same packet's HTML, alternating; and their ratio."""
    src = ROOT / "samples" / sample
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        html_cmd = [sys.executable, "-m", "reporter", "build", str(src), "--out", str(out / "h"), "--formats",
                    "html", "--as-of", "2026-11-28", "-q"]
        _timed(html_cmd, tree)
        (html,) = (out / "h").glob("*.html")
        packet = [sys.executable, "-m", "reporter", "build", str(src), "--out", str(out / "p"), "--formats", formats,
                  "--as-of", "2026-11-28", "--force", "--jobs", "1", "-q"]
        bare = [sys.executable, "-c", BARE, str(html), str(out / "bare.pdf")]
        _timed(packet, tree)  # warm the page cache
        p, b = [], []
        for _ in range(runs):
            p.append(_timed(packet, tree))
            b.append(_timed(bare, tree))
    mp, mb = statistics.median(p), statistics.median(b)
    return {"sample": sample, "formats": formats, "packet_s": round(mp, 3), "bare_s": round(mb, 3),
            "ratio": round(mp / mb, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the reporter checkout to measure (default this one)")
    args = ap.parse_args()
    for sample in ("gr8-builders.json", "summit-electrical-large.json"):
        for formats in ("pdf", "pdf,xlsx"):
            r = packet_vs_bare(sample, args.runs, args.tree.resolve(), formats)
            print(f"{sample:32s} --formats {formats:9s} packet {r['packet_s']:.2f} s  bare {r['bare_s']:.2f} s  "
                  f"ratio {r['ratio']:.2f}x", flush=True)
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
