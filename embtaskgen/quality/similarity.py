"""When two tasks count as near-duplicates: their character 4-grams overlap strongly (small
edits) or their content words do (a paraphrase), both by Jaccard similarity. The thresholds
let tasks that share only the template ("Given a legal/medical question, retrieve ...") pass.

Example:
    >>> a = TaskText.of("Given a medical question, retrieve passages that answer it.")
    >>> b = TaskText.of("Retrieve passages answering a given medical question.")
    >>> is_near_duplicate(a, b)
    True
"""

from __future__ import annotations

from embtaskgen.quality.text import TaskText, jaccard

__all__ = ["CHAR_THRESHOLD", "MIN_CONTENT_WORDS", "MIN_EXACT_WORDS", "WORD_THRESHOLD", "is_near_duplicate"]

#: Character 4-gram Jaccard at or above which two tasks are near-duplicates.
CHAR_THRESHOLD = 0.55
#: Content-word Jaccard at or above which two tasks are near-duplicates.
WORD_THRESHOLD = 0.75
#: Below this many content words the word rule needs identical word sets.
MIN_CONTENT_WORDS = 5
#: Below this many content words the word rule is not applied at all.
MIN_EXACT_WORDS = 3

_MARGIN = 0.15
_EPSILON = 1e-9


def is_near_duplicate(a: TaskText, b: TaskText) -> bool:
    """Whether two tasks are near-duplicates (exact duplicates included)."""
    if a.norm == b.norm:
        return True
    ga, gb = len(a.grams), len(b.grams)
    small, large = (ga, gb) if ga <= gb else (gb, ga)
    # Jaccard <= smaller / larger set size, so a size gap alone rules a rule out.
    if small and small >= CHAR_THRESHOLD * large - _EPSILON:
        inter = (a.gram_bits & b.gram_bits).bit_count()
        union = a.gram_bit_count + b.gram_bit_count - inter
        # The bit sets over-estimate the overlap (hash collisions only merge grams), short
        # of a few colliding grams; the margin covers those, so this skip never changes a
        # verdict.
        if union and inter / union >= CHAR_THRESHOLD - _MARGIN and jaccard(a.grams, b.grams) >= CHAR_THRESHOLD:
            return True
    return _same_words(a.content, b.content)


def _same_words(a: frozenset[str], b: frozenset[str]) -> bool:
    la, lb = len(a), len(b)
    small, large = (la, lb) if la <= lb else (lb, la)
    if small < MIN_EXACT_WORDS:
        return False
    if small >= MIN_CONTENT_WORDS:
        if small < WORD_THRESHOLD * large - _EPSILON:
            return False
        inter = len(a & b)
        return inter / (la + lb - inter) >= WORD_THRESHOLD
    return la == lb and a == b
