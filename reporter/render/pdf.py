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
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reporter.collector import gc_paused, imports_paused
from reporter.errors import RenderError
from reporter.render.lean_layout import document_class
from reporter.render.options import DEFAULT_VARIANT

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


@functools.cache
def _weasyprint() -> Any:
    """WeasyPrint, imported once per process with the collector paused and its objects then frozen
    (``reporter.collector.imports_paused``): its import is most of a one-packet process's start."""
    with imports_paused():
        import weasyprint
        import weasyprint.text.fonts  # noqa: F401  (the font configuration's module)
    return weasyprint


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
    the document's own styles), resources through the locked fetcher (``data:`` URLs only)."""
    _weasyprint()
    sheets = [_stylesheet(text)[0] for text in ((css,) if css is not None else ()) + tuple(extra)]
    with gc_paused():
        return document_class(html, css, *extra)(string=html, base_url=None, url_fetcher=locked_fetcher()).render(
            font_config=_font_config(), stylesheets=sheets)


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
    page = lay_out("<!DOCTYPE html><html><body></body></html>", css).pages[0]
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

    ``keep`` looks at the laid-out document; when it says no, ``refit()`` gives the HTML to lay out
    instead, or ``None`` to print the last layout as it is (page one's measured fit: the usual
    packet is laid out once; at most ``MAX_REFITS`` more). ``tagged``: a tagged
    PDF (structure tree for screen readers), together with the PDF/A variant. ``css``, when given,
    is applied after the document's own styles (parsed once per process and text)."""
    weasyprint = _weasyprint()
    fetcher = locked_fetcher()
    blocked = fetcher.blocked

    warnings: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    wlog = logging.getLogger("weasyprint")
    wlog.addHandler(handler)
    try:
        atts = [
            weasyprint.Attachment(string=data, name=name, description=desc)
            for name, data, desc in attachments
        ]
        options: dict[str, Any] = {"pdf_tags": tagged}
        layout: dict[str, Any] = {"font_config": _font_config()}  # shared per process
        if css is not None:
            sheet, refused = _stylesheet(css)
            blocked.extend(refused)
            layout["stylesheets"] = [sheet]
        if variant and variant != "none":
            options["pdf_variant"] = variant

        def lay(text: str) -> Any:
            return document_class(text, css)(string=text, base_url=None, url_fetcher=fetcher).render(
                **layout, **options)

        with gc_paused():
            doc = lay(html)
            if keep is not None and refit is not None:
                for _ in range(MAX_REFITS):
                    if keep(doc) or (again := refit()) is None:
                        break
                    html = again
                    doc = lay(html)
            data = doc.write_pdf(attachments=atts or None, **options)
    except Exception as exc:  # WeasyPrint raises many kinds; translate at the boundary
        raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:
        wlog.removeHandler(handler)
    return PdfResult(data=data, warnings=warnings, blocked=blocked, html=html)
