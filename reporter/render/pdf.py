"""Render stage: the packet's HTML to PDF with WeasyPrint.

Input: an HTML string (from ``reporter.render.html``), attachments (name, bytes) to embed, and the
PDF variant (default ``pdf/a-3b``). Output: PDF bytes. Resource loading is locked to ``data:`` URLs
so nothing named in a record (``file://``, ``http://``) is ever fetched; WeasyPrint's warnings
(missing resources are only logged) are collected and returned.

Built once per process and shared by every packet it renders (issue 20): WeasyPrint's font
configuration (``_font_config``) and the parsed packet stylesheet (``_stylesheet``, keyed by the
CSS text itself, so a different ``--style`` or page size is parsed anew). A packet whose styles
come this way is rendered from HTML whose ``<style>`` is empty (``render_pdf(css=...)``). Page
one's measuring layouts (``reporter.render.page_one_fit``) share both and the locked fetcher:
``lay_out`` (a layout, no PDF) and ``page_geometry`` (the first page's width and content bottom,
once per process and CSS text). Every layout and write uses ``reporter.render.lean_layout``: the
user-agent stylesheet without the rules no packet uses, and the garbage collector paused.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from reporter.collector import gc_paused
from reporter.errors import RenderError
from reporter.render import layout_process, weasyprint_import
from reporter.render.lean_layout import document_class
from reporter.render.options import DEFAULT_VARIANT

log = logging.getLogger("reporter.render")

__all__ = ["DEFAULT_VARIANT", "EMPTY_STYLE", "PageGeometry", "PdfResult", "lay_out", "locked_fetcher", "page_geometry",
           "render_pdf", "variants"]

# A packet HTML whose styles are left to the parsed stylesheet (``css=``) has this empty element.
EMPTY_STYLE = "<style></style>"


def variants() -> list[str]:
    """The PDF variants WeasyPrint offers, plus ``none`` (a plain PDF)."""
    from weasyprint.pdf import VARIANTS

    return sorted(v for v in VARIANTS if v != "debug") + ["none"]


def locked_fetcher():
    """A WeasyPrint URL fetcher that loads ``data:`` URLs only and records what it refused."""
    _weasyprint()
    from weasyprint.urls import URLFetcher

    class LockedFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False)
            self.blocked: list[str] = []

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                self.blocked.append(url)
                raise ValueError(f"blocked resource {url[:80]!r}: only data: URLs are loaded")
            return super().fetch(url, headers)

    return LockedFetcher()


MAX_REFITS = 3  # layouts of a packet after its first, when ``keep`` refused the one before


def _weasyprint() -> Any:
    """WeasyPrint, imported once per process (``reporter.render.weasyprint_import``)."""
    return weasyprint_import.weasyprint()


@functools.cache
def _font_config():
    """The process's WeasyPrint font configuration (about 4 ms each to make anew)."""
    return _weasyprint().text.fonts.FontConfiguration()


@functools.lru_cache(maxsize=8)
def _stylesheet(css: str):
    """``css`` parsed once per process (about 18 ms for packet.css), with the resources its
    parsing was refused (through the same locked fetcher as the packet's)."""
    weasyprint = _weasyprint()
    fetcher = locked_fetcher()
    sheet = weasyprint.CSS(string=css, base_url=None, url_fetcher=fetcher, font_config=_font_config())
    return sheet, tuple(fetcher.blocked)


def lay_out(html: str, css: str | None = None, extra: Sequence[str] = ()) -> Any:
    """WeasyPrint's layout of ``html`` (a ``Document``, no PDF written): the process's font
    configuration, ``css`` and then each ``extra`` CSS text parsed once per process (applied after
    the document's own styles), resources through the locked fetcher (``data:`` URLs only). In the
    layout process when one runs (``Laid``: the pages' sizes and anchors, all a caller reads)."""
    host = layout_process.current()
    if host is not None:
        try:
            return host.call("lay", html, css, tuple(extra))
        except layout_process.LayoutProcessGone as exc:
            log.debug("%s; laying out here", exc)
    return _lay_out(html, css, extra)


