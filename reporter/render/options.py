"""Render stage: what the caller asks of every renderer (no Jinja, no WeasyPrint here).

Input: nothing (plain values from ``reporter.config``). Output: ``RenderOptions`` (logo, extra
CSS, page size, a folder of override templates, PDF variant; per packet, the files the PDF
embeds) and the page-size table the HTML and PDF use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reporter.errors import UsageError

# The output formats (``--formats``) and those built when none are named.
FORMATS = ("pdf", "xlsx", "json", "html")
DEFAULT_FORMATS = ("pdf", "xlsx")
DEFAULT_VARIANT = "pdf/a-3b"


def parse_formats(text: str) -> tuple[str, ...]:
    """``--formats``: the formats named, in order, each once; ``UsageError`` naming a bad one."""
    items = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise UsageError(f"--formats: unknown format {', '.join(bad) or '(none)'}; choose from {','.join(FORMATS)}")
    return tuple(dict.fromkeys(items))
# The PDF variants WeasyPrint offers (``weasyprint.pdf.VARIANTS`` less ``debug``), plus ``none``:
# written out so checking ``--pdf-variant`` needs no WeasyPrint import (about 0.5-0.8 s); a test
# compares it with the installed WeasyPrint's (``reporter.render.pdf.variants``).
PDF_VARIANTS = (
    "pdf/a-1a", "pdf/a-1b", "pdf/a-2a", "pdf/a-2b", "pdf/a-2u", "pdf/a-3a", "pdf/a-3b", "pdf/a-3u",
    "pdf/a-4e", "pdf/a-4f", "pdf/a-4u", "pdf/ua-1", "pdf/ua-2", "pdf/x-1a", "pdf/x-3", "pdf/x-4", "pdf/x-5g",
    "none",
)

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
# Countries that print on US Letter (the rest of the world: A4).
LETTER_COUNTRIES = frozenset({"US", "CA"})


def default_page_size(locale: str | None) -> str:
    """``letter`` for en_US and en_CA (any US or Canadian locale), ``a4`` elsewhere."""
    parts = (locale or "").replace("-", "_").split("_")
    return "letter" if len(parts) > 1 and parts[1].upper() in LETTER_COUNTRIES else "a4"


@dataclass(frozen=True)
class RenderOptions:
    logo: Path | None = None
    style: Path | None = None  # extra CSS appended after the bundled styles
    page_size: str = "a4"  # a4 | letter
    templates: Path | None = None  # --templates: templates here override the bundled ones by name
    pdf_variant: str | None = DEFAULT_VARIANT  # "none": a plain PDF
    # Per packet (the pipeline fills it in): (file name, bytes, description) embedded in the PDF.
    attachments: tuple[tuple[str, bytes, str], ...] = ()
