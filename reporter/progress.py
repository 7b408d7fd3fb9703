"""Batch level, for commands: show a run's progress.

Input: the events ``run_batch`` reports to its ``progress`` listener (``total(n)`` when the number
of records is known or grows, ``done(item, how)`` as each company finishes, ``how`` one of
``built``, ``skipped``, ``error``). Output: a progress bar on a terminal (rich), plain log lines
otherwise. Names and errors are printed through ``one_line``: a control character in a company
name never reaches the terminal raw.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from reporter.deliver.manifest import Item, one_line
from reporter.render.labels import label

log = logging.getLogger("reporter.batch")


class Progress:
    """A progress bar on a terminal (rich), plain log lines otherwise. ``close()`` when done."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        self.task: Any = None
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task("", total=None)

    def total(self, n: int | None) -> None:
        if self.bar:
            self.bar.update(self.task, total=n)

    def done(self, item: Item, how: str) -> None:
        name = one_line(item.label)
        if how == "error":
            line = f"failed: {name}: {one_line(item.error or item.refresh_error)}"
            if item.refresh_error:
                line += " (its earlier packet stays listed)"
            if self.bar:
                from rich.markup import escape

                self.bar.console.print(f"[red]{escape(line)}[/red]", highlight=False, markup=True)
            else:
                log.error("%s", line)
        elif how == "skipped":
            log.debug("unchanged, skipped: %s", name)
        elif not self.bar:
            log.info("built %s: %s (%s)", name, (item.verdict or "?").upper(),
                     one_line(label(item.qualification_status, "no status").lower()))
        if self.bar:
            self.bar.update(self.task, advance=1, description=name[:40])

    def close(self) -> None:
        if self.bar:
            self.bar.stop()
