"""Benchmark: how many WeasyPrint layouts one packet's PDF costs, and where the time goes (issue 20,
page one's fit).

Run: ``python tests/benchmarks/bench_fit.py [--tree DIR] [--page-size a4|letter]`` from the
repository root. Not collected by pytest. For every sample record, in a fresh interpreter of the
tree's own ``reporter build FILE --formats pdf`` (offline), every ``weasyprint.HTML.render`` is
counted and timed, split into layouts of the whole packet and of page one alone (a document
without the details' ``#company`` anchor), and the packet's page count printed. ``--tree`` measures
another checkout (say ``git archive main | tar -x -C /tmp/fit-base``) with the same interpreter.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ("gr8-builders.json", "northern-lights-mechanical.json", "redline-concrete.json",
           "summit-electrical-large.json", "harbor-glazing.json", "internationale-batiment.json",
           "sparse-framing.json")

PROBE = r"""
import json, sys, time
import weasyprint
calls = []
_render = weasyprint.HTML.render
def render(self, *a, **k):
    t = time.perf_counter()
    doc = _render(self, *a, **k)
    full = any("company" in p.anchors for p in doc.pages)
    calls.append({"full": full, "pages": len(doc.pages), "s": time.perf_counter() - t})
    return doc
weasyprint.HTML.render = render
from reporter.cli import main
t = time.perf_counter()
rc = main(sys.argv[1:])
total = time.perf_counter() - t
print("FIT " + json.dumps({"rc": rc, "total_s": total, "calls": calls}))
"""


def measure(sample: str, tree: Path, page_size: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", PROBE, "build", str(ROOT / "samples" / sample), "--out", tmp,
               "--formats", "pdf", "--as-of", "2026-11-28", "--jobs", "1", "-q", "--page-size", page_size]
        r = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("FIT ")), None)
    if line is None:
        raise SystemExit(f"{sample}: {r.stderr[-2000:]}")
    data = json.loads(line[4:])
    calls = data["calls"]
    full = [c for c in calls if c["full"]]
    one = [c for c in calls if not c["full"]]
    return {"sample": sample, "layouts": len(calls), "full": len(full), "page_one": len(one),
            "full_s": round(sum(c["s"] for c in full), 2), "page_one_s": round(sum(c["s"] for c in one), 2),
            "pages": full[-1]["pages"] if full else None, "total_s": round(data["total_s"], 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", type=Path, default=ROOT, help="the reporter checkout to measure (default this one)")
    ap.add_argument("--page-size", default="a4", choices=("a4", "letter"))
    args = ap.parse_args()
    for sample in SAMPLES:
        r = measure(sample, args.tree.resolve(), args.page_size)
        print(f"{sample:34s} layouts {r['layouts']} (full {r['full']}, page one {r['page_one']})  "
              f"full {r['full_s']:.2f} s  page one {r['page_one_s']:.2f} s  pages {r['pages']}  "
              f"build {r['total_s']:.2f} s", flush=True)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
