"""Text features of one task string, computed once and shared by every quality check.

Example:
    >>> t = TaskText.of("Given a scientific claim, retrieve documents that refute it.")
    >>> t.stems[:4]
    ('given', 'a', 'scientific', 'claim')
    >>> sorted(t.content)[:3]
    ['claim', 'document', 'refut']
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy

from embtaskgen.text.normalise import normalise_task

__all__ = ["CHAR_NGRAM", "MAX_TEXT_CHARS", "STOPWORDS", "TaskText", "char_ngrams", "jaccard", "stem"]

#: Length of the character n-grams compared for near-duplicates.
CHAR_NGRAM = 4
#: Characters of a text its features are made from: a task is at most 320 characters
#: (``form.MAX_CHARS``), and the cap keeps a runaway item from costing time and memory.
MAX_TEXT_CHARS = 2000

#: Words that carry no task content (the shared template of task sentences included).
STOPWORDS: frozenset[str] = frozenset(
    """a an the of to for in on at by with from and or nor but that which who whom whose
    this these those it its it's their them they his her he she we our you your i me my
    is are was were be been being as into onto about over under than then so such each
    every any some all one ones other another s given given that what when where how
    whether if not no do does did can could should would may might will must also
    only very more most same""".split()
)

_NO_STRIP_ENDINGS = ("ss", "is", "us")
_BIT_MASK = (1 << 12) - 1  # 4096 bits: ~1.2 colliding grams in a 100-gram task
_BIT_BYTES = (_BIT_MASK + 1) // 8
_intern = sys.intern
_NUMPY_FROM = 24  # from this many grams numpy sets the bits faster than a loop


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """Fold common English inflections (a small suffix stripper, no dictionary, no model).

    Example:
        >>> [stem(w) for w in ("retrieves", "retrieving", "classifies", "matches")]
        ['retriev', 'retriev', 'classify', 'match']
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(_NO_STRIP_ENDINGS):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 5:
        word = word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if word.endswith("i") and len(word) > 3:
        word = word[:-1] + "y"
    return word


def char_ngrams(text: str, n: int = CHAR_NGRAM) -> frozenset[str]:
    """The set of character n-grams of ``text`` (the whole text if it is shorter), interned:
    the same few thousand strings recur in every task, and sharing them halves the memory."""
    if len(text) <= n:
        return frozenset((text,)) if text else frozenset()
    return frozenset(map(_intern, [text[i : i + n] for i in range(len(text) - n + 1)]))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two sets (0.0 when both are empty)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _bits(grams: frozenset[str]) -> int:
    """The grams hashed into a ``_BIT_MASK + 1``-bit set (see ``TaskText.gram_bits``)."""
    if len(grams) < _NUMPY_FROM:
        buffer = bytearray(_BIT_BYTES)
        for g in grams:
            k = hash(g) & _BIT_MASK
            buffer[k >> 3] |= 1 << (k & 7)
        return int.from_bytes(buffer, "little")
    flags = numpy.zeros(_BIT_MASK + 1, dtype=numpy.uint8)
    flags[numpy.fromiter(map(hash, grams), dtype=numpy.int64, count=len(grams)) & _BIT_MASK] = 1
    return int.from_bytes(numpy.packbits(flags, bitorder="little").tobytes(), "little")


@dataclass(frozen=True, slots=True)
class TaskText:
    """The features of one task string.

    ``norm`` is :func:`embtaskgen.text.normalise.normalise_task` of the first
    :data:`MAX_TEXT_CHARS` characters, and every other feature derives from it.
    ``gram_bits`` (``grams`` hashed into a bit set) over-estimates an overlap to skip exact
    comparisons; it depends on the process's string hashing, so it only ever speeds a
    decision up, never changes one.
    """

    raw: str
    norm: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    grams: frozenset[str]
    content: frozenset[str]
    gram_bits: int
    gram_bit_count: int

    @classmethod
    def of(cls, text: str) -> TaskText:
        """Compute the features of ``text`` (from its first :data:`MAX_TEXT_CHARS`
        characters; ``raw`` keeps it whole)."""
        norm = normalise_task(text[:MAX_TEXT_CHARS])
        tokens = tuple(map(_intern, norm.split()))
        stems = tuple(stem(t) for t in tokens)
        content = frozenset(s for t, s in zip(tokens, stems, strict=True) if t not in STOPWORDS)
        grams = char_ngrams(norm)
        bits = _bits(grams)
        return cls(
            raw=text,
            norm=norm,
            tokens=tokens,
            stems=stems,
            grams=grams,
            content=content,
            gram_bits=bits,
            gram_bit_count=bits.bit_count(),
        )
