"""Find the near-duplicates among many tasks without comparing every pair.

Equal normalised texts are grouped; candidates are checked with
:func:`~embtaskgen.quality.similarity.is_near_duplicate` itself. Up to
:data:`EXACT_LIMIT` distinct texts the search is exact, by *prefix filtering* (Chaudhuri
et al. 2006; Bayardo et al. 2007): with tokens rarest first, sets can only reach Jaccard
``t`` if they share one of the first ``|x| - ceil(t |x|) + 1`` tokens of each. Beyond,
``dedup``'s MinHash LSH signs the 4-grams (42 bands of 3: 0.9995 at Jaccard 0.55) and,
from :data:`~embtaskgen.quality.similarity.MIN_EXACT_WORDS` content words, the words (25
bands of 5: 0.998 at 0.75); a text meets at most :data:`SKETCH_CANDIDATES` earlier texts
estimated near (those at the rule's threshold first, earliest first, then the most
similar): bounded work, and a pair no key leads to is missed
(``tests/dedup/test_near_duplicates.py`` holds its recall at 0.99 or more).

Example:
    >>> texts = [TaskText.of(s) for s in ("Retrieve news articles about a company.",
    ...          "Retrieve news articles about a company!", "Classify emails by urgency.")]
    >>> near_duplicate_pairs(texts)
    [(0, 1)]
    >>> result = first_near_duplicates(texts)
    >>> result.first, result.exact
    ([None, 0, None], True)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embtaskgen.dedup.lsh_index import LSHIndex
from embtaskgen.dedup.sketch import minhash_signatures
from embtaskgen.quality.similarity import (
    CHAR_THRESHOLD,
    MIN_CONTENT_WORDS,
    MIN_EXACT_WORDS,
    WORD_THRESHOLD,
    is_near_duplicate,
)
from embtaskgen.quality.text import TaskText

__all__ = [
    "CHAR_ESTIMATE",
    "EXACT_LIMIT",
    "SKETCH_CANDIDATES",
    "WORD_ESTIMATE",
    "NearDuplicates",
    "first_near_duplicates",
    "near_duplicate_pairs",
    "redundant_flags",
]

#: Up to this many distinct texts the search is exact (the same as comparing all pairs).
EXACT_LIMIT = 1000
#: In the sketch search, the most candidates compared per text.
SKETCH_CANDIDATES = 8
#: Least estimated Jaccard of a sketch candidate (4-grams; content words): a pair at the
#: rule's thresholds falls below with probability about 1e-3.
CHAR_ESTIMATE, WORD_ESTIMATE = 0.40, 0.60
_SKETCH_BLOCK = 8192  # texts signed and searched at once
_SKETCH_BUCKET = 16  # texts stored under one key (the earliest)

#: Below this many texts every pair is compared directly (the same verdicts, less setup).
_BRUTE_FORCE_LIMIT = 24
_EPSILON = 1e-9


@dataclass(frozen=True)
class NearDuplicates:
    """``first[j]``: an ``i < j`` such that text ``j`` nearly repeats text ``i``, or ``None``; the
    smallest such ``i`` if the ``exact`` search ran, else the smallest found."""

    first: list[int | None]
    exact: bool


def first_near_duplicates(texts: Sequence[TaskText], *, exact: bool | None = None) -> NearDuplicates:
    """For each text, the first earlier text it repeats; ``exact=None``: exact search up to
    :data:`EXACT_LIMIT` distinct texts."""
    n = len(texts)
    if n <= _BRUTE_FORCE_LIMIT:
        return NearDuplicates(
            [next((i for i in range(j) if is_near_duplicate(texts[i], texts[j])), None) for j in range(n)], exact=True
        )
    groups = _Groups(texts)
    if exact is None:
        exact = len(groups.reps) <= EXACT_LIMIT
    first_rep = _exact_first(groups) if exact else _sketch_first(groups)
    first: list[int | None] = []
    for i, r in enumerate(groups.rep_of):
        found = first_rep[r]
        if groups.reps[r] == i:
            first.append(None if found is None else groups.reps[found])
        else:  # a copy of an earlier text: that text's first match, else that text
            first.append(groups.reps[found] if found is not None else groups.reps[r])
    return NearDuplicates(first, exact)


def redundant_flags(texts: Sequence[TaskText]) -> list[bool]:
    """Per text, whether it repeats an earlier text exactly or nearly."""
    return [i is not None for i in first_near_duplicates(texts).first]


def near_duplicate_pairs(texts: Sequence[TaskText]) -> list[tuple[int, int]]:
    """All sorted pairs ``(i, j)``, ``i < j``, of near-duplicates (exact copies too), exactly.

    A large cluster of copies makes it quadratic: the report and the metric use
    :func:`first_near_duplicates`, which never lists pairs.
    """
    n = len(texts)
    if n <= _BRUTE_FORCE_LIMIT:
        return [(i, j) for i in range(n) for j in range(i + 1, n) if is_near_duplicate(texts[i], texts[j])]
    groups = _Groups(texts)
    index = _PrefixIndex(groups)
    members: list[list[int]] = [[] for _ in groups.reps]
    for i, r in enumerate(groups.rep_of):
        members[r].append(i)
    pairs: list[tuple[int, int]] = []
    for group in members:
        pairs.extend((a, b) for k, a in enumerate(group) for b in group[k + 1 :])
    for r in range(len(groups.reps)):
        for c in index.candidates(r):
            if groups.near(c, r):
                pairs.extend((a, b) if a < b else (b, a) for a in members[c] for b in members[r])
        index.add(r)
    pairs.sort()
    return pairs


class _Groups:
    """The distinct normalised texts of a collection (representatives), in order."""

    def __init__(self, texts: Sequence[TaskText]) -> None:
        slot: dict[str, int] = {}
        self.reps: list[int] = []  # first text index of each distinct norm
        self.rep_of: list[int] = []  # per text, its representative number
        for i, t in enumerate(texts):
            k = slot.setdefault(t.norm, len(self.reps))
            if k == len(self.reps):
                self.reps.append(i)
            self.rep_of.append(k)
        self.texts = [texts[i] for i in self.reps]

    def near(self, a: int, b: int) -> bool:
        """The rule on representatives ``a`` and ``b``."""
        return is_near_duplicate(self.texts[a], self.texts[b])


def _required_overlap(size: int, threshold: float) -> int:
    """Smallest overlap for Jaccard >= ``threshold`` (a hair low: rounding only lengthens a prefix)."""
    return max(1, math.ceil(threshold * size - _EPSILON))


def _ranks(sets: Iterable[frozenset[str]]) -> dict[str, int]:
    """Token -> rank: ascending number of sets holding it, ties by the token itself."""
    counts: Counter[str] = Counter()
    for s in sets:
        counts.update(s)
    order = sorted(counts.items(), key=lambda item: (item[1], item[0]))
    return {token: rank for rank, (token, _) in enumerate(order)}


class _PrefixIndex:
    """Prefix-filtering index over the representatives, filled in order."""

    def __init__(self, groups: _Groups) -> None:
        reps = groups.texts
        # One token space: 4-grams, then the content words of texts the Jaccard word
        # rule applies to, each ordered by how many distinct texts hold it.
        gram_rank = _ranks(t.grams for t in reps)
        word_rank = _ranks(t.content for t in reps if len(t.content) >= MIN_CONTENT_WORDS)
        offset = len(gram_rank)
        self.prefixes: list[list[int]] = []
        self.word_keys: list[frozenset[str] | None] = []
        for t in reps:
            ranks = sorted(map(gram_rank.__getitem__, t.grams))
            prefix = ranks[: len(ranks) - _required_overlap(len(ranks), CHAR_THRESHOLD) + 1] if ranks else []
            words = len(t.content)
            if words >= MIN_CONTENT_WORDS:
                ranks = sorted(word_rank[w] + offset for w in t.content)
                prefix += ranks[: words - _required_overlap(words, WORD_THRESHOLD) + 1]
                self.word_keys.append(None)
            else:  # 3 or 4 content words: the word rule needs the identical set
                self.word_keys.append(t.content if words >= MIN_EXACT_WORDS else None)
            self.prefixes.append(prefix)
        self.postings: dict[int, list[int]] = {}
        self.same_words: dict[frozenset[str], list[int]] = {}

    def candidates(self, r: int) -> list[int]:
        """Earlier representatives sharing a prefix token with ``r``, ascending."""
        lists = [p for p in map(self.postings.get, self.prefixes[r]) if p]
        key = self.word_keys[r]
        if key is not None and key in self.same_words:
            lists.append(self.same_words[key])
        return sorted(set().union(*lists))

    def add(self, r: int) -> None:
        """Index representative ``r`` (after every earlier one)."""
        for token in self.prefixes[r]:
            posting = self.postings.get(token)
            if posting is None:
                self.postings[token] = [r]
            else:
                posting.append(r)
        key = self.word_keys[r]
        if key is not None:
            self.same_words.setdefault(key, []).append(r)


def _exact_first(groups: _Groups) -> list[int | None]:
    index = _PrefixIndex(groups)
    first: list[int | None] = []
    for r in range(len(groups.reps)):
        first.append(next((c for c in index.candidates(r) if groups.near(c, r)), None))
        index.add(r)
    return first


def _sketch_candidates(sets: Sequence[frozenset[str]], threshold: float, estimate: float) -> tuple[np.ndarray, ...]:
    """``(later, earlier, estimate / threshold)`` candidate pairs among the non-empty ``sets``."""
    live = np.fromiter((i for i, s in enumerate(sets) if s), dtype=np.int64)
    index = LSHIndex(threshold, 128, estimate=estimate, bucket=_SKETCH_BUCKET)
    found: list[tuple[np.ndarray, ...]] = []
    for lo in range(0, live.size, _SKETCH_BLOCK):
        rows = live[lo : lo + _SKETCH_BLOCK]
        sig = minhash_signatures([sets[i] for i in rows.tolist()])
        item, earlier, equal = index.candidates(sig)
        index.store(sig, np.arange(rows.size))
        found.append((rows[item], live[earlier], equal / (128 * threshold)))
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True)) if found else (np.empty(0),) * 3


def _sketch_first(groups: _Groups) -> list[int | None]:
    words = [t.content if len(t.content) >= MIN_EXACT_WORDS else frozenset() for t in groups.texts]
    parts = [
        _sketch_candidates([t.grams for t in groups.texts], CHAR_THRESHOLD, CHAR_ESTIMATE),
        _sketch_candidates(words, WORD_THRESHOLD, WORD_ESTIMATE),
    ]
    later, earlier, score = (np.concatenate(column) for column in zip(*parts, strict=True))
    likely = score >= 1.0  # estimated a near-duplicate: the earliest first, then the most similar
    order = np.lexsort((earlier, np.where(likely, 0.0, -score), ~likely, later))
    first: list[int | None] = [None] * len(groups.texts)
    tried: dict[int, set[int]] = {}
    for r, c in zip(later[order].tolist(), earlier[order].tolist(), strict=True):
        seen = tried.setdefault(r, set())
        if first[r] is None and c not in seen and len(seen) < SKETCH_CANDIDATES:
            seen.add(c)
            if groups.near(c, r):
                first[r] = c
    return first
