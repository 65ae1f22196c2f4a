"""Find the near-duplicate pairs among many tasks, fast.

Small lists (up to :data:`BRUTE_FORCE_LIMIT`) are compared pair by pair, exactly.
Larger collections (a whole JSONL file) first gather candidate pairs by MinHash
locality-sensitive hashing, one index per similarity of the rule (character 4-grams:
32 bands of 4 hashes; content words: 20 bands of 4), then verify every candidate with
:func:`is_near_duplicate`, so no pair is reported that the rule rejects. A pair at the
character threshold (Jaccard 0.55) is a candidate with probability 0.95, at 0.65 with
0.996; exact duplicates are always found. Hashes are CRC-32 and the permutations come
from a fixed seed, so the result does not change between runs or processes. 10,000
heavily templated tasks take a few seconds.

Example:
    >>> texts = [TaskText.of(s) for s in ("Retrieve news articles about a company.",
    ...          "Retrieve news articles about a company!", "Classify emails by urgency.")]
    >>> near_duplicate_pairs(texts)
    [(0, 1)]
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from embtaskgen.quality.similarity import MIN_EXACT_WORDS, is_near_duplicate
from embtaskgen.quality.text import TaskText

__all__ = ["BRUTE_FORCE_LIMIT", "near_duplicate_pairs", "redundant_flags"]

#: Up to this many texts every pair is compared directly.
BRUTE_FORCE_LIMIT = 64
_CHAR_BANDS = (32, 4)
_WORD_BANDS = (20, 4)


def near_duplicate_pairs(texts: Sequence[TaskText]) -> list[tuple[int, int]]:
    """All index pairs ``(i, j)``, ``i < j``, of texts that are near-duplicates.

    Args:
        texts: Task features; exact duplicates (equal ``norm``) are reported as pairs too.

    Returns:
        The pairs, sorted.
    """
    n = len(texts)
    if n <= BRUTE_FORCE_LIMIT:
        return [(i, j) for i in range(n) for j in range(i + 1, n)
                if is_near_duplicate(texts[i], texts[j])]
    reps, members, buckets = _index(texts)
    pairs = _exact_pairs(texts)
    checked: set[tuple[int, int]] = set()
    for bucket in buckets:
        for x, y in combinations(bucket, 2):
            if (x, y) in checked:
                continue
            checked.add((x, y))
            if is_near_duplicate(texts[reps[x]], texts[reps[y]]):
                for i in members[x]:
                    for j in members[y]:
                        pairs.add((i, j) if i < j else (j, i))
    return sorted(pairs)


def redundant_flags(texts: Sequence[TaskText]) -> list[bool]:
    """Per text, whether it repeats an earlier text exactly or nearly.

    The same verdicts as :func:`near_duplicate_pairs` (a text is flagged when it is the
    later of some pair), without listing every pair of a large cluster.
    """
    n = len(texts)
    flags = [False] * n
    if n <= BRUTE_FORCE_LIMIT:
        for _, later in near_duplicate_pairs(texts):
            flags[later] = True
        return flags
    reps, members, buckets = _index(texts)
    for group in members:
        for i in group[1:]:
            flags[i] = True  # exact duplicates of an earlier text
    in_buckets: dict[int, list[int]] = defaultdict(list)
    for b, bucket in enumerate(buckets):
        for x in bucket:
            in_buckets[x].append(b)
    for y in range(len(reps)):
        seen: set[int] = set()
        found = False
        for b in in_buckets.get(y, ()):
            for x in buckets[b]:
                if x >= y:
                    break
                if x in seen:
                    continue
                seen.add(x)
                if is_near_duplicate(texts[reps[x]], texts[reps[y]]):
                    found = True
                    break
            if found:
                break
        if found:
            # The representative is the first of its text, so all copies are later too.
            for i in members[y]:
                flags[i] = True
    return flags


def _index(texts: Sequence[TaskText]) -> tuple[list[int], list[list[int]], list[list[int]]]:
    """Representatives (first index of each normalised text), their members, and the
    LSH buckets (sorted lists of representative numbers) with more than one member."""
    slot: dict[str, int] = {}
    reps: list[int] = []
    members: list[list[int]] = []
    for i, t in enumerate(texts):
        k = slot.setdefault(t.norm, len(reps))
        if k == len(reps):
            reps.append(i)
            members.append([])
        members[k].append(i)
    rep_texts = [texts[i] for i in reps]
    buckets = _lsh_buckets([t.grams for t in rep_texts], *_CHAR_BANDS)
    buckets += _lsh_buckets(
        [t.content if len(t.content) >= MIN_EXACT_WORDS else frozenset() for t in rep_texts],
        *_WORD_BANDS)
    return reps, members, buckets


def _exact_pairs(texts: Sequence[TaskText]) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        groups[t.norm].append(i)
    return {(a, b) for idx in groups.values() if len(idx) > 1
            for k, a in enumerate(idx) for b in idx[k + 1:]}


_PRIME = (1 << 32) - 5
_SEED = 20240101


def _signatures(sets: Sequence[frozenset[str]], num_perm: int) -> Any:
    np = _numpy()
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, _PRIME, num_perm, dtype=np.uint64)
    b = rng.integers(0, _PRIME, num_perm, dtype=np.uint64)
    sig = np.full((len(sets), num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i, items in enumerate(sets):
        if items:
            h = np.fromiter((zlib.crc32(x.encode("utf-8")) for x in items), dtype=np.uint64,
                            count=len(items))
            sig[i] = ((np.outer(h, a) + b) % _PRIME).min(axis=0)
    return sig


def _lsh_buckets(sets: Sequence[frozenset[str]], bands: int, rows: int) -> list[list[int]]:
    """Groups (ascending indices) of non-empty sets that agree on all ``rows`` MinHashes
    of some band."""
    sig = _signatures(sets, bands * rows)
    live = [i for i, items in enumerate(sets) if items]
    found: list[list[int]] = []
    for band in range(bands):
        block = sig[:, band * rows:(band + 1) * rows]
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i in live:
            buckets[block[i].tobytes()].append(i)
        found.extend(group for group in buckets.values() if len(group) > 1)
    return found


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - numpy is a dependency of embtaskgen
        raise ImportError(
            f"comparing more than {BRUTE_FORCE_LIMIT} tasks needs numpy: pip install numpy"
        ) from exc
    return numpy
