"""Outcomes handed on in the order the jobs were planned, whatever order they finish in.

De-duplication keeps the first copy *in plan order*, so a seed gives the same rows at
any concurrency and on Ray. :class:`PlanOrder` holds each outcome until every earlier
job has one; no job starts more than ``window`` places after the earliest job without
an outcome (a job waiting for a retry holds the window, not memory).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["PlanOrder"]

Release = Callable[[], None]


def _key(job: Any) -> Hashable:
    return (job.category, job.generation)


class PlanOrder:
    """Release outcomes in plan order; ``window``: jobs admitted at most beyond the earliest
    one without an outcome."""

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
        """``job`` (or its retry) has its outcome: run ``release`` (``None``: none, e.g. never
        started) once every earlier job's has run."""
        self._ready[self._place.pop(_key(job))] = release
        while self._released in self._ready:
            action = self._ready.pop(self._released)
            self._released += 1
            if action is not None:
                action()

    def flush(self) -> None:
        """Release what finished, in plan order, past any gaps (a resume calls those jobs)."""
        for place in sorted(self._ready):
            action = self._ready.pop(place)
            if action is not None:
                action()
        self._released = self._admitted
