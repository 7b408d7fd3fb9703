"""Benchmark: a batch of records against the fake TradeTapp API, 1 worker vs 2, with peak memory.

Run: ``python tests/benchmarks/bench_batch.py [--records 50] [--repeat 3]`` from the repository root
(or as part of ``tests/benchmarks/run_all.py``).
Not collected by pytest. Each run is ``reporter build --all --jobs N --force`` in a subprocess against
the fake server on 127.0.0.1 (real HTTP, a few injected 429s), building PDF + workbook per company.
Reports the median wall time per setting, the speed-up of 2 workers over 1, and the peak resident
memory of the largest process (the parent or one worker) for two batch sizes, to show that memory does
not grow with the number of companies.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.records import make_records  # noqa: E402
from tests.fakes.tradetapp import DEFAULT_TOKEN, FakeTradeTapp, Faults  # noqa: E402


def run_build(base_url: str, jobs: int, out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the largest process of one build."""
    env = dict(os.environ, APS_ACCESS_TOKEN=DEFAULT_TOKEN)
    cmd = [sys.executable, "-m", "reporter", "build", "--all", "--base-url", base_url, "--out", str(out),
           "--jobs", str(jobs), "--force", "--formats", "pdf,xlsx", "--as-of", "2026-11-28", "-q"]
    # RUSAGE_CHILDREN's maxrss is the largest of all waited-for descendants; measure each build in a
    # fresh intermediate process so one build's peak does not hide the next.
    probe = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter(); r = subprocess.run(sys.argv[1:]);"
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode]))"
    )
    done = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=env, cwd=ROOT)
    seconds, maxrss, code = json.loads(done.stdout.strip().splitlines()[-1])
    if code != 0:
        raise SystemExit(f"build failed ({code}): {done.stderr[-2000:]}")
    return seconds, maxrss


def run_batch_benchmark(records: int, repeat: int) -> dict:
    """Median wall time of ``--jobs 1`` and ``--jobs 2`` over ``repeat`` runs, and the peak memory of
    the largest process for ``records // 2`` and ``records`` companies."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (records // 2, records):
            data = make_records(count, big={3: (120, 75)})
            with FakeTradeTapp(data, faults=Faults(rate_429=0.05, seed=11)) as fake:
                for jobs in (1, 2):
                    if count != records and jobs == 2:
                        continue
                    times, peaks = [], []
                    for _ in range(repeat if count == records else 1):
                        s, rss = run_build(fake.base_url, jobs, Path(tmp) / f"o{count}-{jobs}")
                        times.append(s)
                        peaks.append(rss)
                    results[(count, jobs)] = (statistics.median(times), max(peaks))
    t1, m1 = results[(records, 1)]
    t2, m2 = results[(records, 2)]
    return {"records": records, "jobs1_s": round(t1, 3), "jobs2_s": round(t2, 3), "ratio": round(t2 / t1, 3),
            "peak_mib_half": round(results[(records // 2, 1)][1] / 1024, 1), "peak_mib_full": round(m1 / 1024, 1),
            "peak_mib_full_jobs2": round(m2 / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    r = run_batch_benchmark(args.records, args.repeat)
    print(f"batch of {r['records']} records (PDF + workbook each), median of {args.repeat}")
    print(f"--jobs 1: {r['jobs1_s']:.2f} s; --jobs 2: {r['jobs2_s']:.2f} s; ratio {r['ratio']:.2f}x (target <= 0.65x)")
    print(f"peak RSS of the largest process: {r['records'] // 2} records {r['peak_mib_half']:.0f} MiB, "
          f"{r['records']} records {r['peak_mib_full']:.0f} MiB (jobs 2: {r['peak_mib_full_jobs2']:.0f} MiB)")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
