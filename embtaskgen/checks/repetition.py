"""Texts that go round in circles ("books about books about books", "tuna is tuna").

``repetitive``: some field of six words or more has a low share of distinct word
trigrams (a small model's word salad repeats its phrases; a fluent text rarely repeats
three words in a row). The floor was fitted on the labelled set (docs/quality/checks.md).

Example:
    >>> family = RepetitionChecks()
    >>> salad = "I like books about books about books about books about the world."
    >>> flagged(family, {"kind": "text-matching-short", "input": "Books", "positive_document": salad}, None)
    ['repetitive']
    >>> flagged(family, {"kind": "text-matching-short", "input": "Books",
    ...                  "positive_document": "A shelf of novels, essays and travel books about the world."}, None)
    []
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from embtaskgen.checks.family import FittedFamily, Row, flagged
from embtaskgen.checks.similarity import Similarity
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS

__all__ = ["RepetitionChecks", "distinct_trigrams", "flagged"]

_WORD = re.compile(r"\w+")
_MIN_WORDS = 6


def distinct_trigrams(text: str) -> float:
    """Share of distinct word trigrams among a text's trigrams (``1.0`` under six words).

    Example:
        >>> distinct_trigrams("a b c a b c a b")
        0.5
    """
    words = _WORD.findall(text.casefold())
    if len(words) < _MIN_WORDS:
        return 1.0
    grams = list(zip(words, words[1:], words[2:], strict=False))
    return len(set(grams)) / len(grams)


@dataclass
class RepetitionChecks(FittedFamily):
    """The least distinct field of an example (form level); ``floor`` overrides the fitted floor."""

    name: str = "repetition"
    level: str = "form"
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(EXAMPLE_KINDS))
    reasons: tuple[str, ...] = ("repetitive",)

    #: Fitted on the labelled set's fit split (docs/quality/checks.md).
    FITTED = {"repetitive": 0.89}

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """The lowest share of distinct trigrams among the example's fields."""
        fields = [str(row.get(name) or "") for name in OUTPUT_FIELDS[str(row["kind"])]]
        return {"repetitive": min(distinct_trigrams(text) for text in fields)}
