"""Ground floor: file-system helpers every stage shares.

Input: paths and bytes. Output: files written atomically (a temporary name in the same folder,
fsynced, then renamed, so a killed run never leaves a truncated file), SHA-256 checksums, and the
"is this path inside that folder" check that keeps a hand-edited manifest from pointing elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    ``mode`` (e.g. ``0o600`` for secrets) is set on the temporary file before any byte is
    written; without it the file gets the usual ``0o666`` less the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, (0o666 & ~_umask()) if mode is None else mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if isinstance(exc, OSError) and not exc.filename:  # a failed write names the file it was for
            exc.filename = str(path)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def inside(folder: Path, rel: Any) -> Path | None:
    """``folder / rel`` when ``rel`` is a relative path that stays inside ``folder`` (after
    resolving ``..`` and symlinks), else None: a manifest is data, and a hand-edited or hostile one
    must not make ``send``, ``verify`` or ``build`` read (or mail) files from elsewhere."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or Path(rel).is_absolute():
        return None
    root = Path(folder).resolve()
    target = (root / rel).resolve()
    return target if root in target.parents else None
