"""Batch: how many records saved files hold, told cheaply before a build chooses its workers.

Input: saved record file paths. Output: ``records_in``, the number of records they hold (a record
file one, a list page or bare list its length), counted with the standard JSON reader and nothing
checked (a file over ``COUNT_BYTES`` is taken to hold many): a file that cannot be read or decoded
counts one, and the build itself then says what is wrong with it in its one line.

Why: ``reporter build`` starts one worker process per core by default, which for a single record
costs more than it can save (WeasyPrint imported before the fork, workers started, one idle:
about 0.3 s here against a build in one process with its layout process,
``reporter.render.layout_process``). The default is the cores, or the records when fewer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

__all__ = ["records_in"]

# A file larger than this is taken to hold many records (not read twice just to count them).
COUNT_BYTES = 2_000_000
MANY = 1_000_000


def _records_in_file(path: Path) -> int:
    try:
        if path.stat().st_size > COUNT_BYTES:
            return MANY
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return 1
    if isinstance(doc, dict) and isinstance(doc.get("results"), list) and "id" not in doc:
        return max(len(doc["results"]), 1)
    if isinstance(doc, list):
        return max(len(doc), 1)
    return 1


def records_in(paths: Iterable[str | Path], at_most: int | None = None) -> int:
    """The records ``paths`` hold (see the module docstring); counting stops once ``at_most`` is
    reached (the caller only needs to know whether there are fewer)."""
    total = 0
    for path in paths:
        total += _records_in_file(Path(path))
        if at_most is not None and total >= at_most:
            break
    return total
