"""Lexical diversity figures of a collection of tasks (one category of a run).

- ``near_duplicate_rate``: share of tasks that repeat an earlier task of the collection,
  exactly or nearly (:func:`~embtaskgen.quality.similarity.is_near_duplicate`);
- ``distinct_1`` / ``distinct_2``: distinct words (word pairs) over all words (word
  pairs), Li et al. 2016;
- ``compression_ratio``: size of the joined text over its zlib-compressed size (higher
  means more repetition; Shaib et al. 2024 recommend it as a diversity score).

Example:
    >>> texts = [TaskText.of(s) for s in ("Classify emails by urgency.",
    ...          "Classify e-mails by urgency!", "Label tweets with the emotion they express.")]
    >>> round(near_duplicate_rate(texts), 3)
    0.333
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from embtaskgen.dedup.near_duplicates import redundant_flags
from embtaskgen.quality.text import TaskText

__all__ = ["compression_ratio", "distinct_n", "ngram_counts", "near_duplicate_rate", "redundant_flags"]


def near_duplicate_rate(texts: Sequence[TaskText]) -> float:
    """Share of texts that repeat an earlier one exactly or nearly (0.0 when empty)."""
    return sum(redundant_flags(texts)) / len(texts) if texts else 0.0


def distinct_n(texts: Sequence[TaskText], n: int) -> float:
    """Distinct word n-grams over all word n-grams, pooled over the texts (0.0 when none)."""
    seen, total = ngram_counts(texts, n)
    return len(seen) / total if total else 0.0


def ngram_counts(texts: Sequence[TaskText], n: int) -> tuple[set[tuple[str, ...]], int]:
    """The distinct word n-grams of the texts and the number of n-grams in all of them
    (so figures over several collections can be pooled)."""
    total = 0
    seen: set[tuple[str, ...]] = set()
    for t in texts:
        tokens = t.tokens
        if len(tokens) >= n:
            total += len(tokens) - n + 1
            seen.update(zip(*(tokens[k:] for k in range(n)), strict=False))  # n-grams: shifted copies
    return seen, total


def compression_ratio(texts: Sequence[str]) -> float:
    """Bytes of the newline-joined texts over their zlib (level 9) size (0.0 when empty)."""
    data = "\n".join(texts).encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data, 9))
