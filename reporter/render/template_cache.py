"""Render stage: where Jinja keeps the packet templates compiled, so a process does not compile
them again (issue 20: about 0.1 s of every ``reporter build`` and of every worker's first packet).

Input: the environment (``REPORTER_CACHE_DIR``; else ``$XDG_CACHE_HOME/reporter``, else
``~/.cache/reporter``; ``%LOCALAPPDATA%\\reporter`` on Windows). Output: a Jinja
``FileSystemBytecodeCache`` in its ``templates`` folder, or ``None`` (templates compiled in memory,
as before) when ``REPORTER_CACHE_DIR`` is ``off`` or the folder cannot be made private.

A cached template is Python bytecode, loaded with ``marshal``: the folder must be the user's own
and closed to everyone else (made with mode 0700; one found owned by another user, or open to the
group or others, is not used). Jinja keys each entry by the template's name and file and checks its
source's checksum and the Python and Jinja versions, so an edited template, a ``--templates``
override or an upgrade is compiled anew; entries are written to a temporary file and renamed, so
worker processes filling the cache at once do not see half-written ones.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
from pathlib import Path
from typing import Any

OFF = "off"


def cache_root() -> Path | None:
    """The per-user cache folder, or ``None`` when switched off."""
    explicit = os.environ.get("REPORTER_CACHE_DIR")
    if explicit:
        return None if explicit.strip().lower() == OFF else Path(explicit).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "reporter"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "reporter"


def _owned(path: Path, closed: int) -> bool:
    """Make ``path`` (mode 0700) if needed; whether it is a real folder (not a link) of this
    user's whose mode has none of the bits ``closed``."""
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    return os.name != "posix" or (st.st_uid == os.getuid() and not st.st_mode & closed)


def private_folder(root: Path) -> Path | None:
    """``root/templates``, made if needed, when ``root`` is this user's and writable by no one else
    and ``templates`` is closed to everyone else; else ``None``."""
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    folder = root / "templates"
    if _owned(root, stat.S_IWGRP | stat.S_IWOTH) and _owned(folder, stat.S_IRWXG | stat.S_IRWXO):
        return folder
    return None


@functools.cache
def bytecode_cache() -> Any:
    """The process's template cache (``jinja2.FileSystemBytecodeCache``), or ``None``."""
    root = cache_root()
    if root is None:
        return None
    folder = private_folder(root)
    if folder is None:
        return None
    import jinja2

    return jinja2.FileSystemBytecodeCache(str(folder))
