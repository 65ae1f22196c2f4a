"""MinHash keys for the sketch search of :mod:`embtaskgen.quality.dedup`.

Each set of tokens gets keys (bands of ``ROWS`` MinHash values hashed together); two sets
share the key of a band with probability about ``J ** ROWS`` (``J`` their Jaccard
similarity). For 4-grams (about 100 per task) the values come from one-permutation
hashing (3 rounds of 64 bins, empty bins densified by rotation: Shrivastava 2017), for
content words (about 10) from 64 ordinary hash functions. A token's hash is its CRC-32
mixed by splitmix64, so keys do not depend on the process, the platform or the
collection. :class:`SketchIndex` sorts the keys band by band and turns them into
bounded candidate lists: per text, the latest ``neighbours`` earlier texts under each of
its keys; of those, the pairs whose signatures agree enough to be near-duplicates
(estimated 4-gram Jaccard >= :data:`CHAR_ESTIMATE` or word Jaccard >=
:data:`WORD_ESTIMATE`; a pair at the thresholds of the rule falls below with
probability about 1e-4), the most similar first, at most ``limit``. Texts are probed a
few thousand at a time, so memory stays bounded.

Example:
    >>> sets = [frozenset({"abcd", "bcde", "cdef"}), frozenset({"wxyz"}),
    ...         frozenset({"abcd", "bcde", "cdef"})]
    >>> candidate_pairs(sets, [frozenset()] * 3, neighbours=4, limit=8)
    ([2], [0])
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from itertools import chain
from typing import Any

__all__ = ["CHAR_BANDS", "CHAR_ESTIMATE", "ROWS", "WORD_BANDS", "WORD_ESTIMATE", "SketchIndex", "candidate_pairs"]

#: Values hashed into one key.
ROWS = 4
_CHAR_ROUNDS, _CHAR_BINS = 3, 64
_WORD_PERMS = 64
#: Keys per text from its 4-grams, and from its content words.
CHAR_BANDS = _CHAR_ROUNDS * _CHAR_BINS // ROWS
WORD_BANDS = _WORD_PERMS // ROWS
#: A pair is a candidate when its signatures estimate at least these Jaccard similarities.
CHAR_ESTIMATE, WORD_ESTIMATE = 0.40, 0.55
_U64 = (1 << 64) - 1
_NONE = 0xFFFFFFFF  # an empty bin (values are 31-bit)
_BLOCK = 8192  # texts signed at once
_LOOKS = ((32, 0.20), (96, 0.31))  # 4-gram values compared first, and the bar to pass


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - numpy is a dependency of embtaskgen
        raise ImportError("the sketch search for near-duplicates needs numpy: pip install numpy") from exc
    return numpy


def _mix(np: Any, x: Any) -> Any:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _flatten(np: Any, sets: Sequence[frozenset[str]]) -> tuple[Any, Any, Any]:
    """Per-token CRC-32 (uint64, one per distinct token), each set's token numbers
    concatenated (int32), and the number of tokens of each set."""
    vocab = list(set().union(*sets)) if sets else []
    number = dict(zip(vocab, range(len(vocab))))
    crc = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in vocab), dtype=np.uint64, count=len(vocab))
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    flat = np.fromiter(map(number.__getitem__, chain.from_iterable(sets)), dtype=np.int32, count=int(sizes.sum()))
    return crc, flat, sizes


def _value(np: Any, h: Any) -> Any:
    """31-bit hash values (so ``_NONE`` is never one) as uint32."""
    return (h >> np.uint64(33)).astype(np.uint32)


def _densify(np: Any, sig: Any) -> Any:
    """Fill each empty bin from the next non-empty one, cyclically, mixed with the
    distance (rotation densification); rows with no value at all stay empty."""
    bins = sig.shape[1]
    steps = np.arange(bins, dtype=np.int32)
    empty = sig == _NONE
    pos = np.where(empty, 2 * bins, steps)
    ahead = np.concatenate([pos, np.where(empty, 2 * bins, steps + bins)], axis=1)
    following = np.minimum.accumulate(ahead[:, ::-1], axis=1)[:, ::-1][:, :bins]
    found = following < 2 * bins
    source = np.take_along_axis(sig, np.where(found, following % bins, 0), axis=1)
    shift = (np.where(found, following, 0) - steps).astype(np.uint64)
    with np.errstate(over="ignore"):
        borrowed = _value(np, _mix(np, source.astype(np.uint64) + (shift << np.uint64(32))))
    return np.where(empty & found, borrowed, sig)


def _oph_signatures(np: Any, sets: Sequence[frozenset[str]]) -> Any:
    """One-permutation MinHash: per round, each token falls in one of the bins and a bin
    keeps its smallest hash; an empty bin borrows the next non-empty one's (rotation
    densification, Shrivastava 2017). Returns ``(n, rounds * bins)`` uint32. Made a few
    thousand sets at a time, so memory stays small."""
    n = len(sets)
    crc, flat, sizes = _flatten(np, sets)
    bins = _CHAR_BINS
    out = np.empty((n, _CHAR_ROUNDS * bins), dtype=np.uint32)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    with np.errstate(over="ignore"):
        for q in range(_CHAR_ROUNDS):
            h = _mix(np, crc + np.uint64(0x9E3779B97F4A7C15 * (q + 1) & _U64))
            where = (h % np.uint64(bins)).astype(np.int32)
            value = _value(np, h)
            for lo in range(0, n, _BLOCK):
                hi = min(n, lo + _BLOCK)
                tokens = flat[starts[lo] : ends[hi - 1]]
                slot = np.repeat(np.arange(hi - lo, dtype=np.int32) * bins, sizes[lo:hi])
                sig = np.full((hi - lo) * bins, _NONE, dtype=np.uint32)
                np.minimum.at(sig, slot + where[tokens], value[tokens])
                out[lo:hi, q * bins : (q + 1) * bins] = _densify(np, sig.reshape(hi - lo, bins))
    return out


def _minhash_signatures(np: Any, sets: Sequence[frozenset[str]]) -> Any:
    """Classic MinHash with ``_WORD_PERMS`` hash functions; ``(n, perms)`` uint32 (empty
    sets: all ``_NONE``). Made a few thousand sets at a time, so memory stays small."""
    n = len(sets)
    crc, flat, sizes = _flatten(np, sets)
    out = np.full((n, _WORD_PERMS), _NONE, dtype=np.uint32)
    if flat.size == 0:
        return out
    salts = np.arange(1, _WORD_PERMS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        table = _value(np, _mix(np, crc[:, None] + salts[None, :]))  # (vocabulary, perms)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    for lo in range(0, n, _BLOCK // 2):
        hi = min(n, lo + _BLOCK // 2)
        live = np.flatnonzero(sizes[lo:hi]) + lo
        if live.size:
            block = table[flat[starts[lo] : ends[hi - 1]]]
            out[live] = np.minimum.reduceat(block, starts[live] - starts[lo], axis=0)
    return out


def _band_keys(np: Any, sig: Any, salt: int) -> Any:
    """One uint64 key per band of ``ROWS`` values: ``(n, bands)``."""
    n, width = sig.shape
    bands = width // ROWS
    with np.errstate(over="ignore"):
        key = np.full((n, bands), np.uint64(salt), dtype=np.uint64)
        for k in range(ROWS):
            key = _mix(np, key ^ sig[:, k::ROWS][:, :bands].astype(np.uint64))
        return key + np.arange(bands, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)


_LOW7 = 0x7F7F7F7F7F7F7F7F


def _agreement(np: Any, low: Any, later: Any, earlier: Any) -> Any:
    """Share of equal signature values per pair (the Jaccard estimate).

    ``low`` holds the low byte of each value, 8 to a uint64 word (a chance match, 1 in
    256, raises an estimate by 0.004 on average: harmless for a filter). Equal bytes are
    the zero bytes of the XOR of two rows, counted 8 at a time with a bit trick.
    """
    x = low[later] ^ low[earlier]
    if not hasattr(np, "bitwise_count"):  # numpy < 2.0
        zero = (x.view(np.uint8) == 0).sum(axis=1)
    else:
        high = ~(((x & np.uint64(_LOW7)) + np.uint64(_LOW7)) | x | np.uint64(_LOW7))
        zero = np.bitwise_count(high).sum(axis=1, dtype=np.int64)
    return zero / np.float32(low.shape[1] * 8)


class SketchIndex:
    """MinHash keys of a collection, sorted band by band, ready to be probed.

    Args:
        gram_sets: Per text, its character n-grams.
        word_sets: Per text, its content words (empty: no word keys).
    """

    #: Texts probed at once (bounds the memory of the candidate pairs).
    CHUNK = 4096

    def __init__(self, gram_sets: Sequence[frozenset[str]], word_sets: Sequence[frozenset[str]]) -> None:
        np = self.np = _numpy()
        n = self.n = len(gram_sets)
        self.words = np.fromiter(map(bool, word_sets), dtype=bool, count=n)
        char_sig = _oph_signatures(np, gram_sets)
        word_sig = _minhash_signatures(np, word_sets)
        self.char_low = np.ascontiguousarray(char_sig.astype(np.uint8)).view(np.uint64)
        self.word_low = np.ascontiguousarray(word_sig.astype(np.uint8)).view(np.uint64)
        self.bands: list[tuple[Any, Any, Any]] = []  # sorted keys, their rows, row -> place
        for sig, live, salt in (
            (char_sig, np.fromiter(map(bool, gram_sets), dtype=bool, count=n), 1),
            (word_sig, self.words, 2),
        ):
            rows = np.flatnonzero(live)
            keys = _band_keys(np, sig[rows], salt)
            for band in range(keys.shape[1]):
                order = np.lexsort((rows, keys[:, band]))
                place = np.full(n, -1, dtype=np.int32)
                place[rows[order]] = np.arange(rows.size, dtype=np.int32)
                self.bands.append((keys[order, band], rows[order], place))

    def candidates(
        self, probes: Sequence[int], neighbours: int, limit: int, bar: float = 1.0
    ) -> tuple[list[int], list[int]]:
        """Candidate pairs ``(later, earlier)`` for the ``probes`` (ascending positions).

        Per probe: the ``neighbours`` latest earlier texts under each of its keys; of those
        the pairs whose signatures estimate a near-duplicate (``bar`` times the estimate
        bars, :data:`CHAR_ESTIMATE` or :data:`WORD_ESTIMATE`), most similar first, at most
        ``limit``. Two parallel lists, grouped by ``later`` ascending.
        """
        np = self.np
        later_all: list[int] = []
        earlier_all: list[int] = []
        probes = np.asarray(probes, dtype=np.int64)
        for lo in range(0, probes.size, self.CHUNK):
            later, earlier = self._chunk(probes[lo : lo + self.CHUNK], neighbours, limit, bar)
            later_all += later
            earlier_all += earlier
        return later_all, earlier_all

    def _chunk(self, probes: Any, neighbours: int, limit: int, bar: float) -> tuple[list[int], list[int]]:
        np, n = self.np, self.n
        found = []
        for keys, rows, place in self.bands:
            at = place[probes]
            live = at >= 0
            mine, at = probes[live], at[live]
            for d in range(1, neighbours + 1):
                back = at - d
                same = back >= 0
                same[same] = keys[back[same]] == keys[at[same]]
                if not same.any():
                    break
                found.append(mine[same] * n + rows[back[same]])
                mine, at = mine[same], at[same]  # a run of equal keys only gets shorter
        if not found:
            return [], []
        pairs = np.sort(np.concatenate(found))
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        later, earlier = pairs // n, pairs % n
        # Looks at 32, then 96 of the 4-gram values drop most pairs cheaply (a pair at the
        # rule's threshold falls below either bar with probability ~1e-4); the word
        # signatures get a say only for the pairs they drop.
        passed = np.ones(later.size, dtype=bool)
        for values, least in _LOOKS:
            look = _agreement(np, self.char_low[:, : values // 8], later[passed], earlier[passed])
            passed[passed] = look >= least
        word_est = np.zeros(later.size, dtype=np.float32)
        ask = ~passed & self.words[later] & self.words[earlier]
        word_est[ask] = _agreement(np, self.word_low, later[ask], earlier[ask])
        keep = passed | (word_est >= WORD_ESTIMATE)
        later, earlier, word_est = later[keep], earlier[keep], word_est[keep]
        char_est = _agreement(np, self.char_low, later, earlier)
        score = np.maximum(char_est / np.float32(CHAR_ESTIMATE), word_est / np.float32(WORD_ESTIMATE))
        keep = score >= bar
        later, earlier, score = later[keep], earlier[keep], score[keep]
        order = np.lexsort((earlier, -score, later))
        later, earlier = later[order], earlier[order]
        group = np.flatnonzero(np.concatenate(([True], later[1:] != later[:-1])))
        rank = np.arange(later.size) - np.repeat(group, np.diff(np.append(group, later.size)))
        keep = rank < limit
        return later[keep].tolist(), earlier[keep].tolist()


def candidate_pairs(
    gram_sets: Sequence[frozenset[str]], word_sets: Sequence[frozenset[str]], neighbours: int, limit: int
) -> tuple[list[int], list[int]]:
    """:meth:`SketchIndex.candidates` for every text of a collection."""
    return SketchIndex(gram_sets, word_sets).candidates(range(len(gram_sets)), neighbours, limit)
