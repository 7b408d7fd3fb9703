"""Render stage: the writing direction of a value, for the packet's HTML.

Input: a value shown in the packet. Output: ``textdir`` (``rtl`` or ``auto``, the Jinja filter of
that name) and ``dir_attr`` (the ``dir`` attribute to write, if any).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from markupsafe import Markup

__all__ = ["dir_attr", "textdir"]

_RTL = {"R", "AL"}
_LTR = {"L"}


def textdir(value: Any) -> str:
    """``rtl`` when the first strong character is right-to-left (as HTML ``dir=auto`` decides), else ``auto``.

    WeasyPrint ignores ``dir="auto"`` (it sets the paragraph direction from CSS only), so the
    direction is decided here and written out; browsers viewing the HTML get the same answer.
    """
    if isinstance(value, str):
        for ch in value:
            bidi = unicodedata.bidirectional(ch)
            if bidi in _RTL:
                return "rtl"
            if bidi in _LTR:
                return "auto"
    return "auto"


def dir_attr(value: Any) -> Markup:
    """`` dir="rtl"`` for a right-to-left value (``textdir``), else nothing: a left-to-right or
    neutral value reads the same under the packet's own direction as under ``dir="auto"``, and an
    attribute on every cell costs WeasyPrint about a fifth of a long table's layout (issue 20)."""
    return Markup(' dir="rtl"') if textdir(value) == "rtl" else Markup("")
