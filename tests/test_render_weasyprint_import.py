"""WeasyPrint's import with the quick library lookup (``reporter.render.weasyprint_import``).

- For every name WeasyPrint tries for its native libraries (read from its own ``_dlopen`` calls),
  the quick lookup finds the same library as ``ctypes.util.find_library``, or, like it, none.
- The lookup is put back after the block, and WeasyPrint imported this way lays out a page.
- Where the quick lookup finds nothing (as if ``ldconfig`` did not know a library), the import is
  made again the stock way and still works.
"""

from __future__ import annotations

import ast
import ctypes.util
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reporter.render.weasyprint_import import quick_library_lookup

ROOT = Path(__file__).resolve().parents[1]


def _names_weasyprint_tries() -> list[str]:
    spec = importlib.util.find_spec("weasyprint.text.ffi")
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names = [arg.value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_dlopen"
             for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    assert len(names) >= 30  # seven libraries, several names each
    return names


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick lookup is Linux's ldconfig")
def test_the_quick_lookup_finds_what_find_library_finds():
    names = _names_weasyprint_tries()
    stock = {n: ctypes.util.find_library(n) for n in names}
    with quick_library_lookup():
        assert ctypes.util.find_library is ctypes.util._findSoname_ldconfig  # for the block
        quick = {n: ctypes.util.find_library(n) for n in names}
    assert quick == stock
    assert any(v for v in quick.values())  # Pango and the rest are installed here
    assert ctypes.util.find_library.__module__ == "ctypes.util"
    assert ctypes.util.find_library.__name__ == "find_library"  # put back


IMPORT = """
import ctypes.util, json, sys
from reporter.render import weasyprint_import
if sys.argv[1] == "blind":  # the quick lookup finds nothing but the C library
    real = ctypes.util._findSoname_ldconfig
    ctypes.util._findSoname_ldconfig = lambda name: real(name) if name == "c" else None
w = weasyprint_import.weasyprint()
doc = w.HTML(string="<p id='x'>x</p>").render()
print(json.dumps({"pages": len(doc.pages), "anchors": sorted(doc.pages[0].anchors),
                  "same": weasyprint_import.weasyprint() is w,
                  "lookup": ctypes.util.find_library.__name__}))
"""


@pytest.mark.parametrize("mode", ["quick", "blind"])
def test_weasyprint_imports_and_lays_out(mode):
    done = subprocess.run([sys.executable, "-c", IMPORT, mode], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got == {"pages": 1, "anchors": ["x"], "same": True, "lookup": "find_library"}
