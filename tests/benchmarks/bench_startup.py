"""Benchmark: one packet as a whole process (``reporter build FILE``, offline) against a bare
WeasyPrint render of that packet's own HTML, also as a whole process (interpreter start, imports,
render, write).

Run: ``python tests/benchmarks/bench_startup.py [--runs 7] [--tree DIR]`` from the repository root
(or as part of ``tests/benchmarks/run_all.py``). Not collected by pytest. ``--tree DIR`` also
measures another checkout of reporter (the "before": say ``git archive main | tar -x -C
/tmp/base``) with the same interpreter, interleaved with this one run by run, so a before/after
pair is measured in one run on the same noisy machine. Each tree's packet is compared with the bare
render of its own HTML; the commands alternate run by run, and each figure is a median. Wall
seconds and CPU seconds (user + system of the process, every thread) are both given: on a shared
machine the CPU figures move far less from run to run.
"""

from __future__ import annotations

import argparse
import json
import resource
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
# The same bare render, writing the kind of PDF a packet is (tagged PDF/A-3b, ``render_pdf``'s
# defaults): the second yardstick, so what the tool adds is told apart from what its PDF costs.
BARE_TAGGED = (
    "import sys, weasyprint;"
    "weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2], pdf_variant='pdf/a-3b', pdf_tags=True)"
)


def _timed(cmd: list[str], cwd: Path) -> float:
    return _timed_cpu(cmd, cwd)[0]


def _timed_cpu(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, every thread) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def packet_vs_bare(sample: str, runs: int, tree: Path = ROOT, formats: str = "pdf,xlsx") -> dict:
    """Median whole-process seconds of ``reporter build`` (``formats``) and of a bare WeasyPrint
    render of the same packet's HTML, alternating; and their ratio."""
    return packets_vs_bare(sample, runs, {"after": tree}, formats)["after"]


def packets_vs_bare(sample: str, runs: int, trees: dict[str, Path], formats: str = "pdf,xlsx") -> dict:
    """``packet_vs_bare`` for each of ``trees`` (name -> checkout), every run measuring each tree's
    packet and its bare render in turn; a dict name -> result."""
    src = ROOT / "samples" / sample
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        cmds = {}
        for name, tree in trees.items():
            html_cmd = [sys.executable, "-m", "reporter", "build", str(src), "--out", str(out / name / "h"),
                        "--formats", "html", "--as-of", "2026-11-28", "-q"]
            _timed(html_cmd, tree)
            (html,) = (out / name / "h").glob("*.html")
            packet = [sys.executable, "-m", "reporter", "build", str(src), "--out", str(out / name / "p"),
                      "--formats", formats, "--as-of", "2026-11-28", "--force", "--jobs", "1", "-q"]
            bare = [sys.executable, "-c", BARE, str(html), str(out / name / "bare.pdf")]
            tagged = [sys.executable, "-c", BARE_TAGGED, str(html), str(out / name / "tagged.pdf")]
            _timed(packet, tree)  # warm the page cache
            cmds[name] = (tree, packet, bare, tagged)
        p: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        b: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        t: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(runs):
            for name, (tree, packet, bare, tagged) in cmds.items():
                p[name].append(_timed_cpu(packet, tree))
                b[name].append(_timed_cpu(bare, tree))
                t[name].append(_timed_cpu(tagged, tree))
    result = {}
    for name in trees:
        def med(xs: list[tuple[float, float]], i: int) -> float:
            return statistics.median(x[i] for x in xs)

        mp, mb, mt = med(p[name], 0), med(b[name], 0), med(t[name], 0)
        cp, cb, ct = med(p[name], 1), med(b[name], 1), med(t[name], 1)
        # CPU seconds are steadier than wall seconds on a shared machine (waiting for a core is not
        # counted), so both are given. ``tagged``: the bare render writing a tagged PDF/A-3b.
        result[name] = {"sample": sample, "formats": formats, "packet_s": round(mp, 3), "bare_s": round(mb, 3),
                        "ratio": round(mp / mb, 3), "packet_cpu_s": round(cp, 3), "bare_cpu_s": round(cb, 3),
                        "cpu_ratio": round(cp / cb, 3), "tagged_s": round(mt, 3), "tagged_ratio": round(mp / mt, 3),
                        "tagged_cpu_s": round(ct, 3), "tagged_cpu_ratio": round(cp / ct, 3)}
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tree", type=Path, help="also measure this checkout (the 'before'), interleaved")
    ap.add_argument("--formats", nargs="+", default=["pdf", "pdf,xlsx"], help="the --formats to measure, each in turn")
    args = ap.parse_args()
    trees = {"after": ROOT} if args.tree is None else {"before": args.tree.resolve(), "after": ROOT}
    for sample in ("gr8-builders.json", "summit-electrical-large.json"):
        for formats in args.formats:
            results = packets_vs_bare(sample, args.runs, trees, formats)
            for name, r in results.items():
                print(f"{name:6s} {sample:32s} --formats {formats:9s} packet {r['packet_s']:.2f} s  "
                      f"bare {r['bare_s']:.2f} s  ratio {r['ratio']:.2f}x  (CPU {r['packet_cpu_s']:.2f} / "
                      f"{r['bare_cpu_s']:.2f} s = {r['cpu_ratio']:.2f}x); against a tagged PDF/A-3b bare render "
                      f"{r['tagged_s']:.2f} s: {r['tagged_ratio']:.2f}x (CPU {r['tagged_cpu_ratio']:.2f}x)", flush=True)
            print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
