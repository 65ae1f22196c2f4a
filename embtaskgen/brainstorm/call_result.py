"""CallResult: the raw outcome of one model call, before cross-generation de-duplication.

Example:
    >>> result = CallResult("text-retrieval", 0, 123, items=None, raw_output="not a list")
    >>> result.parse_failure
    True
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallResult"]


@dataclass
class CallResult:
    """The raw outcome of one model call, before cross-generation de-duplication.

    Attributes:
        category: Category of the call.
        generation: Index of the call within its category.
        rollout_id: DSPy rollout id of the call.
        topic: Topic the call was conditioned on ("" for any).
        items: The parsed list (``None`` when the call failed).
        raw_output: The model's text when it did not parse.
        error: Reason of a failure other than a parse failure.
        usage: Token usage per model, as DSPy reports it.
        options: Prompt options used (demos, avoid count, ...).
    """

    category: str
    generation: int
    rollout_id: int
    topic: str = ""
    items: list[Any] | None = None
    raw_output: str | None = None
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def parse_failure(self) -> bool:
        """The model answered, but not with a list of strings."""
        return self.items is None and self.error is None

    def token_counts(self) -> Counter[str]:
        """Integer usage counters of this call, summed over the models it used."""
        counts: Counter[str] = Counter()
        for per_model in self.usage.values():
            for key, value in (per_model or {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    counts[key] += value
        return counts
