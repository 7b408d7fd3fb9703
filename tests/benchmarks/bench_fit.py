"""Benchmark: how many WeasyPrint layouts one packet's PDF costs, and where the time goes (issue 20,
page one's fit).

Run: ``python tests/benchmarks/bench_fit.py [--tree DIR] [--page-size a4|letter]`` from the
repository root. Not collected by pytest. For every sample record, in a fresh interpreter of the
tree's own ``reporter build FILE --formats pdf`` (offline), every ``weasyprint.HTML.render`` is
counted and timed, split into layouts of the whole packet and of page one alone (a document
without the details' ``#company`` anchor), and the packet's page count printed. ``--tree`` measures
another checkout (say ``git archive main | tar -x -C /tmp/fit-base``) with the same interpreter.

``--startup`` instead times one packet as a whole process against a bare WeasyPrint render of its
own HTML (``bench_startup.py``'s measurement, ``--formats pdf``) for this tree and ``--tree``,
interleaved run by run (base packet, base bare, this packet, this bare), medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
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


def startup(sample: str, trees: dict[str, Path], runs: int) -> dict:
    """Whole-process seconds of ``reporter build SAMPLE --formats pdf`` and of a bare render of
    that tree's own HTML, for every tree, interleaved; medians and ratios."""
    sys.path.insert(0, str(ROOT))
    from tests.benchmarks.bench_startup import BARE, _timed

    src = ROOT / "samples" / sample
    with tempfile.TemporaryDirectory() as tmp:
        cmds = {}
        for name, tree in trees.items():
            out = Path(tmp) / name
            _timed([sys.executable, "-m", "reporter", "build", str(src), "--out", str(out / "h"), "--formats", "html",
                    "--as-of", "2026-11-28", "-q"], tree)
            (html,) = (out / "h").glob("*.html")
            packet = [sys.executable, "-m", "reporter", "build", str(src), "--out", str(out / "p"), "--formats", "pdf",
                      "--as-of", "2026-11-28", "--force", "--jobs", "1", "-q"]
            cmds[name] = (packet, [sys.executable, "-c", BARE, str(html), str(out / "bare.pdf")], tree)
            _timed(packet, tree)  # warm the page cache
        times: dict[str, list[float]] = {f"{n}_{k}": [] for n in trees for k in ("packet", "bare")}
        for _ in range(runs):
            for name, (packet, bare, tree) in cmds.items():
                times[f"{name}_packet"].append(_timed(packet, tree))
                times[f"{name}_bare"].append(_timed(bare, tree))
    med = {k: round(statistics.median(v), 3) for k, v in times.items()}
    return {"sample": sample, **med, **{f"{n}_ratio": round(med[f"{n}_packet"] / med[f"{n}_bare"], 3) for n in trees}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", type=Path, default=ROOT, help="the reporter checkout to measure (default this one)")
    ap.add_argument("--page-size", default="a4", choices=("a4", "letter"))
    ap.add_argument("--startup", action="store_true", help="whole-process packet vs bare, both trees interleaved")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if args.startup:
        for sample in ("gr8-builders.json", "summit-electrical-large.json"):
            r = startup(sample, {"base": args.tree.resolve(), "this": ROOT}, args.runs)
            print(f"{sample:32s} base {r['base_packet']:.2f} / {r['base_bare']:.2f} s = {r['base_ratio']:.2f}x   "
                  f"this {r['this_packet']:.2f} / {r['this_bare']:.2f} s = {r['this_ratio']:.2f}x", flush=True)
            print(json.dumps(r), flush=True)
        return
    for sample in SAMPLES:
        r = measure(sample, args.tree.resolve(), args.page_size)
        print(f"{sample:34s} layouts {r['layouts']} (full {r['full']}, page one {r['page_one']})  "
              f"full {r['full_s']:.2f} s  page one {r['page_one_s']:.2f} s  pages {r['pages']}  "
              f"build {r['total_s']:.2f} s", flush=True)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
