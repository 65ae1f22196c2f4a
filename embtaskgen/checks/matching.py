"""Short and long matching: is the pair related, and is it what the task matches?

``pair_unrelated``: the input and its match are far apart; ``input_off_task``: the input
is far from the task it was written for (cosines of the embedder).

Example:
    >>> from embtaskgen.checks.similarity import Similarity
    >>> toy = Similarity(lambda texts: [[t.count("cat"), t.count("dog"), 0.1] for t in texts])
    >>> row = {"kind": "text-matching-short", "task": "Match cats.", "input": "cat", "positive_document": "dog"}
    >>> flagged(MatchingChecks(), row, toy)
    ['pair_unrelated']
"""

from __future__ import annotations

from dataclasses import dataclass

from embtaskgen.checks.family import FittedFamily, Row, flagged
from embtaskgen.checks.similarity import Similarity

__all__ = ["MatchingChecks", "flagged"]


@dataclass
class MatchingChecks(FittedFamily):
    """Embedding checks of matching examples; ``floor`` overrides the fitted floors by reason."""

    name: str = "matching"
    level: str = "embed"
    kinds: frozenset[str] = frozenset({"text-matching-short", "text-matching-long"})
    reasons: tuple[str, ...] = ("pair_unrelated", "input_off_task")

    #: Fitted on the labelled set's fit split (docs/quality/checks.md).
    FITTED = {"pair_unrelated": 0.15, "input_off_task": -0.02}
    FIELDS = ("task", "input", "positive_document")

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """Cosines: input~match, task~input."""
        sim = self.embedder(sim)
        task, text, match = self.texts(row)
        scores = {"pair_unrelated": sim.cos(text, match)}
        if task:
            scores["input_off_task"] = sim.cos(task, text)
        return scores
