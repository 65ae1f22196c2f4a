"""Outcomes handed on in the order the jobs were planned, whatever order they finish in.

Calls finish in any order (threads, latency, retries); what a run keeps must not depend
on it: de-duplication across generations keeps the first copy *in plan order*, so the
same seed gives the same rows at any concurrency, and the same rows as the Ray executor
(whose driver records in plan order too). :class:`PlanOrder` holds each finished job's
outcome until every earlier job has one, then releases them in order. A window bounds
what it holds: no job starts more than ``window`` places after the earliest job still
without an outcome (a job waiting for a retry holds the window, not memory).

Example:
    >>> from embtaskgen.execute.scheduler import Job
    >>> order, seen = PlanOrder(window=4), []
    >>> first, second = Job("a", 0), Job("a", 1)
    >>> order.admit(first); order.admit(second)
    >>> order.settle(second, lambda: seen.append(1))
    >>> seen
    []
    >>> order.settle(first, lambda: seen.append(0))
    >>> seen
    [0, 1]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["PlanOrder"]

Release = Callable[[], None]


def _key(job: Any) -> Hashable:
    return (job.category, job.generation)


class PlanOrder:
    """Release outcomes in plan order (see the module docstring).

    Args:
        window: Jobs admitted at most beyond the earliest one without an outcome.
    """

    def __init__(self, window: int) -> None:
        self.window = max(1, window)
        self._place: dict[Hashable, int] = {}
        self._admitted = 0
        self._released = 0
        self._ready: dict[int, Release | None] = {}

    def admit(self, job: Any) -> None:
        """Give ``job`` the next place in the plan."""
        self._place[_key(job)] = self._admitted
        self._admitted += 1

    @property
    def has_room(self) -> bool:
        """Whether another job may start without holding more than ``window`` outcomes."""
        return self._admitted - self._released < self.window

    def settle(self, job: Any, release: Release | None) -> None:
        """``job`` has its outcome: run ``release`` once every earlier job's has run.

        Args:
            job: An admitted job (a retry of it carries the same category and generation).
            release: What to do with the outcome (``None``: the job has none, e.g. it
                never started).
        """
        self._ready[self._place.pop(_key(job))] = release
        while self._released in self._ready:
            action = self._ready.pop(self._released)
            self._released += 1
            if action is not None:
                action()

    def flush(self) -> None:
        """The loop is over: release what finished, in plan order, past any gaps (jobs
        that never got an outcome: a resume calls them)."""
        for place in sorted(self._ready):
            action = self._ready.pop(place)
            if action is not None:
                action()
        self._released = self._admitted
