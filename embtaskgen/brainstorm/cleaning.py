"""Sanitise, normalise, validate and de-duplicate brainstormed task strings.

Model text is untrusted: every item is sanitised (:func:`embtaskgen.lm.untrusted.sanitize_text`)
before it can be kept, an item longer than :data:`MAX_TASK_CHARS` is dropped (a cut sentence
is not a task), a call keeps at most :func:`item_cap` items, and a deduper with a
:class:`~embtaskgen.brainstorm.precision_gate.PrecisionGate` drops what a reader would drop.
Every dropped item is counted by reason.

Example:
    >>> deduper = TaskDeduper()
    >>> result = deduper.clean(['1. Retrieve news articles.', '"retrieve news articles"', 42, "x" * 501])
    >>> result.tasks, dict(result.dropped)
    (['Retrieve news articles.'], {'duplicate_normalised': 1, 'not_string': 1, 'too_long': 1})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from embtaskgen.brainstorm.precision_gate import GATE_REASONS, PrecisionGate
from embtaskgen.lm.untrusted import sanitize_text
from embtaskgen.text.normalise import normalise_task, strip_task

__all__ = ["DROP_REASONS", "MAX_TASK_CHARS", "CleanResult", "TaskDeduper", "item_cap"]

#: Every reason an item can be dropped for, in the order they are checked.
DROP_REASONS: tuple[str, ...] = (
    "over_cap",
    "not_string",
    "empty",
    "too_long",
    "duplicate_exact",
    "duplicate_normalised",
    *GATE_REASONS,
)

#: Longest task kept, in characters; a guard against runaway answers, well above the
#: quality metric's 320 (``embtaskgen.quality.form.MAX_CHARS``), never a quality filter.
MAX_TASK_CHARS = 500


def item_cap(num_tasks: int) -> int:
    """The most items one call asking for ``num_tasks`` may contribute (room for overshoot and duplicates).

    Example:
        >>> item_cap(20), item_cap(5), item_cap(1)
        (40, 15, 11)
    """
    return max(2 * num_tasks, num_tasks + 10)


@dataclass
class CleanResult:
    """The outcome of cleaning one generation's list.

    Attributes:
        tasks: The kept tasks, in the model's order.
        dropped: Count of dropped items per reason (keys from ``DROP_REASONS``).
        rejected: With ``keep_rejected``: the gate's rejects as ``{"task", "reason", "detail"}``.
    """

    tasks: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, str]] = field(default_factory=list)


class TaskDeduper:
    """Cleans lists and remembers what it kept, across all generations of one call.

    Args:
        keep_duplicates: Keep exact and normalised duplicates (still stripped).
        gate: The precision gate a new task must pass when :meth:`clean` is told the category.
        keep_rejected: Also keep what the gate drops in ``CleanResult.rejected``.

    Example:
        >>> from embtaskgen.brainstorm.precision_gate import PrecisionGate
        >>> deduper = TaskDeduper(gate=PrecisionGate(), keep_rejected=True)
        >>> result = deduper.clean(["Given a query, retrieve a full query.", "Given a claim, find trials."],
        ...                        category="text-retrieval")
        >>> result.tasks, dict(result.dropped), result.rejected[0]["reason"]
        (['Given a claim, find trials.'], {'circular': 1}, 'circular')
    """

    def __init__(
        self, keep_duplicates: bool = False, *, gate: PrecisionGate | None = None, keep_rejected: bool = False
    ) -> None:
        self.keep_duplicates = keep_duplicates
        self.gate = gate
        self.keep_rejected = bool(keep_rejected)
        self._exact: set[str] = set()
        self._normalised: set[str] = set()

    @classmethod
    def for_run(cls, settings: Any, generator: Any = None) -> TaskDeduper:
        """The deduper of a run: the settings' options, and the gate for the prompts ``generator`` sends.

        Example:
            >>> from embtaskgen.settings import GenerationSettings
            >>> TaskDeduper.for_run(GenerationSettings()).gate is not None
            True
        """
        from embtaskgen.brainstorm.prompt_demos import gate_for  # imports the signatures

        return cls(
            keep_duplicates=bool(getattr(settings, "keep_duplicates", False)),
            gate=gate_for(generator),
            keep_rejected=bool(getattr(settings, "keep_rejected", False)),
        )

    def clean(self, items: Iterable[object], max_items: int | None = None, category: str | None = None) -> CleanResult:
        """Clean one generation's items against everything kept so far.

        Items past ``max_items`` are dropped as ``over_cap``; the gate applies when ``category`` is given.

        Example:
            >>> TaskDeduper().clean(["A.", "B.", "C."], max_items=2).dropped
            Counter({'over_cap': 1})
        """
        result = CleanResult()
        items = list(items)
        if max_items is not None and len(items) > max_items:
            result.dropped["over_cap"] += len(items) - max_items
            items = items[:max_items]
        earlier: list[str] = []  # the call's tasks so far, for the gate's ``templated``
        for item in items:
            if not isinstance(item, str):
                result.dropped["not_string"] += 1
                continue
            task = strip_task(sanitize_text(item))
            key = normalise_task(task)
            if not key:
                result.dropped["empty"] += 1
                continue
            if len(task) > MAX_TASK_CHARS:
                result.dropped["too_long"] += 1
                continue
            if not self.keep_duplicates:
                if task in self._exact:
                    result.dropped["duplicate_exact"] += 1
                    continue
                if key in self._normalised:
                    result.dropped["duplicate_normalised"] += 1
                    continue
            if self.gate is not None and category is not None:
                verdict = self.gate.check(task, category, earlier)
                earlier.append(task)
                if not verdict:
                    result.dropped[verdict.reason] += 1
                    if self.keep_rejected:
                        result.rejected.append({"task": task, "reason": verdict.reason, "detail": verdict.detail})
                    continue
            self._exact.add(task)
            self._normalised.add(key)
            result.tasks.append(task)
        return result

    def seen(self, task: str) -> bool:
        """Whether a task equal to ``task`` after normalisation was kept already."""
        return normalise_task(strip_task(sanitize_text(task))) in self._normalised
