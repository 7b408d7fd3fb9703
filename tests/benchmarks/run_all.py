"""Benchmarks: the whole performance table of the README, reproducible by anyone.

Run from the repository root (after ``bash .ci/setup``)::

    python tests/benchmarks/run_all.py            # 12-15 minutes on 2 quiet cores (an estimate)
    python tests/benchmarks/run_all.py --quick    # fewer runs, a smaller batch: a smoke test

Every figure is the median of several runs and is compared with a baseline measured in the same
run on the same machine, so the ratios survive noisy shared hardware:

- packet PDF (transform + HTML + PDF/A-3b with attachments + locked fetcher) vs a bare WeasyPrint
  render of the same HTML;
- workbook (openpyxl, our writer) vs XlsxWriter writing the same cells, formats and tables;
- transform (``build_report``) per record;
- the same three for generated records with 10, 100 and 1000 nested items (half office addresses,
  half custom questions), to state the cost per 100 nested items and per PDF page;
- a batch of 50 records against the fake TradeTapp API (real HTTP on 127.0.0.1, some 429s) with
  ``--jobs 1`` and ``--jobs 2``, and its peak memory for 25 and 50 records;
- a 30-bidder BuildingConnected bid package against the fakes, from the first request to the built
  folder with the award PDF and ``bid-leveling.xlsx`` (``bench_bid_package.py``);
- end to end (``bench_e2e``): a realistic mix of 60 records (mostly 4-7 pages, four of 2,500-3,000 nested items:
  mean 6.7 pages, as in the issue; three repeats: an estimated 6-7 minutes of a quiet machine)
  fetched from the fake and built as PDFs with ``--jobs 1`` and ``--jobs 2``: seconds per sub and
  peak RSS against the same run's bare WeasyPrint renders of the same HTML;
- one packet as a whole process, offline (``bench_startup``), against a bare WeasyPrint render of
  its own HTML as a whole process, for the example record and the large sample; and against the
  same bare render writing a tagged PDF/A-3b, as a packet is.

Each measurement runs in its own process, so its peak resident memory (``ru_maxrss``) is its own.
Results print as a Markdown table (paste into the README) followed by one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


from tests.benchmarks.bench_pdf import median_time  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- records


def record_for(case: str) -> dict:
    """The raw record of a case: a sample file name, or ``nested:N`` (generated)."""
    from reporter.api.saved import load_file

    if case.startswith("nested:"):
        from tests.fakes.records import make_record

        n = int(case.split(":")[1])
        return make_record(1, offices=n // 2, questions=n - n // 2)
    return load_file(ROOT / "samples" / case)[0].raw


def report_for(raw: dict):
    from datetime import date
    from decimal import Decimal

    from reporter.api.saved import validate_record
    from reporter.transform.model import Project, ReportContext
    from reporter.transform.report import build_report

    ctx = ReportContext(as_of=date(2026, 11, 28), project=Project(name="Bench", number="B-1", value=Decimal(2_000_000)))
    return validate_record(raw, "bench"), ctx, build_report


# ----------------------------------------------------------------------------- one measurement


def measure(kind: str, case: str, runs: int) -> dict:
    """One measurement in this process; returns seconds (median), baseline seconds and extras."""
    from reporter.config import BuildConfig

    raw = record_for(case)
    source, ctx, build_report = report_for(raw)
    out: dict = {"kind": kind, "case": case}
    if kind == "transform":
        from reporter.api.saved import validate_record
        from reporter.jsonio import dumps_exact, loads_exact

        build_report(source.model, ctx)  # warm caches (Babel, zoneinfo)
        t, _ = median_time(lambda: build_report(source.model, ctx), runs)
        text = dumps_exact(raw)
        read, _ = median_time(lambda: validate_record(loads_exact(text), "bench"), runs)
        out.update(seconds=t, read_seconds=read)
    elif kind == "pdf":
        import io

        import weasyprint
        from pypdf import PdfReader

        from reporter.pipeline import render_packet
        from reporter.render.html import render_html

        config = BuildConfig(out_dir=Path("/tmp"), formats=("pdf",), context=ctx)
        render_packet(source, config, "bench")  # warm fonts and imports
        t, packet = median_time(lambda: render_packet(source, config, "bench"), runs)
        html = render_html(packet.report)
        base, bare = median_time(lambda: weasyprint.HTML(string=html).write_pdf(), runs)
        out.update(seconds=t, baseline=base, ratio=t / base,
                   pages=len(PdfReader(io.BytesIO(packet.outputs["pdf"])).pages))
    elif kind == "xlsx":
        from reporter.render.xlsx import render_xlsx
        from tests.benchmarks.bench_xlsx import plan, write_xlsxwriter

        report = build_report(source.model, ctx)
        render_xlsx(report)
        t, data = median_time(lambda: render_xlsx(report), runs)
        sheets = plan(data)
        write_xlsxwriter(sheets)
        base, _ = median_time(lambda: write_xlsxwriter(sheets), runs)
        out.update(seconds=t, baseline=base, ratio=t / base, cells=sum(len(s["cells"]) for s in sheets))
    else:
        raise SystemExit(f"unknown kind {kind}")
    out["peak_mib"] = peak_mib()
    return out


def in_subprocess(kind: str, case: str, runs: int) -> dict:
    r = subprocess.run([sys.executable, __file__, "--one", kind, case, "--runs", str(runs)],
                       capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"{kind} {case} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the table


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import weasyprint

    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"WeasyPrint {weasyprint.__version__}, load average at start {os.getloadavg()[0]:.2f}")


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", nargs=2, metavar=("KIND", "CASE"), help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="fewer runs and a batch of 10")
    ap.add_argument("--batch", type=int, default=50, help="records in the batch benchmark (default 50)")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], args.runs)))
        return

    runs = 2 if args.quick else args.runs
    batch = 10 if args.quick else args.batch
    started = time.perf_counter()
    print(f"machine: {machine()}", flush=True)
    rows = []
    cases = [("gr8-builders.json", "example record"), ("summit-electrical-large.json", "large sample"),
             ("nested:10", "10 nested items"), ("nested:100", "100 nested items"), ("nested:1000", "1000 nested items")]
    results: dict[tuple[str, str], dict] = {}
    for case, label in cases:
        for kind in ("transform", "xlsx", "pdf"):
            r = in_subprocess(kind, case, runs if case != "nested:1000" or kind == "transform" else max(2, runs // 2))
            results[(kind, case)] = r
            print(f"  {label:20s} {kind:9s} {r['seconds']*1000:9.1f} ms"
                  + (f"  baseline {r['baseline']*1000:9.1f} ms  ratio {r['ratio']:.2f}x" if "ratio" in r else "")
                  + (f"  {r['pages']} pages" if "pages" in r else "")
                  + f"  peak {r['peak_mib']:.0f} MiB", flush=True)
        rows.append((label, case))

    from tests.benchmarks.bench_batch import run_batch_benchmark

    batch_result = run_batch_benchmark(batch, 1 if args.quick else 3)

    from tests.benchmarks.bench_bid_package import run_bid_package_benchmark

    bid_result = run_bid_package_benchmark(10 if args.quick else 30, 1 if args.quick else 3)

    from tests.benchmarks.bench_e2e import run_e2e_benchmark
    from tests.benchmarks.bench_startup import packet_vs_bare

    e2e = run_e2e_benchmark(16 if args.quick else 60, 1 if args.quick else 3)
    whole = [packet_vs_bare(s, runs, formats=f) for s in ("gr8-builders.json", "summit-electrical-large.json")
             for f in ("pdf", "pdf,xlsx")]

    # Growth with the record's size and with the page count (generated records).
    nested = [(10, "nested:10"), (100, "nested:100"), (1000, "nested:1000")]
    per100 = {k: slope([(n, results[(k, c)]["seconds"]) for n, c in nested]) * 100 for k in ("transform", "xlsx", "pdf")}
    per_page = slope([(results[("pdf", c)]["pages"], results[("pdf", c)]["seconds"]) for _, c in nested])

    print("\n| record | read + validate | transform | workbook (openpyxl / XlsxWriter) | packet PDF (packet / bare WeasyPrint) | pages | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for label, case in rows:
        t, x, p = results[("transform", case)], results[("xlsx", case)], results[("pdf", case)]
        print(f"| {label} | {t['read_seconds']*1000:.1f} ms | {t['seconds']*1000:.1f} ms | {x['seconds']*1000:.0f} / {x['baseline']*1000:.0f} ms = **{x['ratio']:.2f}x** "
              f"| {p['seconds']:.2f} / {p['baseline']:.2f} s = **{p['ratio']:.2f}x** | {p['pages']} "
              f"| {max(t['peak_mib'], x['peak_mib'], p['peak_mib']):.0f} MiB |")
    b = batch_result
    print(f"\n| batch of {b['records']} (PDF + workbook each, fake API, 5% 429s) | wall | per record | peak RSS (largest process) |")
    print("|---|---|---|---|")
    print(f"| --jobs 1 | {b['jobs1_s']:.1f} s | {b['jobs1_s']/b['records']:.2f} s | {b['peak_mib_full']:.0f} MiB |")
    print(f"| --jobs 2 | {b['jobs2_s']:.1f} s | {b['jobs2_s']/b['records']:.2f} s | {b['peak_mib_full_jobs2']:.0f} MiB |")
    print(f"| 2 workers / 1 worker | **{b['ratio']:.2f}x** | | {b['records']//2} records: {b['peak_mib_half']:.0f} MiB |")
    bp = bid_result
    print(f"\n| bid package to award decision (fakes, --jobs {bp['jobs']}) | wall (median) | requests (BC / TradeTapp) |")
    print("|---|---|---|")
    print(f"| {bp['bidders']} bidders: packets, bid-leveling.xlsx, award PDF | {bp['median_s']:.1f} s "
          f"| {bp['requests_per_run']['buildingconnected']} / {bp['requests_per_run']['tradetapp']} |")
    a = e2e["after"]
    print(f"\n| end to end, {e2e['records']} subs from the fake API (pages: mean {e2e['pages_mean']}, max {e2e['pages_max']}, "
          f"{e2e['pages_4_to_7']} of 4-7), PDF each | per sub | vs bare WeasyPrint (same HTML) | peak RSS |")
    print("|---|---|---|---|")
    print(f"| --jobs 1 | {a['jobs1_s_per_sub']:.3f} s | {a['jobs1_vs_bare']:.2f}x of {e2e['bare_s_per_sub']:.3f} s | {a['peak_mib_jobs1']:.0f} MiB |")
    print(f"| --jobs 2 | {a['jobs2_s_per_sub']:.3f} s (target <= 0.48 s; {e2e['target_scaled']:.3f} s on this machine) | "
          f"{a['jobs2_vs_bare_half']:.2f}x of half | "
          f"{a['peak_mib_jobs2']:.0f} MiB |")
    print(f"| 2 workers / 1 worker | **{a['ratio']:.2f}x** (target <= 0.55x) | | |")
    print("\n| one packet, whole process, offline | packet | bare WeasyPrint, whole process | ratio (target <= 1.2x) "
          "| bare writing tagged PDF/A-3b | ratio |")
    print("|---|---|---|---|---|---|")
    for w in whole:
        print(f"| {w['sample']} --formats {w['formats']} | {w['packet_s']:.2f} s | {w['bare_s']:.2f} s | **{w['ratio']:.2f}x** "
              f"| {w['tagged_s']:.2f} s | {w['tagged_ratio']:.2f}x |")
    print(f"\ngrowth per 100 nested items: transform {per100['transform']*1000:.1f} ms, workbook {per100['xlsx']*1000:.1f} ms, "
          f"PDF {per100['pdf']:.2f} s; PDF cost per page: {per_page:.2f} s")
    print(f"total benchmark time {time.perf_counter() - started:.0f} s")
    print(json.dumps({"machine": machine(), "results": {f"{k}|{c}": v for (k, c), v in results.items()},
                      "batch": batch_result, "bidPackage": bid_result, "e2e": e2e, "whole_process": whole,
                      "per100": per100, "per_page": per_page}))


if __name__ == "__main__":
    main()
