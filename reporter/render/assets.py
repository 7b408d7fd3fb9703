"""Render stage: where the bundled templates and styles live.

Input: nothing. Output: the folder holding ``templates/`` or ``styles/``. A checkout's top-level
folders are preferred (development); after a non-editable ``pip install .`` they are found in the
package as ``reporter/_assets/`` (hatchling force-include).
"""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def asset_dir(name: str) -> Path:
    """``templates`` or ``styles`` folder: the checkout's, else the installed copy."""
    checkout = _PACKAGE.parent / name
    if (checkout / ".reporter-assets").is_file():
        return checkout
    installed = _PACKAGE / "_assets" / name
    if installed.is_dir():
        return installed
    raise FileNotFoundError(f"bundled {name}/ not found (looked in {checkout} and {installed})")
