"""Render stage: WeasyPrint imported once per process, about a quarter faster.

Input: none. Output: ``weasyprint()``, the imported ``weasyprint`` package (cached), imported with
the collector paused and its objects then frozen (``reporter.collector.imports_paused``), and with
its native libraries looked up the quick way first (``quick_library_lookup``).

WeasyPrint finds Pango, HarfBuzz, fontconfig and GObject by trying several names for each, in
order, until one loads (``weasyprint.text.ffi._dlopen``); cffi looks each name up with
``ctypes.util.find_library``, which on Linux asks ``ldconfig -p`` and then, when that does not
know the name, runs the C compiler and the linker to search for it. Most of the names tried are
other platforms' (``libpango-1.0-0``, ``pango-1.0-0`` before ``pango-1.0``, six names for an
optional ``harfbuzz-vector``), so an import ran the compiler 17 times: 0.11 of its 0.45 s here
(``tests/benchmarks/README.md``). ``quick_library_lookup`` answers each name from ``ldconfig -p``
alone, so WeasyPrint goes straight on to its next name; the libraries found are the same ones, by
the same names (where ``ldconfig -p`` does not even find the C library, as on musl, nothing is
changed). Should the import fail that way (a library that only the compiler's search
finds), it is made again with ``find_library`` as it is.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reporter.collector import imports_paused


@contextmanager
def quick_library_lookup() -> Iterator[None]:
    """``ctypes.util.find_library`` answered from ``ldconfig -p`` only, for the block (where this
    Python has no such lookup, as off Linux, nothing changes)."""
    import ctypes.util

    quick = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if quick is None or not sys.platform.startswith("linux") or not quick("c"):  # no glibc ldconfig
        yield
        return
    stock = ctypes.util.find_library
    ctypes.util.find_library = quick
    try:
        yield
    finally:
        ctypes.util.find_library = stock


def _forget_weasyprint() -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]


def _import() -> Any:
    try:
        with quick_library_lookup():
            import weasyprint
            import weasyprint.text.fonts  # noqa: F401  (the font configuration's module)
    except (ImportError, OSError):  # the compiler's search may find what ldconfig does not
        _forget_weasyprint()
        import weasyprint
        import weasyprint.text.fonts  # noqa: F401
    return weasyprint


@functools.cache
def weasyprint() -> Any:
    """WeasyPrint and its font-configuration module, imported once per process, what the import
    made frozen out of later collections (a process that then lays out itself or in its fork)."""
    with imports_paused():
        return _import()


def weasyprint_unfrozen() -> Any:
    """``weasyprint()`` without the pause and freeze: for a parent about to fork a pool of workers,
    whose import garbage is better collected than kept in every worker (10-20 MiB each)."""
    return _import()
