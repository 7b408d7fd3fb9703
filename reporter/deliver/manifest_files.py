"""Deliver stage: the verified-file readers of a built folder (part of ``reporter.deliver.manifest``,
which re-exports them).

Input: a folder and one listed file entry (anything with ``path``, ``sha256`` and ``bytes``: a
``manifest.FileEntry``). Output: the file's bytes (``read_verified``) or, streamed a block at a
time for a file of any size, its checked path (``check_verified``); else ``FileProblem`` (missing,
changed, a path that leaves the folder), and ``refusal``: that problem worded as one line for a
command that would mail, file or re-render the file. A hand-edited or hostile manifest cannot make
a caller read a file from elsewhere.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.errors import DeliveryError
from reporter.fsio import inside, sha256_bytes

if TYPE_CHECKING:
    from reporter.deliver.manifest import FileEntry

MANIFEST = "manifest.json"


class FileProblem(DeliveryError):
    """A listed file that is not what the manifest says. ``rel`` is the listed path, ``problem``
    the reason (``missing``, ``path leaves the folder``...); the message is ``rel: problem``."""

    def __init__(self, rel: Any, problem: str, *, outside: bool = False, changed: bool = False) -> None:
        self.rel, self.problem, self.outside, self.changed = rel, problem, outside, changed
        super().__init__(f"{rel}: {problem}" if isinstance(rel, str) and rel else f"{rel!r}: {problem}")


def _listed_path(folder: Path, entry: FileEntry) -> Path:
    rel = entry.path
    target = inside(folder, rel)
    if target is None:
        if isinstance(rel, str) and rel:
            raise FileProblem(rel, "path leaves the folder", outside=True)
        raise FileProblem(rel, "not a file entry", outside=True)
    return target


def _check_listed(entry: FileEntry, size: int, sha256: str) -> None:
    if size != entry.bytes:
        raise FileProblem(entry.path, f"size {size} bytes, manifest says {entry.bytes}", changed=True)
    if sha256 != entry.sha256:
        raise FileProblem(entry.path, "SHA-256 differs from the manifest (file changed)", changed=True)


def read_verified(folder: Path, entry: FileEntry) -> bytes:
    """The bytes of a listed file, read only when its path stays inside ``folder`` (no ``..``, no
    absolute path, no symlink out) and checked against its listed size and SHA-256; else
    ``FileProblem``. A hand-edited or hostile manifest cannot make a caller read a file from
    elsewhere."""
    target = _listed_path(folder, entry)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise FileProblem(entry.path, "missing") from None
    except OSError as exc:
        raise FileProblem(entry.path, f"cannot be read ({exc.strerror or exc})") from None
    _check_listed(entry, len(data), sha256_bytes(data))
    return data


def file_sha256(path: Path) -> tuple[str, int]:
    """``(SHA-256, size)`` of a file, read a block at a time (never held whole in memory)."""
    with open(path, "rb") as fh:
        return _digest(fh)


def _digest(fh: Any) -> tuple[str, int]:
    digest = hashlib.file_digest(fh, "sha256")
    return digest.hexdigest(), fh.tell()


def check_verified(folder: Path, entry: FileEntry) -> Path:
    """The path of a listed file, checked as ``read_verified`` checks it (inside ``folder``, its
    listed size and SHA-256; else ``FileProblem``) but streamed: a file of any size costs one block
    of memory."""
    target = _listed_path(folder, entry)
    try:
        with open(target, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size != entry.bytes:  # no need to read it
                _check_listed(entry, size, "")
            sha, size = _digest(fh)
    except FileNotFoundError:
        raise FileProblem(entry.path, "missing") from None
    except OSError as exc:
        raise FileProblem(entry.path, f"cannot be read ({exc.strerror or exc})") from None
    _check_listed(entry, size, sha)
    return target


def verified_path(folder: Path, entry: FileEntry) -> Path:
    """The path of a listed file after ``check_verified`` accepted it."""
    return check_verified(folder, entry)


def refusal(folder: Path, problem: FileProblem) -> DeliveryError:
    """``problem`` worded for a command that would mail or re-render the file: one line naming it."""
    if problem.outside:
        return DeliveryError(f"{Path(folder) / MANIFEST}: {problem.rel!r} is not a file inside the folder; refusing to use it")
    where = Path(folder) / str(problem.rel)
    if problem.changed:
        return DeliveryError(f"{where}: changed since it was built (checksum differs from the manifest); "
                             "rebuild or run 'reporter verify'")
    return DeliveryError(f"{where}: listed in the manifest but {problem.problem}")
