"""Deliver stage: redacted copies of a built folder for wide mailing lists.

Input: a folder written by ``reporter build`` (manifest, ``sources/``) and a redaction
(``financial``). Output: attachments (PDFs, workbooks, leveling workbook) re-rendered from the kept
source records with the folder's own build settings, without bank and surety figures. Nothing in
the folder is changed.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from reporter.api.saved import load_file
from reporter.config import config_from_manifest
from reporter.deliver.mail import Attachment, read_folder
from reporter.errors import DeliveryError


def redacted_attachments(folder: Path, what: str) -> tuple[list[Attachment], list[dict]]:
    """The redacted attachments and the redacted manifest items (for the mail's body)."""
    from reporter.batch import run_batch

    manifest, items = read_folder(folder)
    missing = [i["companyName"] or i["input"] for i in items if not i.get("sourceRecord")]
    if missing:
        raise DeliveryError(
            f"{folder}: no kept source record for {', '.join(missing[:3])}: rebuild the folder to send redacted copies"
        )
    formats = tuple(f for f in ("pdf", "xlsx") if any(f in i.get("files", {}) for i in items)) or ("pdf",)
    with tempfile.TemporaryDirectory(prefix="reporter-redacted-") as tmp:
        out = Path(tmp)
        config = config_from_manifest(manifest.get("build") or {}, out, formats=formats, redact=what)

        async def sources():
            for i in items:
                for rec in load_file(folder / i["sourceRecord"]["path"]):
                    yield i["input"], rec

        names = _FixedNames(iter(Path(i["files"][formats[0]]["path"]).stem for i in items))
        outcome = asyncio.run(run_batch(sources(), config, jobs=1, force=True, names=names, progress=False))
        if not outcome.ok:
            bad = [i for i in outcome.items if i["status"] != "ok"]
            raise DeliveryError(f"could not re-render {bad[0]['companyName'] or bad[0]['input']}: {bad[0]['error']}")
        out_files = [e["path"] for i in outcome.items for k, e in sorted(i["files"].items())]
        if outcome.leveling:
            out_files.append(outcome.leveling["path"])
        return [Attachment(Path(p).name, (out / p).read_bytes()) for p in out_files], outcome.items


class _FixedNames:
    """A ``NamePattern`` stand-in handing out the folder's existing names in order."""

    pattern = "(the folder's names)"

    def __init__(self, names) -> None:
        self._names = names

    def unique(self, raw, used) -> str:
        return next(self._names)

    @staticmethod
    def leveling_name() -> str:
        return "leveling.xlsx"
