"""Novelty against the examples shown in the prompt.

A model that copies the prompt's examples back (verbatim or lightly edited) adds nothing.
By default the examples are the category's seed pool
(``embtaskgen.signatures.examples.SEED_TASKS``), since any of them may have been shown; pass the
examples actually shown when they are known.

Example:
    >>> ex = examples_features(("Given a word, find its dictionary definition.",))
    >>> copied_example(TaskText.of("given a word, find its dictionary definition"), ex)
    'Given a word, find its dictionary definition.'
"""

from __future__ import annotations

import logging
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

__all__ = ["ExampleSet", "copied_example", "copies_example", "default_examples", "examples_features"]

logger = logging.getLogger(__name__)

#: Prompt examples prepared for comparison: their features, their normalised texts, and
#: the union of their 4-grams and of their content words (for a quick "copies none").
ExampleSet = tuple[tuple[TaskText, ...], frozenset[str], frozenset[str], frozenset[str]]


def default_examples(category: str) -> tuple[str, ...]:
    """The category's seed pool, or ``()`` when ``embtaskgen.signatures.examples`` is unavailable."""
    try:
        from embtaskgen.signatures.examples import SEED_TASKS
    except ImportError:  # pragma: no cover - the pool ships with the package
        logger.debug("embtaskgen.signatures.examples not importable; novelty checks no examples")
        return ()
    return tuple(SEED_TASKS.get(category, ()))


@lru_cache(maxsize=128)
def _features(examples: tuple[str, ...]) -> ExampleSet:
    texts = tuple(TaskText.of(e) for e in examples)
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
    """Whether ``task`` can be a near-duplicate of any example at all.

    Prefix filtering (see :mod:`embtaskgen.quality.dedup`) with the tokens no example
    has ordered first: if more than ``|x| - ceil(t |x|)`` of the task's tokens are in no
    example, the task shares no prefix token with any example, so neither Jaccard rule
    can hold. Two set differences instead of a comparison per example.
    """
    n = len(task.grams)
    if n and len(task.grams - grams) <= n - _needed(n, CHAR_THRESHOLD):
        return True
    w = len(task.content)
    if w >= MIN_CONTENT_WORDS:
        return len(task.content - words) <= w - _needed(w, WORD_THRESHOLD)
    return w >= MIN_EXACT_WORDS and task.content <= words


def examples_features(examples: Iterable[object]) -> ExampleSet:
    """Prepare prompt examples (non-strings are ignored); cached for repeated pools."""
    return _features(tuple(e for e in examples if isinstance(e, str) and e.strip()))


def copied_example(task: TaskText, examples: ExampleSet) -> str | None:
    """The prompt example ``task`` copies (exactly or as a near-duplicate), else ``None``."""
    texts, norms, grams, words = examples
    if task.norm in norms:
        return next(e.raw for e in texts if e.norm == task.norm)
    if not _may_copy(task, grams, words):
        return None
    for example in texts:
        if is_near_duplicate(task, example):
            return example.raw
    return None


def copies_example(task: str, category: str, examples: Iterable[object] | None = None) -> bool:
    """Whether ``task`` copies a prompt example of ``category`` (exactly or nearly).

    Args:
        task: One task text.
        category: Its category.
        examples: The examples the prompt showed (default: the category's whole seed pool).

    Example:
        >>> copies_example("Given a word, find its dictionary definition", "text-matching-short")
        True
    """
    features = examples_features(default_examples(category) if examples is None else examples)
    return copied_example(TaskText.of(task), features) is not None
