"""Shared helper: Python's cyclic garbage collector, paused where it only walks objects that live on.

Input: none. Output: ``gc_paused``, a context pausing the collector for its block (nested blocks
and threads share one pause; it resumes when the last block ends, and only if it was running
before), and ``imports_paused``, the same for a block of imports followed by ``gc.freeze()``.

Imports make hundreds of thousands of objects (modules, classes, functions, WeasyPrint's cffi
declarations) that live as long as the process; each collection while they are made walks all of
them again and frees nothing, and every later full collection would walk them too. Paused for the
import and then frozen (kept out of every later collection, as the ``gc`` documentation advises
before forking workers; frozen before the pause ends, or the collection its end allows walks them
once more), one packet's whole process took 0.2-0.3 s less (``tests/benchmarks/README.md``).
Reference counting still frees what it can; cycles made afterwards are collected as before.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pause_lock = threading.Lock()
_pause_depth = 0
_paused_by_us = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector paused for the block (see the module docstring)."""
    global _pause_depth, _paused_by_us
    with _pause_lock:
        if _pause_depth == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            if _pause_depth == 0 and _paused_by_us:
                gc.enable()


@contextmanager
def imports_paused() -> Iterator[None]:
    """``gc_paused`` for a block of imports, then, when it imported a module, what exists frozen
    out of later collections (a block that imported nothing new, as in a process that builds
    again, freezes nothing: only objects made by imports are meant to live on)."""
    before = len(sys.modules)
    with gc_paused():
        yield
        if len(sys.modules) > before:
            gc.freeze()  # still paused: the collection the pause's end allows finds them gone
