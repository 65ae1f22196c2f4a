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

from embtaskgen.quality.text import MAX_TEXT_CHARS, STOPWORDS, stem
from embtaskgen.text.normalise import fold_task, normalise_task

__all__ = ["DEFAULT_SHINGLE_SIZE", "SHINGLE_KINDS", "shingle_set"]

#: Kinds of shingle, by ``--shingles`` name.
SHINGLE_KINDS = ("word", "char")
#: Default shingle size per kind (content words per shingle; characters per shingle).
DEFAULT_SHINGLE_SIZE = {"word": 1, "char": 4}
# A dataset repeats its words: each word's stem, "" for a glue word, looked up once (the
# table is emptied when it grows past _STEMS_MOST words).
_STEMS: dict[str, str] = {}
_STEMS_MOST = 1 << 16


def _content_stems(words: list[str]) -> list[str]:
    """The stems of ``words`` that are not glue words, in order."""
    stems = list(map(_STEMS.get, words))
    if None in stems:
        if len(_STEMS) > _STEMS_MOST:
            _STEMS.clear()
        for at, word in enumerate(words):
            if stems[at] is None:
                stems[at] = _STEMS[word] = "" if word in STOPWORDS else stem(word)  # a stem is never ""
    return [s for s in stems if s]


def shingle_set(text: str, kind: str = "word", size: int | None = None) -> list[str]:
    """The distinct shingles of ``text``, in first-seen order (never empty); ``size=None``:
    the kind's default."""
    if size is None:
        size = DEFAULT_SHINGLE_SIZE[kind]
    text = text[:MAX_TEXT_CHARS]
    if kind == "word":
        words = _content_stems(fold_task(text).split())  # normalise_task's words
        grams = words if size == 1 else [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    else:
        norm = normalise_task(text)
        grams = [norm[i : i + size] for i in range(len(norm) - size + 1)]
    return [g for g in dict.fromkeys(grams) if g] or [normalise_task(text)]
