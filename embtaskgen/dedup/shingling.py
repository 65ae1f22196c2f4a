"""Shingles: the sets of tokens whose Jaccard similarity MinHash estimates for ``dedup``.

Every text is first normalised (case, whitespace and punctuation folded, as
:func:`~embtaskgen.text.normalise.normalise_task` does), so a change of case or
punctuation alone never makes two texts different. Then:

* ``word`` shingles (the default): runs of ``size`` consecutive *content words* (words
  that are not :data:`~embtaskgen.quality.text.STOPWORDS`, crudely stemmed by
  :func:`~embtaskgen.quality.text.stem`); default size 1, so reordered and inflected
  paraphrases ("Classify product reviews by sentiment." / "Classify the sentiment of a
  product review.") share every shingle, and the task template's glue words ("given",
  "that", "a") count for nothing.
* ``char`` shingles: character ``size``-grams of the normalised text (default 4), for
  text that is not English or where spelling variants matter more than word order.

A text with no shingle (only stopwords, or shorter than ``size`` characters) gets its
normalised text as its one shingle, so two such texts are duplicates only when equal.
Only the first :data:`~embtaskgen.quality.text.MAX_TEXT_CHARS` characters are used.

Example:
    >>> shingle_set("Given a product review, classify its sentiment!", "word")
    ['product', 'review', 'classify', 'sentiment']
    >>> shingle_set("Retrieve it", "char", 4)[:3]
    ['retr', 'etri', 'trie']
"""

from __future__ import annotations

from functools import lru_cache

from embtaskgen.errors import ConfigError
from embtaskgen.quality.text import MAX_TEXT_CHARS, STOPWORDS, stem
from embtaskgen.text.normalise import normalise_task

__all__ = ["DEFAULT_SHINGLE_SIZE", "SHINGLE_KINDS", "check_shingles", "shingle_set"]

#: Kinds of shingle, by ``--shingles`` name.
SHINGLE_KINDS = ("word", "char")
#: Default shingle size per kind (content words per shingle; characters per shingle).
DEFAULT_SHINGLE_SIZE = {"word": 1, "char": 4}
_MAX_SIZE = 32
_stem = lru_cache(maxsize=1 << 16)(stem)  # a dataset repeats its words: stem each once


def check_shingles(kind: object, size: object) -> tuple[str, int]:
    """Validate a shingle kind and size; ``size=None`` takes the kind's default.

    Raises:
        ConfigError: An unknown kind, or a size that is not an integer from 1 to 32.

    Example:
        >>> check_shingles("char", None)
        ('char', 4)
    """
    if kind not in SHINGLE_KINDS:
        raise ConfigError(f"shingles must be one of {', '.join(SHINGLE_KINDS)}, got {kind!r}")
    if size is None:
        return str(kind), DEFAULT_SHINGLE_SIZE[str(kind)]
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= _MAX_SIZE:
        raise ConfigError(f"shingle_size must be an integer from 1 to {_MAX_SIZE}, got {size!r}")
    return str(kind), size


def shingle_set(text: str, kind: str = "word", size: int | None = None) -> list[str]:
    """The distinct shingles of ``text``, in first-seen order (never empty).

    Args:
        text: Any string.
        kind: ``"word"`` or ``"char"`` (see the module docstring).
        size: Words or characters per shingle; ``None`` for the kind's default.
    """
    if size is None:
        size = DEFAULT_SHINGLE_SIZE[kind]
    norm = normalise_task(text[:MAX_TEXT_CHARS])
    if kind == "word":
        words = [_stem(w) for w in norm.split() if w not in STOPWORDS]
        grams = words if size == 1 else [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    else:
        grams = [norm[i : i + size] for i in range(len(norm) - size + 1)]
    return [g for g in dict.fromkeys(grams) if g] or [norm]
