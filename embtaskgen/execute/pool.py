"""Worker threads that run blocking model calls from a queue, made once per run.

Threads, not asyncio: DSPy's async path hands each call to a thread pool two to four
times, 0.86 of the ideal rate at 256 calls on 2 cores against 0.95 for threads
(``benchmarks/throughput.py``). Daemons (a second Ctrl-C does not wait for hung calls),
each in a copy of the caller's ``contextvars`` (``dspy.context`` reaches the calls).

Example:
    >>> pool = WorkerPool(lambda job: job * 2, workers=2)
    >>> pool.submit(21)
    >>> pool.get(timeout=5)
    (21, 42, None)
    >>> pool.close()
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from embtaskgen.errors import ConfigError

__all__ = ["Skipped", "WorkerPool"]

J = TypeVar("J")

_STOP = object()


class Skipped(Exception):
    """The error of a job dropped from the queue by :meth:`WorkerPool.skip_queued` (never run)."""


class WorkerPool(Generic[J]):
    """Run ``fn(job)`` on ``workers`` daemon threads; results come back in finishing order.

    Only one thread (the run's) submits and collects.
    """

    def __init__(self, fn: Callable[[J], Any], workers: int, name: str = "embtaskgen-run") -> None:
        if workers < 1:
            raise ConfigError(f"workers must be >= 1, got {workers}")
        self._fn = fn
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[tuple[J, Any, BaseException | None]] = queue.SimpleQueue()
        self.outstanding = 0
        self._cancelled = threading.Event()
        self._threads = []
        for index in range(workers):
            context = contextvars.copy_context()
            thread = threading.Thread(target=context.run, args=(self._work,), name=f"{name}-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            if self._cancelled.is_set():
                self._results.put((job, None, Skipped()))
                continue
            try:
                self._results.put((job, self._fn(job), None))
            except BaseException as exc:  # noqa: BLE001 - handed to the run's thread
                self._results.put((job, None, exc))

    def submit(self, job: J) -> None:
        """Queue ``job``."""
        self.outstanding += 1
        self._jobs.put(job)

    def get(self, timeout: float) -> tuple[J, Any, BaseException | None] | None:
        """The next finished ``(job, result, error)``, or ``None`` after ``timeout`` seconds."""
        try:
            item = self._results.get(timeout=timeout)
        except queue.Empty:
            return None
        self.outstanding -= 1
        return item

    def skip_queued(self) -> None:
        """Jobs not yet started come back as :class:`Skipped`; calls running finish."""
        self._cancelled.set()

    def close(self, *, cancel: bool = False) -> None:
        """Let the workers exit once the queue is empty (``cancel``: drop the jobs queued); never waits."""
        if cancel:
            self._cancelled.set()
        for _ in self._threads:
            self._jobs.put(_STOP)
