"""Deliver stage: re-check a built folder against its manifest.

Input: a folder with ``manifest.json``. Output: a list of problems (missing file, size or SHA-256
differs, a path outside the folder, a file listed twice); empty when every listed file is intact.
``unlisted_files`` names the folder's files the manifest does not list (stale packets of an
earlier naming, files put there by hand): worth a note, not a failure.
"""

from __future__ import annotations

from pathlib import Path

from reporter.deliver.files import read_manifest
from reporter.fsio import inside, sha256_bytes


def manifest_entries(manifest: dict) -> list[dict]:
    items = manifest.get("items", [])
    entries = [e for item in items if isinstance(item.get("files"), dict) for e in item["files"].values()]
    entries += [item["sourceRecord"] for item in items if item.get("sourceRecord")]
    if manifest.get("leveling"):
        entries.append(manifest["leveling"])
    return entries


def verify_folder(folder: Path) -> tuple[int, list[str]]:
    """``(files checked, problems)``."""
    manifest = read_manifest(folder)
    problems: list[str] = []
    entries = manifest_entries(manifest)
    seen: dict[Path, int] = {}
    for e in entries:
        rel = e.get("path") if isinstance(e, dict) else None
        target = inside(folder, rel)
        if target is None:
            problems.append(f"{rel}: path leaves the folder" if isinstance(rel, str) and rel else f"{e!r}: not a file entry")
            continue
        seen[target] = seen.get(target, 0) + 1
        if seen[target] == 2:  # two items claim one file: one of them is not what it says
            problems.append(f"{rel}: listed more than once in the manifest")
        if seen[target] > 1:
            continue
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            problems.append(f"{rel}: missing")
            continue
        except OSError as exc:
            problems.append(f"{rel}: cannot be read ({exc.strerror or exc})")
            continue
        if len(data) != e.get("bytes"):
            problems.append(f"{rel}: size {len(data)} bytes, manifest says {e.get('bytes')}")
        elif sha256_bytes(data) != e.get("sha256"):
            problems.append(f"{rel}: SHA-256 differs from the manifest (file changed)")
    return len(entries), problems


def unlisted_files(folder: Path) -> list[str]:
    """Files in the folder (and its ``sources/``) the manifest does not list, relative paths."""
    manifest = read_manifest(folder)
    listed = {inside(folder, e.get("path")) for e in manifest_entries(manifest) if isinstance(e, dict)}
    root = Path(folder)
    found = [*root.glob("*"), *root.glob("sources/*")]
    return sorted(
        p.relative_to(root).as_posix() for p in found
        if p.is_file() and p.name != "manifest.json" and not p.name.startswith(".") and p.resolve() not in listed
    )
