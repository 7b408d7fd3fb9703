"""Benchmark (not a test): what the PDF packet costs against a bare WeasyPrint render.

Run: ``python tests/benchmarks/bench_pdf.py [-n RUNS]``. For the example record and the large sample
it prints the median seconds of N runs of
  (a) ``render_packet`` for pdf only: transform, HTML, PDF/A-3b with the source JSON attached and the
      locked URL fetcher (what ``reporter build --formats pdf`` does per record), and
  (b) ``weasyprint.HTML(string=html).write_pdf()`` of the same HTML: no PDF/A, no attachment,
      default fetcher,
and breaks (a) down (HTML only; our render_pdf as a plain PDF without attachments; PDF/A alone) so a
ratio above the 1.5x target can be traced. The goal is packet <= 1.5 x bare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402
import weasyprint  # noqa: E402

from reporter.api.saved import load_file  # noqa: E402
from reporter.config import BuildConfig  # noqa: E402
from reporter.pipeline import render_packet  # noqa: E402
from reporter.render.html import make_environment, render_html  # noqa: E402
from reporter.render.pdf import render_pdf  # noqa: E402
from reporter.transform.model import Project, ReportContext  # noqa: E402
from reporter.transform.report import build_report  # noqa: E402

SAMPLES = {
    "example (gr8-builders)": ROOT / "samples" / "gr8-builders.json",
    "large (summit-electrical)": ROOT / "samples" / "summit-electrical-large.json",
}


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def pages(data: bytes) -> int:
    import io

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=5)
    args = ap.parse_args(argv)
    ctx = ReportContext(
        as_of=date(2026, 11, 28),
        project=Project(name="Mission Tower", number="24-117", value=Decimal(2_000_000), end=date(2027, 9, 30)),
    )
    config = BuildConfig(out_dir=Path("/nonexistent"), formats=("pdf",), context=ctx)
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    hb = bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))
    print(f"WeasyPrint {weasyprint.__version__}; HarfBuzz subsetter: {'yes' if hb else 'NO (fontTools fallback, slow)'}")
    print(f"median of {args.runs} runs, seconds\n")
    header = f"{'record':28} {'pages':>5} {'packet':>8} {'bare':>8} {'ratio':>6} | {'html':>6} {'plain':>6} {'pdf/a':>6}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, path in SAMPLES.items():
        source = load_file(path)[0]
        report = build_report(source.model, ctx)
        html = render_html(report, config.render, env=make_environment(report.locale, report.timezone))
        render_pdf(html)  # warm-up: fonts, caches
        t_packet, packet = median_time(lambda: render_packet(source, config, "bench"), args.runs)
        t_bare, bare = median_time(lambda: weasyprint.HTML(string=html).write_pdf(), args.runs)
        t_html, _ = median_time(
            lambda: render_html(build_report(source.model, ctx), config.render,
                                env=make_environment(report.locale, report.timezone)), args.runs)
        t_plain, _ = median_time(lambda: render_pdf(html, variant="none"), args.runs)
        t_pdfa, _ = median_time(lambda: render_pdf(html), args.runs)
        ratio = t_packet / t_bare
        worst = max(worst, ratio)
        print(f"{label:28} {pages(packet.outputs['pdf']):>5} {t_packet:8.3f} {t_bare:8.3f} {ratio:5.2f}x"
              f" | {t_html:6.3f} {t_plain:6.3f} {t_pdfa:6.3f}")
        assert pages(bare) == pages(packet.outputs["pdf"])
    print("\npacket: render_packet (pdf only: transform + HTML + PDF/A-3b + attachment + locked fetcher)")
    print("bare:   weasyprint.HTML(string=html).write_pdf() of the same HTML")
    print("html:   transform + HTML only; plain: render_pdf(variant='none', no attachment); pdf/a: render_pdf(html)")
    print(f"\nworst ratio {worst:.2f}x (target <= 1.5x): {'OK' if worst <= 1.5 else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
