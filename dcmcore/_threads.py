"""The threads that decode frames concurrently: one pool per process, reused across calls.

Starting threads for every ``pixel_array(..., workers=n)`` call costs more than
decoding a small series, so the threads are kept. A call runs exactly `n`
loops that take jobs from a shared iterator: ``n - 1`` on pool threads and one
on the calling thread, whatever the pool's size. Jobs never wait for other
jobs, so callers sharing the pool cannot deadlock; a job that itself asks for
workers (a plugin calling dcmcore) runs its jobs serially. After ``os.fork``
the child, which has none of the parent's threads, starts a pool of its own.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

__all__ = ["run_jobs"]

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_pid = 0
_local = threading.local()


def _executor(threads: int) -> ThreadPoolExecutor:
    """A pool of at least `threads` threads, made in this process."""
    global _pool, _pool_size, _pool_pid
    with _lock:
        pid = os.getpid()
        if _pool is None or _pool_size < threads or _pool_pid != pid:
            old = _pool if _pool_pid == pid else None
            _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dcmcore")
            _pool_size, _pool_pid = threads, pid
            if old is not None:
                old.shutdown(wait=False)  # its threads finish what they hold, then exit
        return _pool


def run_jobs(fn: Callable[..., Any], jobs: Iterable[tuple], workers: int) -> None:
    """Call ``fn(*job)`` for every job on `workers` threads (the caller's included); wait for all.

    The first exception raised by a job is re-raised here once every running
    job has stopped; the jobs not started by then are skipped.
    """
    if workers <= 1 or getattr(_local, "busy", False):
        for job in jobs:
            fn(*job)
        return
    source = iter(jobs)
    take = threading.Lock()
    failures: list[BaseException] = []

    def loop() -> None:
        _local.busy = True
        try:
            while not failures:
                with take:
                    job = next(source, None)
                if job is None:
                    return
                fn(*job)
        except BaseException as exc:  # handed to the caller below
            failures.append(exc)
        finally:
            _local.busy = False

    futures = [_executor(workers - 1).submit(loop) for _ in range(workers - 1)]
    loop()
    for future in futures:
        future.result()
    if failures:
        raise failures[0]
