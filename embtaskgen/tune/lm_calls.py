"""Count the model calls a block of code makes on given LMs (cache hits excluded).

DSPy records every call of an LM, cache hits included, in ``lm.history`` (up to
``dspy.settings.max_history_size`` entries); a cache hit's entry has empty ``usage``
(DSPy bills nothing for it). :class:`LMCallCounter` reads the entries added while it
was open: those after the entry that was last when it opened (found by identity, since a
full history drops its oldest entry as each new one arrives, so lengths cannot be
compared). A model that reports no token usage at all is counted as cache hits. A block
that makes more calls than the history holds is counted up to the history's size.

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
    """Count uncached and cached calls per named LM while open.

    The same LM object under two names is counted once, under its first name.

    Args:
        lms: Name -> LM (``dspy.BaseLM``) to watch.
    """

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
    """The entries of ``history`` after the entry ``last`` (all of them when ``last`` is
    ``None`` or has been dropped from a full history)."""
    if last is not None:
        for index in range(len(history) - 1, -1, -1):
            if history[index] is last:
                return history[index + 1 :]
    return history
