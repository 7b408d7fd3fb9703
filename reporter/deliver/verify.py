"""Deliver stage: re-check a built folder against its manifest.

Input: a folder with ``manifest.json``. Output: a list of problems (missing file, size or SHA-256
differs, a path outside the folder, a file listed twice); empty when every listed file is intact.
Every listed file is checked: those of failed items and of items kept from an earlier run too, and
the source files kept in ``sources/`` (each record, its financials and flags side records, a bid
package's BuildingConnected bodies). A manifest of an older version, without side records, still
verifies (its side files get the "not listed" note). Each file is hashed a block at a time.
``unlisted_files`` names the folder's files the manifest does not list (stale packets of an
earlier naming, files put there by hand): worth a note, not a failure.
"""

from __future__ import annotations

from pathlib import Path

from reporter.deliver.manifest import MANIFEST, FileProblem, Manifest, check_verified, read_manifest
from reporter.fsio import inside


def verify_folder(folder: Path, manifest: Manifest | None = None) -> tuple[int, list[str]]:
    """``(files checked, problems)``; ``DeliveryError`` when the manifest itself is unreadable."""
    manifest = manifest or read_manifest(folder)
    problems: list[str] = []
    entries = manifest.entries()
    seen: dict[Path, int] = {}
    for e in entries:
        target = inside(folder, e.path)
        if target is not None:
            seen[target] = seen.get(target, 0) + 1
            if seen[target] == 2:  # two items claim one file: one of them is not what it says
                problems.append(f"{e.path}: listed more than once in the manifest")
            if seen[target] > 1:
                continue
        try:
            check_verified(folder, e)
        except FileProblem as exc:
            problems.append(str(exc))
    return len(entries), problems


def unlisted_files(folder: Path, manifest: Manifest | None = None) -> list[str]:
    """Files in the folder (and its ``sources/``) the manifest does not list, relative paths."""
    manifest = manifest or read_manifest(folder)
    listed = {inside(folder, e.path) for e in manifest.entries()}
    root = Path(folder)
    found = [*root.glob("*"), *root.glob("sources/*")]
    return sorted(
        p.relative_to(root).as_posix() for p in found
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".") and p.resolve() not in listed
    )
