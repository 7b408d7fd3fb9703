"""Render stage: one interface for every output format (coverage.py's ``Reporter`` is the model).

Input: a ``Report`` and ``RenderOptions``. Output: ``Rendered`` (the file's bytes, any warnings,
and any other format made on the way: the PDF hands back the HTML it was printed from, so asking
for both renders the HTML once). ``RENDERERS`` maps each ``--formats`` name to its renderer, in
the order they run: the PDF after the workbook, because it embeds what
``RenderOptions.attachments`` holds (the source record, and the workbook when one was made).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from reporter.render.html import packet_pages, render_html
from reporter.render.json import render_json
from reporter.render.options import RenderOptions
from reporter.render.page_one_fit import Fitter, page_one_kept
from reporter.render.pdf import EMPTY_STYLE, render_pdf
from reporter.transform.model import Report


@dataclass(frozen=True)
class Rendered:
    data: bytes
    warnings: list[str] = field(default_factory=list)
    also: dict[str, bytes] = field(default_factory=dict)  # other formats made on the way


class Renderer(Protocol):
    def __call__(self, report: Report, options: RenderOptions) -> Rendered: ...


def json_renderer(report: Report, options: RenderOptions) -> Rendered:
    return Rendered(render_json(report, options))


def xlsx_renderer(report: Report, options: RenderOptions) -> Rendered:
    # Imported here, not at the top: openpyxl adds about 14 MiB to every worker process, and a
    # PDF-only build (``--formats pdf``) never needs it. (Not a cycle: xlsx imports nothing of this.)
    from reporter.render.xlsx import render_xlsx

    return Rendered(render_xlsx(report, options))


def html_renderer(report: Report, options: RenderOptions) -> Rendered:
    return Rendered(render_html(report, options).encode("utf-8"))


def pdf_renderer(report: Report, options: RenderOptions) -> Rendered:
    """The PDF, laid out once in the usual case: when a rough count says page one holds, the
    packet in full; else page one measured first (``Fitter``: a tall layout of page one alone per
    shortening step tried) and the packet laid out with the fit predicted. Its ``keep`` check
    (``page_one_kept``) confirms it; when page one spilled, the measured fit, then one flag line
    fewer or the binary search (``Fitter.after_spill``). The HTML's ``<style>`` is
    left empty while WeasyPrint applies the same styles parsed once per process
    (``render_pdf(css=...)``); the HTML handed back has them inlined, as the ``html`` format always
    had. A ``--templates`` packet without the empty ``<style>`` is laid out styles inline."""
    packet = packet_pages(report, options)
    fitter = Fitter(packet)
    fit = fitter.first()
    tried = [fit]

    def refit() -> str | None:
        nxt = fitter.after_spill(tried[-1])
        if nxt is None or nxt == tried[-1]:  # nothing shorter to try: print the last layout
            return None
        tried.append(nxt)
        return packet.html(nxt, css=fitter.css)

    result = render_pdf(packet.html(fit, css=fitter.css), attachments=list(options.attachments),
                        variant=options.pdf_variant, css=fitter.sheet, keep=page_one_kept, refit=refit)
    html = result.html
    if fitter.sheet is not None:
        html = html.replace(EMPTY_STYLE, f"<style>{packet.styles}</style>", 1)
    warnings = list(result.warnings)
    if result.blocked:
        warnings.append(f"refused to load {len(result.blocked)} external resource(s) named in the record")
    return Rendered(result.data, warnings, {"html": html.encode("utf-8")})


RENDERERS: dict[str, Renderer] = {
    "json": json_renderer,
    "xlsx": xlsx_renderer,
    "pdf": pdf_renderer,
    "html": html_renderer,
}
