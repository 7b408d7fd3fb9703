import time, statistics, sys
sys.path.insert(0, ".")
from tests.benchmarks.run_all import record_for, report_for
from reporter.render.html import render_html, read_styles
from reporter.render.options import RenderOptions
from reporter.render import pdf
import weasyprint
for case in ("gr8-builders.json", "summit-electrical-large.json"):
    source, ctx, build_report = report_for(record_for(case))
    rep = build_report(source.model, ctx)
    o = RenderOptions(); css = read_styles(o)
    full = render_html(rep, o); bare = render_html(rep, o, css="")
    def old(): 
        d = weasyprint.HTML(string=full, url_fetcher=pdf._locked_fetcher()).write_pdf()
    def fc_only():
        d = weasyprint.HTML(string=full, url_fetcher=pdf._locked_fetcher()).write_pdf(font_config=pdf._font_config())
    def new():
        d = pdf.render_pdf(bare, variant="none", css=css)
    for f in (old, fc_only, new): f()
    ts = {f.__name__: [] for f in (old, fc_only, new)}
    for _ in range(9):
        for f in (old, fc_only, new):
            t = time.perf_counter(); f(); ts[f.__name__].append(time.perf_counter() - t)
    print(case, {k: round(statistics.median(v)*1000, 1) for k, v in ts.items()})
