"""Batch level: redacted copies of a built folder for wide mailing lists.

Input: a folder written by ``reporter build`` (manifest, ``sources/``) and a redaction
(``financial``). Output: attachments (PDFs, workbooks, leveling workbook) re-rendered from the kept
source records, each read through ``deliver.manifest.read_verified`` (inside the folder, as built),
with the folder's own build settings, without bank and surety figures; and the redacted items
for the mail's body. Nothing in the folder is changed, and nothing is logged: the re-render runs
with no progress listener, so no "built X" line reads as if the folder changed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from reporter.api.saved import load_file
from reporter.batch import run_batch
from reporter.batch_task import kept_side
from reporter.config import config_from_manifest
from reporter.deliver.mail import Attachment, read_folder
from reporter.deliver.manifest import FileProblem, Item, read_verified, refusal
from reporter.errors import DeliveryError

_DECISION = ("verdict", "qualification_status", "flag_counts")


def redacted_attachments(folder: Path, what: str) -> tuple[list[Attachment], list[Item]]:
    """The redacted attachments and the redacted manifest items (for the mail's body)."""
    manifest, items = read_folder(folder)
    missing = [i.label for i in items if not i.source_record]
    if missing:
        raise DeliveryError(
            f"{folder}: no kept source record for {', '.join(missing[:3])}: rebuild the folder to send redacted copies"
        )
    formats = tuple(f for f in ("pdf", "xlsx") if any(f in i.files for i in items)) or ("pdf",)
    checked = [_checked_source(folder, i) for i in items]
    with tempfile.TemporaryDirectory(prefix="reporter-redacted-") as tmp:
        out = Path(tmp)
        config = config_from_manifest(manifest.build, out, formats=formats, redact=what)

        async def sources() -> AsyncIterator[tuple[str, Any]]:
            for i, path in zip(items, checked, strict=True):
                for rec in load_file(path, show_tax_id=config.context.show_tax_id):
                    # with the TradeTapp financials and flags kept beside it (issue 17)
                    yield i.input or str(path), dataclasses.replace(rec, side=kept_side(path))

        names = _FixedNames(iter(i.stem() or i.label for i in items))
        outcome = asyncio.run(run_batch(sources(), config, jobs=1, force=True, names=names))
        if outcome.manifest_error:
            raise DeliveryError(outcome.manifest_error)
        if not outcome.ok:
            bad = outcome.failures()[0]
            raise DeliveryError(f"could not re-render {bad.label}: {bad.error}")
        for before, after in zip(items, outcome.items, strict=False):
            # Redaction withholds figures, never changes a decision. A difference means the packet
            # was built with other settings than the folder's last run (an earlier run's --as-of,
            # --currency or --rules): the copy would not be the packet the folder holds.
            if any(getattr(before, k) != getattr(after, k) for k in _DECISION):
                raise DeliveryError(
                    f"{before.label}: its redacted copy would not match the packet in "
                    f"{folder} (verdict {before.verdict} vs {after.verdict}), which was built with other "
                    "settings than the folder's last run; rebuild the folder in one run (--force) to send redacted copies"
                )
        out_files = [e.path for i in outcome.items for _, e in sorted(i.files.items())]
        if outcome.leveling:
            out_files.append(outcome.leveling.path)
        return [Attachment(Path(p).name, (out / p).read_bytes()) for p in out_files], outcome.items


def _checked_source(folder: Path, item: Item) -> Path:
    """The item's kept source record: inside the folder and as built (its SHA-256), since the
    redacted copies are rendered from it."""
    assert item.source_record is not None
    try:
        read_verified(folder, item.source_record)
    except FileProblem as exc:
        raise refusal(folder, exc) from None
    return Path(folder) / str(item.source_record.path)


class _FixedNames:
    """A ``NamePattern`` stand-in handing out the folder's existing names in order."""

    pattern = "(the folder's names)"

    def __init__(self, names: Iterator[str]) -> None:
        self._names = names

    def unique(self, raw: Any, used: Any) -> str:
        return next(self._names)

    @staticmethod
    def leveling_name() -> str:
        return "leveling.xlsx"