def _lay_out(html: str, css: str | None = None, extra: Sequence[str] = ()) -> Any:
    _weasyprint()
    sheets = [_stylesheet(text)[0] for text in ((css,) if css is not None else ()) + tuple(extra)]
    with gc_paused():
        return document_class(html, css, *extra)(string=html, base_url=None, url_fetcher=locked_fetcher()).render(
            font_config=_font_config(), stylesheets=sheets)


@dataclass(frozen=True)
class LaidPage:
    """What callers read of a laid-out page: its size and where each anchor (``id``) is."""

    width: float
    height: float
    anchors: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class Laid:
    """A layout made in the layout process, as its pages' ``LaidPage``."""

    pages: tuple[LaidPage, ...]


def laid(document: Any) -> Laid:
    """``document``'s pages as ``LaidPage`` (sent from the layout process)."""
    return Laid(tuple(LaidPage(p.width, p.height, {k: tuple(v) for k, v in p.anchors.items()})
                      for p in document.pages))


@dataclass(frozen=True)
class PageGeometry:
    """The first page of a packet, in CSS px from the page's top-left corner."""

    width: float  # the page's width (margins included)
    content_bottom: float  # where the first page's content area ends
    content_height: float  # the first page's content area's height


@functools.lru_cache(maxsize=8)
def page_geometry(css: str) -> PageGeometry:
    """The first page ``css`` (page size, margins, ``--style``) gives a packet: an empty document
    laid out once per process and CSS text (a few milliseconds)."""
    host = layout_process.current()
    if host is not None:
        try:
            return host.call("geometry", css)
        except layout_process.LayoutProcessGone as exc:
            log.debug("%s; laying out here", exc)
    return _page_geometry(css)


def _page_geometry(css: str) -> PageGeometry:
    page = _lay_out("<!DOCTYPE html><html><body></body></html>", css).pages[0]
    box = page._page_box  # WeasyPrint's page box: its content area is what page one may fill
    return PageGeometry(width=page.width, content_bottom=box.content_box_y() + box.height, content_height=box.height)


@dataclass
class PdfResult:
    data: bytes
    warnings: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    html: str = ""  # the HTML printed (``refit``'s when the first layout was not kept)


def render_pdf(
    html: str,
    *,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    variant: str | None = DEFAULT_VARIANT,
    keep: Callable[[Any], bool] | None = None,
    refit: Callable[[], str | None] | None = None,
    tagged: bool = True,
    css: str | None = None,
) -> PdfResult:
    """Render ``html``; ``attachments`` are ``(filename, data, description)`` triples.

    ``keep`` looks at the laid-out document (its ``pages`` and their ``anchors``); when it says
    no, ``refit()`` gives the HTML to lay out instead, or ``None`` to print the last layout as it
    is (page one's measured fit: the usual packet is laid out once; at most ``MAX_REFITS`` more).
    ``tagged``: a tagged PDF (structure tree for screen readers), together with the PDF/A variant.
    ``css``, when given, is applied after the document's own styles (parsed once per process and
    text). In the layout process when one runs (``reporter.render.layout_process``)."""
    host = layout_process.current()
    if host is not None:
        try:
            with host.lock:  # the layouts and the write, one job in the layout process
                doc = host.call("pdf_lay", html, variant, tagged, css)
                html = _refitted(doc, html, keep, refit, lambda text: host.call("pdf_again", text))
                data, warnings, blocked = host.call("pdf_write", tuple(attachments))
            return PdfResult(data=data, warnings=warnings, blocked=blocked, html=html)
        except layout_process.LayoutProcessGone as exc:
            log.debug("%s; rendering here", exc)
    with _PdfJob(variant, tagged, css) as job:
        html = _refitted(job.lay(html), html, keep, refit, job.lay)
        data = job.write(attachments)
    return PdfResult(data=data, warnings=job.warnings, blocked=job.blocked, html=html)


def _refitted(doc: Any, html: str, keep: Callable[[Any], bool] | None, refit: Callable[[], str | None] | None,
              lay: Callable[[str], Any]) -> str:
    """The HTML last laid out by ``lay``, after ``keep`` and ``refit`` (``render_pdf``)."""
    if keep is None or refit is None:
        return html
    for _ in range(MAX_REFITS):
        if keep(doc) or (again := refit()) is None:
            break
        html = again
        doc = lay(html)
    return html


