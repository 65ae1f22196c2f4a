"""Shingles: the token sets whose Jaccard similarity MinHash estimates for ``dedup``.

Texts are normalised (:func:`~embtaskgen.text.normalise.normalise_task`), then cut into
``word`` shingles (runs of stemmed content words: paraphrases share them, template glue
words count for nothing) or ``char`` grams (text that is not English). A text without
shingles has its normalised text as its one shingle.

Example:
    >>> shingle_set("Given a product review, classify its sentiment!", "word")
    ['product', 'review', 'classify', 'sentiment']
"""

from __future__ import annotations

from functools import lru_cache

from embtaskgen.quality.text import MAX_TEXT_CHARS, STOPWORDS, stem
from embtaskgen.text.normalise import normalise_task

__all__ = ["DEFAULT_SHINGLE_SIZE", "SHINGLE_KINDS", "shingle_set"]

#: Kinds of shingle, by ``--shingles`` name.
SHINGLE_KINDS = ("word", "char")
#: Default shingle size per kind (content words per shingle; characters per shingle).
DEFAULT_SHINGLE_SIZE = {"word": 1, "char": 4}
_stem = lru_cache(maxsize=1 << 16)(stem)  # a dataset repeats its words: stem each once


def shingle_set(text: str, kind: str = "word", size: int | None = None) -> list[str]:
    """The distinct shingles of ``text``, in first-seen order (never empty); ``size=None``:
    the kind's default."""
    if size is None:
        size = DEFAULT_SHINGLE_SIZE[kind]
    norm = normalise_task(text[:MAX_TEXT_CHARS])
    if kind == "word":
        words = [_stem(w) for w in norm.split() if w not in STOPWORDS]
        grams = words if size == 1 else [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    else:
        grams = [norm[i : i + size] for i in range(len(norm) - size + 1)]
    return [g for g in dict.fromkeys(grams) if g] or [norm]
