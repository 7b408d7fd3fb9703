"""Render stage: what the caller asks of every renderer (no Jinja, no WeasyPrint here).

Input: nothing (plain values from ``reporter.config``). Output: ``RenderOptions`` (logo, extra
CSS, page size, a folder of override templates, PDF variant; per packet, the files the PDF
embeds) and the page-size table the HTML and PDF use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_VARIANT = "pdf/a-3b"

PAGE_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class RenderOptions:
    logo: Path | None = None
    style: Path | None = None  # extra CSS appended after the bundled styles
    page_size: str = "a4"  # a4 | letter
    templates: Path | None = None  # --templates: templates here override the bundled ones by name
    pdf_variant: str | None = DEFAULT_VARIANT  # "none": a plain PDF
    # Per packet (the pipeline fills it in): (file name, bytes, description) embedded in the PDF.
    attachments: tuple[tuple[str, bytes, str], ...] = ()
