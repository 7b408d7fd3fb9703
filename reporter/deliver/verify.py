"""Deliver stage: re-check a built folder against its manifest.

Input: a folder with ``manifest.json``. Output: a list of problems (missing file, size or SHA-256
differs); empty when every listed file is intact.
"""

from __future__ import annotations

from pathlib import Path

from reporter.deliver.files import read_manifest, sha256_bytes


def manifest_entries(manifest: dict) -> list[dict]:
    entries = [e for item in manifest.get("items", []) for e in (item.get("files") or {}).values()]
    entries += [item["sourceRecord"] for item in manifest.get("items", []) if item.get("sourceRecord")]
    if manifest.get("leveling"):
        entries.append(manifest["leveling"])
    return entries


def verify_folder(folder: Path) -> tuple[int, list[str]]:
    """``(files checked, problems)``."""
    manifest = read_manifest(folder)
    problems: list[str] = []
    entries = manifest_entries(manifest)
    root = folder.resolve()
    for e in entries:
        rel = e.get("path", "")
        target = (folder / rel).resolve()
        if root not in target.parents:
            problems.append(f"{rel}: path leaves the folder")
            continue
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            problems.append(f"{rel}: missing")
            continue
        if len(data) != e.get("bytes"):
            problems.append(f"{rel}: size {len(data)} bytes, manifest says {e.get('bytes')}")
        elif sha256_bytes(data) != e.get("sha256"):
            problems.append(f"{rel}: SHA-256 differs from the manifest (file changed)")
    return len(entries), problems
