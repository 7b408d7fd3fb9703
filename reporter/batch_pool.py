"""Batch: the pool of worker processes and its life cycle.

Input: a number of jobs. Output: a ``WorkerPool`` that runs ``Task``s in forked worker processes
(started before the event loop's threads; each dies with the parent), replaces the pool when a
worker process dies (a crash in a native library, the OOM killer) and retries each record that
was in flight once, one at a time, so only the record that kills its worker fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.process
import logging
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from reporter.batch_task import Task, worker_init
from reporter.render.weasyprint_import import weasyprint_unfrozen

log = logging.getLogger("reporter.batch")


def _warm(_: int) -> int:
    return os.getpid()


def make_pool(jobs: int) -> concurrent.futures.Executor | None:
    """A pool of ``jobs`` worker processes, started now (before any thread), or None for 1 job."""
    if jobs <= 1:
        return None
    weasyprint_unfrozen()  # imported once here, inherited by the forked workers

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),)
        )
    except OSError as exc:  # no usable /dev/shm (some containers, chroots): semaphores cannot be made
        log.warning("cannot start %d worker processes (%s: %s); building in this process, as with --jobs 1",
                    jobs, type(exc).__name__, exc)
        return None
    list(pool.map(_warm, range(jobs)))  # start every worker before the event loop's threads
    return pool


class WorkerPool:
    """Runs tasks in ``pool`` (in this process when it is None). A pool replaced after a worker
    crash is shut down by ``close``; the caller shuts down the one it passed."""

    def __init__(self, pool: concurrent.futures.Executor | None, jobs: int) -> None:
        self.given = pool
        self.pool = pool
        self.jobs = jobs
        self.generation = 0
        self.alone = asyncio.Lock()  # retries after a worker crash run one at a time
        self.thread: concurrent.futures.ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[[Task], Any], task: Task) -> Any:
        loop = asyncio.get_running_loop()
        if self.pool is None:
            # One job: one record at a time in one thread of this process (WeasyPrint's shared
            # font configuration and stylesheet are not for two threads), so the event loop goes
            # on fetching the next records meanwhile.
            if self.thread is None:
                self.thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reporter-render")
            return await loop.run_in_executor(self.thread, fn, task)
        for attempt in (1, 2):
            generation = self.generation
            try:
                if attempt == 1:
                    return await loop.run_in_executor(self.pool, fn, task)
                async with self.alone:
                    generation = self.generation
                    return await loop.run_in_executor(self.pool, fn, task)
            except concurrent.futures.process.BrokenProcessPool:
                if self.generation == generation and self.pool is not None:  # first to notice: replace the pool
                    log.warning("a worker process died; starting new workers")
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = make_pool(self.jobs)
                    self.generation += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.thread is not None:
            self.thread.shutdown(wait=True, cancel_futures=True)
        if self.pool is not self.given and self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def worker_died(exc: BaseException) -> str:
    """Why a record failed outside its own error handling (its worker died twice on it)."""
    if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
        return "worker failed: the worker process died while rendering it"
    return f"worker failed: {type(exc).__name__}: {exc}"
