"""Render stage: what makes every WeasyPrint layout of a packet cheaper without changing a pixel.

Input: a packet's HTML and CSS text. Output: the WeasyPrint ``HTML`` class to lay it out with
(``document_class``) and a context (``gc_paused``, ``reporter.collector``'s) to lay it out and
write it in.

Measured for issue 20 (CPU seconds, ``tests/benchmarks/README.md``):

- **The user-agent stylesheet.** WeasyPrint's HTML5 stylesheet has six rules whose selector is a
  bare pseudo-element (``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
  ``::note-marker``, ``::note-callback``). A bare pseudo-element matches every element, so every
  element of a packet gets six cascaded pseudo-element styles, each computed in a second pass, and
  none is ever drawn: a packet floats nothing to a footnote or note, and only ``li`` and
  ``summary`` are list items. ``lean_ua_css`` drops the five note rules and scopes ``::marker`` to
  ``li`` and ``summary``; the rest of the stylesheet is WeasyPrint's own text, read at run time.
  About a fifth of a 4-page packet's layout. HTML or CSS that mentions footnotes, notes or list
  items (a user's ``--templates`` or ``--style`` may) gets WeasyPrint's stylesheet unchanged.
- **Python's cyclic garbage collector.** A layout allocates hundreds of thousands of objects
  that live until the PDF is written; each collection walks all of them again and frees almost
  nothing. Pausing it for the layout and the write saves 10-30% (most on long packets) for a few
  MiB more at the peak (a 36-page packet: 381 -> 388 MiB); reference counting still frees what it
  can, and the collector runs again as soon as the render ends.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from reporter.collector import gc_paused

__all__ = ["document_class", "gc_paused", "lean_ua_css", "needs_full_ua"]

_NOTE_RULE = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", re.M)
_MARKER_RULE = re.compile(r"^::marker \{", re.M)
_MARKER_SCOPED = "li::marker, summary::marker {"
# What would make the dropped rules matter: footnotes and notes (``float: footnote``,
# ``footnote-display``, ``::note-call`` ...) and other elements displayed as list items.
_NEEDS_FULL = ("footnote", "note-", "list-item")


def lean_ua_css(text: str) -> str | None:
    """WeasyPrint's user-agent stylesheet ``text`` without the note rules and with ``::marker``
    scoped to list items; ``None`` when ``text`` is not shaped as expected (a WeasyPrint release
    that changed it), so the caller keeps WeasyPrint's own."""
    lean, notes = _NOTE_RULE.subn("", text)
    lean, markers = _MARKER_RULE.subn(_MARKER_SCOPED, lean)
    if notes != 5 or markers != 1 or "::footnote" in lean or "::note" in lean:
        return None
    return lean


def needs_full_ua(*texts: str | None) -> bool:
    """True when any of the HTML or CSS ``texts`` could use what the lean stylesheet drops."""
    return any(word in text for text in texts if text for word in _NEEDS_FULL)


@functools.cache
def _lean_class() -> Any:
    """A ``weasyprint.HTML`` whose user-agent stylesheet is the lean one (``weasyprint.HTML``
    itself when WeasyPrint's stylesheet is not shaped as expected)."""
    import weasyprint
    from weasyprint import CSS

    try:
        from weasyprint.html import UA, UA_COUNTER_STYLE
        stock = weasyprint.HTML._ua_stylesheets
    except (ImportError, AttributeError):  # another WeasyPrint: keep its own
        return weasyprint.HTML
    lean_text = lean_ua_css(UA)
    if lean_text is None:
        return weasyprint.HTML
    sheet = CSS(string=lean_text, counter_style=UA_COUNTER_STYLE)

    class LeanHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [sheet, *stock(self, forms)[1:]]  # form styles, if ever asked, as WeasyPrint's

    return LeanHTML


def document_class(html: str, *css: str | None) -> Any:
    """The ``weasyprint.HTML`` class to lay ``html`` out with, given the CSS applied to it."""
    import weasyprint

    if needs_full_ua(html, *css):
        return weasyprint.HTML
    return _lean_class()
