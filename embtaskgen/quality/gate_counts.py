"""What the precision gate says about a category's tasks, for the report: what it keeps,
its drops per reason, and copies of the prompt's examples apart (``seed_copies``).

Example:
    >>> counts = gate_counts(["Given a query, retrieve a full query.",
    ...                       "Given a word, find its dictionary definition.",
    ...                       "Given a poem, find its author's name."], "text-matching-short")
    >>> counts.passed, counts.dropped, counts.seed_copies
    ([False, False, True], {'circular': 1}, 1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from embtaskgen.brainstorm.precision_gate import PrecisionGate
from embtaskgen.brainstorm.prompt_demos import gate_for

__all__ = ["GateCounts", "gate_counts", "summed"]


@dataclass
class GateCounts:
    """Per task whether the gate keeps it; drops per reason, ``prompt_copy`` apart."""

    passed: list[bool] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    seed_copies: int = 0


@lru_cache(maxsize=1)
def _gate() -> PrecisionGate:
    """The untuned prompts' gate: its ``prompt_copy`` are the seed copies."""
    return gate_for()


def gate_counts(tasks: Iterable[str], category: str) -> GateCounts:
    """Judge ``tasks`` of ``category`` one by one (each on its own, as a report reads them)."""
    counts = GateCounts()
    for task in tasks:
        verdict = _gate().check(task, category)
        counts.passed.append(verdict.ok)
        if verdict.reason == "prompt_copy":
            counts.seed_copies += 1
        elif not verdict:
            counts.dropped[verdict.reason] = counts.dropped.get(verdict.reason, 0) + 1
    return counts


def summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Add up per-reason counts.

    Example:
        >>> summed([{"stutter": 1}, {"stutter": 2, "circular": 1}])
        {'stutter': 3, 'circular': 1}
    """
    total: Counter[str] = Counter()
    for count in counts:
        total.update(count)
    return dict(total)
