"""Novelty against the seed tasks shown in the prompt (by default the category's whole seed
pool, since any of them may have been shown): a copy, verbatim or lightly edited, adds nothing.

Example:
    >>> shown = seed_task_features(("Given a word, find its dictionary definition.",))
    >>> copied_seed_task(TaskText.of("given a word, find its dictionary definition"), shown)
    'Given a word, find its dictionary definition.'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

from embtaskgen.quality.similarity import (
    CHAR_THRESHOLD,
    MIN_CONTENT_WORDS,
    MIN_EXACT_WORDS,
    WORD_THRESHOLD,
    is_near_duplicate,
)
from embtaskgen.quality.text import TaskText
from embtaskgen.signatures.seed_tasks import SEED_TASKS

__all__ = ["SeedTaskSet", "copied_seed_task", "copies_seed_task", "default_seed_tasks", "seed_task_features"]

#: Shown seed tasks prepared for comparison: their features, their normalised texts, and
#: the union of their 4-grams and of their content words (for a quick "copies none").
SeedTaskSet = tuple[tuple[TaskText, ...], frozenset[str], frozenset[str], frozenset[str]]


def default_seed_tasks(category: str) -> tuple[str, ...]:
    """The category's seed pool (``()`` for an unknown category)."""
    return tuple(SEED_TASKS.get(category, ()))


@lru_cache(maxsize=128)
def _features(tasks: tuple[str, ...]) -> SeedTaskSet:
    texts = tuple(TaskText.of(e) for e in tasks)
    return (
        texts,
        frozenset(t.norm for t in texts),
        frozenset().union(*(t.grams for t in texts)),
        frozenset().union(*(t.content for t in texts)),
    )


def _needed(size: int, threshold: float) -> int:
    """Tokens of a set of ``size`` that must be shared for Jaccard >= ``threshold``."""
    return max(1, math.ceil(threshold * size - 1e-9))


def _may_copy(task: TaskText, grams: frozenset[str], words: frozenset[str]) -> bool:
    """Whether ``task`` can be a near-duplicate of any seed task at all: if more than
    ``|x| - ceil(t |x|)`` of its tokens are in no seed task, neither Jaccard rule can hold
    (prefix filtering, see :mod:`embtaskgen.dedup.near_duplicates`)."""
    n = len(task.grams)
    if n and len(task.grams - grams) <= n - _needed(n, CHAR_THRESHOLD):
        return True
    w = len(task.content)
    if w >= MIN_CONTENT_WORDS:
        return len(task.content - words) <= w - _needed(w, WORD_THRESHOLD)
    return w >= MIN_EXACT_WORDS and task.content <= words


def seed_task_features(tasks: Iterable[object]) -> SeedTaskSet:
    """Prepare shown seed tasks (non-strings are ignored); cached for repeated pools."""
    return _features(tuple(e for e in tasks if isinstance(e, str) and e.strip()))


def copied_seed_task(task: TaskText, shown: SeedTaskSet) -> str | None:
    """The shown seed task ``task`` copies (exactly or as a near-duplicate), else ``None``."""
    texts, norms, grams, words = shown
    if task.norm in norms:
        return next(e.raw for e in texts if e.norm == task.norm)
    if not _may_copy(task, grams, words):
        return None
    for seed in texts:
        if is_near_duplicate(task, seed):
            return seed.raw
    return None


def copies_seed_task(task: str, category: str, shown: Iterable[object] | None = None) -> bool:
    """Whether ``task`` copies a seed task the prompt of ``category`` showed (``shown``,
    default the whole pool), exactly or nearly; the target of the deprecated
    ``embtaskgen.copies_example``.

    Example:
        >>> copies_seed_task("Given a word, find its dictionary definition", "text-matching-short")
        True
    """
    features = seed_task_features(default_seed_tasks(category) if shown is None else shown)
    return copied_seed_task(TaskText.of(task), features) is not None
