"""The avoid archive: tasks each category accepted so far in a run, for the archive lever.

One per run, thread-safe; a resumed run starts empty.

Example:
    >>> from embtaskgen.brainstorm.call_result import CallResult
    >>> archive = AvoidArchive(["text-retrieval"])
    >>> archive.add(CallResult("text-retrieval", 0, 1, items=["Find news.", "find news"]))
    >>> archive.snapshot("text-retrieval")
    ['Find news.']
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper

__all__ = ["AvoidArchive"]


class AvoidArchive:
    """Tasks accepted so far per category (cleaned and de-duplicated within the category)."""

    def __init__(self, categories: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self._dedupers = {c: TaskDeduper() for c in categories}
        self._tasks: dict[str, list[str]] = {c: [] for c in categories}

    def snapshot(self, category: str) -> list[str]:
        """The tasks ``category`` accepted so far."""
        with self._lock:
            return list(self._tasks[category])

    def add(self, result: CallResult) -> None:
        """Add the tasks of a finished call (a failed call adds nothing)."""
        if result.items is None:
            return
        with self._lock:
            self._tasks[result.category].extend(self._dedupers[result.category].clean(result.items).tasks)
