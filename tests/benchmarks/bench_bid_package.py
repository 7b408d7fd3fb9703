"""Benchmark: a 30-bidder BuildingConnected bid package to an award decision, against the fakes.

Run: ``python tests/benchmarks/bench_bid_package.py [--bidders 30] [--repeat 3] [--jobs 2]`` from the
repository root (or as part of ``tests/benchmarks/run_all.py``). Not collected by pytest.
Each run is ``reporter build --bid-package ID --jobs N --force`` in a subprocess against the fake
BuildingConnected and TradeTapp servers on 127.0.0.1 (real HTTP, the client's default rate limit),
timed from process start (the first request follows within the start-up) to the built folder with
every bidder's packet (PDF + workbook), ``bid-leveling.xlsx`` and the award recommendation PDF.
Reports the median wall time and the requests each fake answered.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.bc_scenario import make_bid_package_scenario  # noqa: E402
from tests.fakes.tradetapp import DEFAULT_TOKEN  # noqa: E402


def run_bid_package_benchmark(bidders: int = 30, repeat: int = 3, jobs: int = 2) -> dict:
    sc = make_bid_package_scenario(bidders)
    times: list[float] = []
    with sc.tradetapp() as tt, sc.buildingconnected() as bc, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, APS_ACCESS_TOKEN=DEFAULT_TOKEN)
        for n in range(repeat):
            out = Path(tmp) / f"run{n}"
            cmd = [sys.executable, "-m", "reporter", "build", "--bid-package", sc.package_id, "--out", str(out),
                   "--base-url", tt.base_url, "--bc-base-url", bc.base_url, "--jobs", str(jobs), "--force",
                   "--as-of", "2026-11-28", "-q"]
            started = time.perf_counter()
            r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if r.returncode != 0:
                raise SystemExit(f"build failed ({r.returncode}): {r.stderr[-800:]}")
            manifest = json.loads((out / "manifest.json").read_text())
            (pkg,) = manifest["bidPackages"]
            assert len(pkg["bidders"]) == bidders and (out / "bid-leveling.xlsx").is_file()
            assert list(out.glob("*_award-recommendation.pdf"))
        requests = {"buildingconnected": len(bc.requests), "tradetapp": len(tt.requests) // repeat}
    return {"bidders": bidders, "jobs": jobs, "runs": times, "median_s": statistics.median(times),
            "requests_per_run": {"buildingconnected": requests["buildingconnected"] // repeat,
                                 "tradetapp": requests["tradetapp"]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bidders", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    r = run_bid_package_benchmark(args.bidders, args.repeat, args.jobs)
    print(f"bid package of {r['bidders']} bidders, --jobs {r['jobs']}: median {r['median_s']:.1f} s "
          f"(runs {', '.join(f'{t:.1f}' for t in r['runs'])}); requests per run {r['requests_per_run']}")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