class _PdfJob:
    """One PDF: its layouts (``lay``; the last is written) and its write (``write``), WeasyPrint's
    warnings and the refused resources collected, the collector paused from the first layout to
    the end of the write (a ``with`` block here; the layout process's ``pdf_*`` handlers)."""

    def __init__(self, variant: str | None, tagged: bool, css: str | None) -> None:
        self.weasyprint = _weasyprint()
        self.fetcher = locked_fetcher()
        self.blocked = self.fetcher.blocked
        self.warnings: list[str] = []
        self.css = css
        self.options: dict[str, Any] = {"pdf_tags": tagged}
        if variant and variant != "none":
            self.options["pdf_variant"] = variant
        self.layout: dict[str, Any] = {"font_config": _font_config()}  # shared per process
        self.doc: Any = None
        self.paused: AbstractContextManager[None] | None = gc_paused()
        self.paused.__enter__()
        try:
            if css is not None:
                with _collected(self.warnings):
                    sheet, refused = _stylesheet(css)
                self.blocked.extend(refused)
                self.layout["stylesheets"] = [sheet]
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> _PdfJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.paused is not None:
            paused, self.paused = self.paused, None
            paused.__exit__(None, None, None)

    def lay(self, html: str) -> Any:
        with _collected(self.warnings):
            self.doc = document_class(html, self.css)(string=html, base_url=None, url_fetcher=self.fetcher).render(
                **self.layout, **self.options)
        return self.doc

    def write(self, attachments: Sequence[tuple[str, bytes, str]]) -> bytes:
        with _collected(self.warnings):
            atts = [self.weasyprint.Attachment(string=data, name=name, description=desc)
                    for name, data, desc in attachments]
            return self.doc.write_pdf(attachments=atts or None, **self.options)


@contextmanager
def _collected(warnings: list[str]) -> Iterator[None]:
    """WeasyPrint's warnings appended to ``warnings`` for the block; any exception it raises
    becomes a ``RenderError`` (WeasyPrint raises many kinds; translated at the boundary)."""

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    wlog = logging.getLogger("weasyprint")
    wlog.addHandler(handler)
    try:
        yield
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:
        wlog.removeHandler(handler)


# In the layout process: its one PDF job at a time (``pdf_lay`` starts one, ``pdf_write`` ends it).
_served: _PdfJob | None = None


def _serve_pdf_lay(html: str, variant: str | None, tagged: bool, css: str | None) -> Laid:
    global _served
    if _served is not None:
        _served.close()
    _served = _PdfJob(variant, tagged, css)
    return _serve_pdf_again(html)


def _serve_pdf_again(html: str) -> Laid:
    global _served
    if _served is None:
        raise RenderError("PDF rendering failed: no layout to lay out again")
    try:
        return laid(_served.lay(html))
    except BaseException:
        _served.close()
        _served = None
        raise


def _serve_pdf_write(attachments: Sequence[tuple[str, bytes, str]]) -> tuple[bytes, list[str], list[str]]:
    global _served
    job, _served = _served, None
    if job is None:
        raise RenderError("PDF rendering failed: nothing laid out to write")
    with job:
        written = job.write(attachments), job.warnings, job.blocked
    del job
    # Here only layouts allocate, and they do so with the collector paused, so it would hardly
    # ever run: the packet's layouts (reference cycles) are collected now, once, or the layout
    # process grows with every packet of a batch (28 records: 187 -> 294 MiB).
    gc.collect()
    return written


def _serve_lay(html: str, css: str | None, extra: tuple[str, ...]) -> Laid:
    return laid(_lay_out(html, css, extra))


def _warm() -> None:
    _weasyprint()
    _font_config()


def start_layout_process() -> bool:
    """Start the layout process for a one-job build (``reporter.render.layout_process``); False
    when this process lays out itself."""
    handlers: Mapping[str, Callable[..., Any]] = {"lay": _serve_lay, "geometry": _page_geometry, "pdf_lay": _serve_pdf_lay,
                "pdf_again": _serve_pdf_again, "pdf_write": _serve_pdf_write}
    return layout_process.start(handlers, _warm) is not None
