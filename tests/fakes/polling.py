"""Test helper: wait for something another process is doing (a lock file, a manifest entry, a
worker exiting), polling every 50 ms; the tests of real processes use it."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], timeout: float = 60.0) -> bool:
    """Whether ``predicate()`` became true within ``timeout`` seconds (a read that fails while the
    other process is writing counts as not yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    return False
