"""Count the model calls a block of code makes on given LMs (cache hits excluded).

DSPy records every call, cache hits (empty ``usage``) included, in ``lm.history``. The counter
reads the entries after the one that was last when it opened, found by identity: a full
history drops its oldest entry per new one, so lengths cannot be compared.

Example:
    >>> import dspy
    >>> lm = dspy.utils.DummyLM([{"answer": "4"}])
    >>> with LMCallCounter({"task": lm}) as counter:
    ...     _ = dspy.Predict("question -> answer", )(question="2+2?", lm=lm)
    >>> counter.counts()
    {'task': {'calls': 1, 'cache_hits': 0}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Self

__all__ = ["LMCallCounter"]


class LMCallCounter:
    """Count uncached and cached calls per named LM while open (an LM under two names: its first)."""

    def __init__(self, lms: Mapping[str, Any]) -> None:
        self._lms: dict[str, Any] = {}
        for name, lm in lms.items():
            if lm is not None and all(lm is not seen for seen in self._lms.values()):
                self._lms[name] = lm
        self._last: dict[str, object] = {}
        self._result: dict[str, dict[str, int]] | None = None

    def __enter__(self) -> Self:
        self._last = {}
        for name, lm in self._lms.items():
            history = getattr(lm, "history", [])
            self._last[name] = history[-1] if history else None
        self._result = None
        return self

    def __exit__(self, *exc: object) -> None:
        self._result = self._read()

    def _read(self) -> dict[str, dict[str, int]]:
        counts = {}
        for name, lm in self._lms.items():
            entries = _entries_after(list(getattr(lm, "history", [])), self._last.get(name))
            hits = sum(1 for e in entries if not e.get("usage"))
            counts[name] = {"calls": len(entries) - hits, "cache_hits": hits}
        return counts

    def counts(self) -> dict[str, dict[str, int]]:
        """Calls and cache hits per name (so far, or for the closed block)."""
        return self._result if self._result is not None else self._read()


def _entries_after(history: list[Any], last: object) -> list[Any]:
    """The entries of ``history`` after ``last`` (all when ``last`` is ``None`` or was dropped)."""
    if last is not None:
        for index in range(len(history) - 1, -1, -1):
            if history[index] is last:
                return history[index + 1 :]
    return history
