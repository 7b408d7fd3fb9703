"""Benchmark: what building once per process saves a packet's PDF (issue 20).

Run: ``python tests/benchmarks/bench_shared.py [--runs 9]`` from the repository root. Not collected
by pytest. For the example record and the large sample, three renders of the same packet HTML
alternate in one process, so each difference is measured under the same load:

- ``fresh``: a new ``FontConfiguration`` and the styles parsed from the inline ``<style>`` (before);
- ``font_config``: the process's ``FontConfiguration``, styles still inline;
- ``shared``: ``render_pdf(css=...)``, the process's font configuration and parsed stylesheet.

All three write a plain PDF (``variant="none"``, no attachments) so only the shared parts differ.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.run_all import record_for, report_for  # noqa: E402


def measure(case: str, runs: int) -> dict:
    import weasyprint

    from reporter.render import pdf
    from reporter.render.html import read_styles, render_html
    from reporter.render.options import RenderOptions

    source, ctx, build_report = report_for(record_for(case))
    report = build_report(source.model, ctx)
    options = RenderOptions()
    css = read_styles(options)
    inline, bare = render_html(report, options), render_html(report, options, css="")

    def fresh() -> None:
        weasyprint.HTML(string=inline, url_fetcher=pdf._locked_fetcher()).write_pdf()

    def font_config() -> None:
        weasyprint.HTML(string=inline, url_fetcher=pdf._locked_fetcher()).write_pdf(font_config=pdf._font_config())

    def shared() -> None:
        pdf.render_pdf(bare, variant="none", css=css)

    ways = (fresh, font_config, shared)
    for way in ways:
        way()  # warm-up
    times: dict[str, list[float]] = {w.__name__: [] for w in ways}
    for _ in range(runs):
        for way in ways:
            t = time.perf_counter()
            way()
            times[way.__name__].append(time.perf_counter() - t)
    return {"case": case, **{k: round(statistics.median(v), 4) for k, v in times.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    for case in ("gr8-builders.json", "summit-electrical-large.json"):
        r = measure(case, args.runs)
        print(f"{case:32s} fresh {r['fresh']*1000:7.0f} ms  shared font config {r['font_config']*1000:7.0f} ms  "
              f"+ shared stylesheet {r['shared']*1000:7.0f} ms", flush=True)
        print(json.dumps(r))


if __name__ == "__main__":
    main()
