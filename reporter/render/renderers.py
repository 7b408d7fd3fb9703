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

from reporter.render.html import render_html
from reporter.render.json import render_json
from reporter.render.options import RenderOptions
from reporter.render.page_one_fit import Fit, page_one_kept
from reporter.render.pdf import render_pdf
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
    # Laid out once with page one in full; measured and shortened only when page one spilled.
    html = render_html(report, options, fit=Fit())
    result = render_pdf(html, attachments=list(options.attachments), variant=options.pdf_variant,
                        keep=page_one_kept, refit=lambda: render_html(report, options))
    html = result.html
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
