"""Batch: one run per output folder.

Input: an output folder. Output: ``.reporter.lock`` in it, held for the whole run: created without
following a link, locked with ``flock`` (released by the kernel when the holder dies, even by
``kill -9``, so a stale lock is simply taken over) and holding the holder's pid and start time,
which the message to a second run quotes. Removed on exit. A second run into the same folder
fails at once with ``FolderBusy`` (exit 2). While the lock is held, no other run can be writing
into the folder, so the ``.part`` files found there are leftovers of dead runs.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from reporter.errors import ReporterError

LOCK_NAME = ".reporter.lock"
log = logging.getLogger("reporter.batch")


class FolderBusy(ReporterError):
    """Another run holds the output folder."""

    exit_code = 2


def _started(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, from /proc), to tell a reused pid apart."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class FolderLock:
    """``with FolderLock(out_dir):`` one run at a time in ``out_dir``."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def acquire(self) -> None:
        for _ in range(20):  # another run may remove the file between our open and our lock
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise ReporterError(f"{self.path}: cannot create the run lock ({exc.strerror or exc})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd)
                os.close(fd)
                raise FolderBusy(self._busy(holder)) from None
            if _same_file(fd, self.path):
                break
            os.close(fd)  # we locked a file the previous holder had just removed: try again
        else:
            raise FolderBusy(f"{self.path.parent}: could not take the run lock {self.path}")
        earlier = _read(fd)
        if earlier.get("pid"):
            log.debug("took over the stale run lock of process %s (no longer running)", earlier["pid"])
        me = os.getpid()
        doc = {"pid": me, "processStart": _started(me), "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        data = (json.dumps(doc) + "\n").encode()
        try:
            os.ftruncate(fd, 0)
            if os.pwrite(fd, data, 0) != len(data):
                raise OSError(0, "short write (disk full?)")
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            raise ReporterError(f"{self.path}: cannot write the run lock ({exc.strerror or exc})") from None
        self.fd = fd

    def _busy(self, holder: dict[str, Any]) -> str:
        who = f"process {holder['pid']}" if holder.get("pid") else "another process"
        since = f", started {holder['startedAt']}" if holder.get("startedAt") else ""
        return (f"{self.path.parent}: another reporter run ({who}{since}) is writing into this folder; "
                "wait for it to finish or choose another --out")

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            if _same_file(self.fd, self.path):
                self.path.unlink()
        except OSError:
            pass
        os.close(self.fd)  # closing releases the flock
        self.fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    fst = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (fst.st_dev, fst.st_ino)


def _read(fd: int) -> dict[str, Any]:
    try:
        doc = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}
