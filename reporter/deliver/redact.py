"""Deliver stage: redacted copies of a built folder for wide mailing lists.

Input: a folder written by ``reporter build`` (manifest, ``sources/``) and a redaction
(``financial``). Output: attachments (PDFs, workbooks, leveling workbook) re-rendered from the kept
source records with the folder's own build settings, without bank and surety figures. Nothing in
the folder is changed.
"""

from __future__ import annotations

import asyncio
import logging
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
    formats = tuple(f for f in ("pdf", "xlsx") if any(f in (i.get("files") or {}) for i in items)) or ("pdf",)
    sources_checked = [_checked_source(folder, i) for i in items]
    with tempfile.TemporaryDirectory(prefix="reporter-redacted-") as tmp:
        out = Path(tmp)
        config = config_from_manifest(manifest.get("build") or {}, out, formats=formats, redact=what)

        async def sources():
            for i, path in zip(items, sources_checked, strict=False):
                for rec in load_file(path, show_tax_id=config.context.show_tax_id):
                    yield i.get("input") or str(path), rec

        names = _FixedNames(iter(_stem(i) for i in items))
        quiet = logging.getLogger("reporter.batch")  # "built X" lines would read as if the folder changed
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            outcome = asyncio.run(run_batch(sources(), config, jobs=1, force=True, names=names, progress=False))
        finally:
            quiet.setLevel(level)
        if not outcome.ok:
            bad = [i for i in outcome.items if i["status"] != "ok"]
            raise DeliveryError(f"could not re-render {bad[0]['companyName'] or bad[0]['input']}: {bad[0]['error']}")
        for before, after in zip(items, outcome.items, strict=False):
            # Redaction withholds figures, never changes a decision. A difference means the packet
            # was built with other settings than the folder's last run (an earlier run's --as-of,
            # --currency or --rules): the copy would not be the packet the folder holds.
            keys = ("verdict", "qualificationStatus", "flagCounts")
            if any(before.get(k) != after.get(k) for k in keys):
                raise DeliveryError(
                    f"{before.get('companyName') or before.get('input')}: its redacted copy would not match the packet in "
                    f"{folder} (verdict {before.get('verdict')} vs {after.get('verdict')}), which was built with other "
                    "settings than the folder's last run; rebuild the folder in one run (--force) to send redacted copies"
                )
        out_files = [e["path"] for i in outcome.items for k, e in sorted(i["files"].items())]
        if outcome.leveling:
            out_files.append(outcome.leveling["path"])
        return [Attachment(Path(p).name, (out / p).read_bytes()) for p in out_files], outcome.items


def _checked_source(folder: Path, item: dict) -> Path:
    """The item's kept source record: inside the folder and as built (its SHA-256), since the
    redacted copies are rendered from it."""
    from reporter.fsio import inside, sha256_bytes

    entry = item["sourceRecord"] if isinstance(item.get("sourceRecord"), dict) else {}
    path = inside(folder, entry.get("path"))
    if path is None:
        raise DeliveryError(f"{folder}/manifest.json: source record {entry.get('path')!r} is not a file inside the folder")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeliveryError(f"{path}: kept source record cannot be read ({exc.strerror})") from None
    if sha256_bytes(data) != entry.get("sha256"):
        raise DeliveryError(f"{path}: changed since it was built (checksum differs from the manifest); rebuild or run 'reporter verify'")
    return path


def _stem(item: dict) -> str:
    """The item's file name without extension (any of its files: formats may differ between runs)."""
    files = item.get("files") or {}
    entry = next((files[k] for k in ("pdf", "xlsx", "json", "html") if k in files), None) or item["sourceRecord"]
    return Path(entry["path"]).stem


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
