"""Retrieval: does the positive answer the query, and is the hard negative a fair one?

With cosines of all-MiniLM-L6-v2 (or any embedder): ``positive_off_query``, the positive
is far from the query; ``positive_not_closest``, the hard negative is at least as close
to the query as the positive (a second positive, or a positive that does not answer);
``negative_off_query``, the negative is not on the query's subject (too easy to teach
anything); ``query_off_task``, the query is far from the task it was written for.

Example:
    >>> from embtaskgen.checks.similarity import Similarity
    >>> toy = Similarity(lambda texts: [[t.count("egg"), t.count("tax"), 0.1] for t in texts])
    >>> row = {"kind": "text-retrieval", "task": "Given an egg question, find answers.",
    ...        "user_query": "egg?", "positive_document": "tax tax", "hard_negative_document": "egg egg"}
    >>> flagged(RetrievalChecks(), row, toy)
    ['positive_off_query', 'positive_not_closest']
"""

from __future__ import annotations

from dataclasses import dataclass

from embtaskgen.checks.family import FittedFamily, Row, flagged
from embtaskgen.checks.similarity import Similarity

__all__ = ["RetrievalChecks", "flagged"]


@dataclass
class RetrievalChecks(FittedFamily):
    """Embedding checks of retrieval examples; ``floor`` overrides the fitted floors by reason."""

    name: str = "retrieval"
    level: str = "embed"
    kinds: frozenset[str] = frozenset({"text-retrieval"})
    reasons: tuple[str, ...] = ("positive_off_query", "positive_not_closest", "negative_off_query", "query_off_task")

    #: Fitted on the labelled set's fit split (docs/quality/checks.md).
    FITTED = {
        "positive_off_query": 0.55,
        "positive_not_closest": -0.02,
        "negative_off_query": 0.23,
        "query_off_task": -0.04,
    }

    FIELDS = ("task", "user_query", "positive_document", "hard_negative_document")

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """Cosines: query~positive, their margin over query~negative, query~negative, task~query."""
        sim = self.embedder(sim)
        task, query, positive, negative = self.texts(row)
        scores = {
            "positive_off_query": sim.cos(query, positive),
            "positive_not_closest": sim.cos(query, positive) - sim.cos(query, negative),
            "negative_off_query": sim.cos(query, negative),
        }
        if task:
            scores["query_off_task"] = sim.cos(task, query)
        return scores
