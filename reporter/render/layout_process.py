"""Render stage: a second process that does a one-job build's layouts, started before the rest.

Input: the handlers to serve (``reporter.render.pdf``'s layouts and PDF writes, by name) and,
call by call, their arguments (HTML and CSS text, options, attachments). Output: their results
(plain values: a layout's pages as sizes and anchors, a PDF's bytes), or the exception a handler
raised, raised again here.

Why (issue 20): importing WeasyPrint (its cffi declarations, Pango and fonts) is about 0.4 s, a
quarter of a one-packet process, and this process has as much to do before its first layout
(reading, checking and judging the record, its HTML). ``start`` forks at the start of
``reporter build`` and the fork imports WeasyPrint at once, so on two cores both are done in
about the time of the longer; every layout then runs in the fork. CPU time is the same; the wall
time of one packet falls by about 0.25 s (``tests/benchmarks/README.md``).

Only where it is safe and pays (``start`` returns None otherwise, and everything runs in this
process as before): ``os.fork`` exists, this process runs one thread (a fork copies no other
thread, and a lock another thread held would stay held in the fork), WeasyPrint is not imported
yet (nothing left to overlap), and ``REPORTER_LAYOUT_PROCESS`` is not ``off``. The fork ignores
Ctrl-C (this process handles it, then ends the fork), ends when the connection closes or at
``stop``, and never runs this process's code after its loop (``os._exit``). When the fork dies (the OOM
killer, a crash in a native library), ``call`` raises ``LayoutProcessGone`` and ``current``
returns None from then on: the caller lays out in this process instead.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("reporter.render")

ENV = "REPORTER_LAYOUT_PROCESS"  # "off": every layout in this process

_current: Host | None = None


class LayoutProcessGone(RuntimeError):
    """The layout process ended (or its connection broke) before answering."""


class Host:
    """The forked layout process, as this process sees it: ``call`` one handler at a time (a lock
    keeps threads from interleaving on the connection; ``lock`` holds it across several calls)."""

    def __init__(self, pid: int, conn: Any) -> None:
        self.pid, self.conn = pid, conn
        self.lock = threading.RLock()
        self.alive = True

    def call(self, op: str, *args: Any) -> Any:
        with self.lock:
            if not self.alive:
                raise LayoutProcessGone(f"layout process {self.pid} has ended")
            try:
                self.conn.send((op, args))
                status, value, where = self.conn.recv()
            except (EOFError, OSError) as exc:
                self.alive = False
                raise LayoutProcessGone(f"layout process {self.pid} ended: {type(exc).__name__}") from exc
        if status == "ok":
            return value
        value.add_note(f"(raised in the layout process)\n{where}")
        raise value

    def stop(self) -> None:
        """Close the connection and end the fork (killed: it holds nothing but layouts, and may
        still be importing when a build ends early, as on a usage error)."""
        self.alive = False
        self.conn.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):  # already ended and reaped
            pass


def usable() -> bool:
    """Whether a fork is safe and worth it here (see the module docstring)."""
    return (hasattr(os, "fork") and os.environ.get(ENV, "").lower() != "off"
            and threading.active_count() == 1 and "weasyprint" not in sys.modules)


def start(handlers: Mapping[str, Callable[..., Any]], warm: Callable[[], Any]) -> Host | None:
    """Fork the layout process (``warm`` is run in it first: the imports), or None where
    ``usable`` says no or the fork fails. One at a time: a running one is returned as it is."""
    global _current
    if _current is not None and _current.alive:
        return _current
    if not usable():
        return None
    from multiprocessing.connection import Pipe

    ours, theirs = Pipe(duplex=True)
    try:
        pid = os.fork()
    except OSError as exc:
        log.debug("no layout process (%s); laying out in this process", exc)
        ours.close()
        theirs.close()
        return None
    if pid == 0:  # the fork: serve, and never return into the caller's code
        code = 1
        try:
            ours.close()
            code = _serve(theirs, handlers, warm)
        finally:
            os._exit(code)
    theirs.close()
    _current = Host(pid, ours)
    return _current


def current() -> Host | None:
    """The running layout process, or None (never started, stopped, or gone)."""
    return _current if _current is not None and _current.alive else None


def stop() -> None:
    """Stop the running layout process, if any."""
    global _current
    host, _current = _current, None
    if host is not None:
        host.stop()


def _serve(conn: Any, handlers: Mapping[str, Callable[..., Any]], warm: Callable[[], Any]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and then closes
    global _current
    _current = None  # this process lays out itself
    warmed: BaseException | None = None
    try:
        warm()
    except BaseException as exc:  # told at the first call, where the caller can say it well
        warmed = exc
    while True:
        try:
            op, args = conn.recv()
        except (EOFError, OSError):
            return 0
        try:
            if warmed is not None:
                raise warmed
            reply: tuple[str, Any, str] = ("ok", handlers[op](*args), "")
        except BaseException as exc:
            reply = ("error", exc, traceback.format_exc())
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return 0
        except Exception as exc:  # a value that does not pickle: say what could not be sent
            what = f"{type(reply[1]).__name__}: {reply[1]}" if reply[0] == "error" else f"its result ({exc})"
            conn.send(("error", RuntimeError(f"{op}: could not send {what}"), reply[2]))
