"""Render stage: what the caller asks of every renderer (no Jinja, no WeasyPrint here).

Input: nothing (plain values from ``reporter.config``). Output: ``RenderOptions`` (logo, extra
CSS, page size, a folder of override templates, PDF variant; per packet, the files the PDF
embeds) and the page-size tables the HTML and PDF use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_VARIANT = "pdf/a-3b"
# The PDF variants WeasyPrint offers (``weasyprint.pdf.VARIANTS`` less ``debug``), plus ``none``:
# written out so checking ``--pdf-variant`` needs no WeasyPrint import (about 0.5-0.8 s); a test
# compares it with the installed WeasyPrint's (``reporter.render.pdf.variants``).
PDF_VARIANTS = (
    "pdf/a-1a", "pdf/a-1b", "pdf/a-2a", "pdf/a-2b", "pdf/a-2u", "pdf/a-3a", "pdf/a-3b", "pdf/a-3u",
    "pdf/a-4e", "pdf/a-4f", "pdf/a-4u", "pdf/ua-1", "pdf/ua-2", "pdf/x-1a", "pdf/x-3", "pdf/x-4", "pdf/x-5g",
    "none",
)

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
# Lines of page one's flag list that a page size gains or loses against A4 (Letter is 18 mm shorter).
PAGE_SIZE_LINES = {"a4": 0, "letter": -4}


@dataclass(frozen=True)
class RenderOptions:
    logo: Path | None = None
    style: Path | None = None  # extra CSS appended after the bundled styles
    page_size: str = "a4"  # a4 | letter
    templates: Path | None = None  # --templates: templates here override the bundled ones by name
    pdf_variant: str | None = DEFAULT_VARIANT  # "none": a plain PDF
    # Per packet (the pipeline fills it in): (file name, bytes, description) embedded in the PDF.
    attachments: tuple[tuple[str, bytes, str], ...] = ()
