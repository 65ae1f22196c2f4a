"""Similarity triplets (sts): is S2 closer to S1 than S3 is?

``similar_not_closer``: S3, written to be the less similar text, is at least as close to
S1 as S2 (cosines of the embedder). Bitext is not measured: the default embedder reads
English only.

Example:
    >>> from embtaskgen.checks.similarity import Similarity
    >>> toy = Similarity(lambda texts: [[t.count("cat"), t.count("dog"), 0.1] for t in texts])
    >>> flagged(TripletChecks(), {"kind": "sts", "S1": "cat", "S2": "dog", "S3": "cat cat"}, toy)
    ['similar_not_closer']
"""

from __future__ import annotations

from dataclasses import dataclass

from embtaskgen.checks.family import FittedFamily, Row, flagged
from embtaskgen.checks.similarity import Similarity

__all__ = ["TripletChecks", "flagged"]


@dataclass
class TripletChecks(FittedFamily):
    """Embedding checks of sts triplets; ``floor`` overrides the fitted floors by reason."""

    name: str = "triplets"
    level: str = "embed"
    kinds: frozenset[str] = frozenset({"sts"})
    reasons: tuple[str, ...] = ("similar_not_closer",)

    #: Fitted on the labelled set's fit split (docs/quality/checks.md).
    FITTED = {"similar_not_closer": 0.2}
    FIELDS = ("S1", "S2", "S3")

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """cos(S1, S2) - cos(S1, S3)."""
        sim = self.embedder(sim)
        first, second, third = self.texts(row)
        return {"similar_not_closer": sim.cos(first, second) - sim.cos(first, third)}
