"""The one MinHash LSH index: texts arrive in order, a block of signatures at a time.

A signature's ``bands`` bands of ``rows`` values are hashed (splitmix64, the same in
every process) to keys. ``rows`` is the largest for which a pair at the threshold shares
a key with probability :data:`CANDIDATE_RECALL` (32 bands of 4 at 0.7 and 128 values).
:meth:`LSHIndex.add` (``dedup``) drops a text whose best candidate (most equal values,
then earliest) reaches ``threshold`` and stores the others, so texts meet kept ones only;
the report's search stores every text. Memory per stored text: its signature, its values'
two low bits (a pair whose low bits differ too often cannot reach the threshold: most
candidates are ruled out without reading their values), 8 bytes per band (the key's top
32 bits and the text's number; a match is confirmed on values) and about 1 byte per band
of tables over those top bits that find a key's entries without a search
(:class:`~embtaskgen.dedup.key_run.KeyRun`). Per band, the top 32 bits of a key lead to
the earliest :data:`BUCKET_LIMIT` stored texts only, whatever the text count: a later
text is not stored under a key so crowded (only under its others).

Example:
    >>> import numpy as np
    >>> index = LSHIndex(threshold=0.7, num_perm=16)
    >>> sig = np.array([[1] * 16, [2] * 16, [1] * 15 + [9]], dtype=np.uint32)
    >>> kept_of, estimate = index.add(sig)
    >>> kept_of.tolist(), estimate.tolist()
    ([-1, -1, 0], [0.0, 0.0, 0.9375])
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from embtaskgen.dedup.key_run import KeyRun, spans
from embtaskgen.errors import ConfigError

__all__ = ["BUCKET_LIMIT", "CANDIDATE_RECALL", "LSHIndex", "check_threshold", "lsh_bands"]

#: Probability wanted that a pair exactly at the threshold shares at least one key.
CANDIDATE_RECALL = 0.99
#: Most texts stored under one key (the earliest), so a key shared by many texts (a common
#: template) costs a bounded number of comparisons, the same at any dataset size.
BUCKET_LIMIT = 64
_PAIR_STEP = 32768  # candidate pairs compared at once (4 MB of values at 128)
_CHUNK_BITS = 20
_CHUNK = 1 << _CHUNK_BITS  # stored signatures per chunk (memory is taken as rows are written)
_LOW = np.uint64(0xFFFFFFFF)
_U64 = np.uint64


def check_threshold(threshold: object) -> float:
    """Validate a Jaccard threshold in (0, 1]."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < float(threshold) <= 1.0:
        raise ConfigError(f"threshold must be a number in (0, 1], got {threshold!r}")
    return float(threshold)


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` for ``threshold``: ``(32, 4)`` at 0.7 and 128."""
    best = 1
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= CANDIDATE_RECALL:
            best = rows
    return num_perm // best, best


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise on ``uint64``."""
    x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def _take(values: np.ndarray, rows: np.ndarray, columns: slice) -> np.ndarray:
    """``values[rows, columns]``, gathered as one item per row (several times faster)."""
    part = values[:, columns]
    width = part.shape[1]
    return part.view(f"V{width * values.itemsize}")[:, 0][rows].view(values.dtype).reshape(rows.size, width)


def _entries(run: list[KeyRun]) -> int:
    """Stored keys of a run, all bands."""
    return sum(map(len, run))


def _distinct(left: list[np.ndarray], right: list[np.ndarray], base: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs of the concatenated ``left`` and ``right`` (``right < base``), sorted."""
    if not left:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    code = np.concatenate(left).astype(np.int64) * base + np.concatenate(right)
    code.sort()
    code = code[np.concatenate(([True], code[1:] != code[:-1]))[: code.size]]
    return code // base, code % base


class LSHIndex:
    """Stored texts' signatures and band keys; ``estimate``: least estimated similarity of a
    candidate (default ``threshold``). A block's kept texts make a run (per band a
    :class:`~embtaskgen.dedup.key_run.KeyRun`: a lookup costs the same at any size); a run
    is merged into the previous while that holds at most four times its entries, so a
    block looks its keys up in a few runs. The candidates are a key's earliest ``bucket``
    stored texts, however the runs hold them."""

    def __init__(
        self, threshold: float, num_perm: int, *, estimate: float | None = None, bucket: int = BUCKET_LIMIT
    ) -> None:
        self.bucket = bucket
        self.threshold = check_threshold(threshold)
        self.num_perm = num_perm
        self.bands, self.rows = lsh_bands(self.threshold, num_perm)
        least = self.threshold if estimate is None else estimate
        self._need = math.ceil(least * num_perm - 1e-9)  # equal values a candidate needs
        self._runs: list[list[KeyRun]] = []  # per run (texts in order), per band
        self._sigs: list[np.ndarray] = []  # chunks of stored signatures
        self._marks: list[np.ndarray] = []  # and of their two low bits (:meth:`_marks_of`)
        self._ids = np.empty(1024, dtype=np.int64)  # stored number -> position
        self._last: tuple[np.ndarray, ...] | None = None  # (sig, keys, marks, have) of candidates()
        self.kept = 0  # texts stored so far
        self.seen = 0  # texts added so far

    def _keys(self, sig: np.ndarray) -> np.ndarray:
        """``(n, bands)`` keys, salted by band so that all bands share one key space."""
        n = sig.shape[0]
        with np.errstate(over="ignore"):
            keys = np.broadcast_to(
                np.arange(1, self.bands + 1, dtype=np.uint64) * _U64(0x9E3779B97F4A7C15), (n, self.bands)
            ).copy()
            for k in range(self.rows):
                keys = _mix(keys ^ sig[:, k : self.bands * self.rows : self.rows].astype(np.uint64))
        return keys

    def _stored(self, numbers: np.ndarray, columns: slice, chunks: list[np.ndarray] | None = None) -> np.ndarray:
        """The stored signatures' (or ``chunks``') values in ``columns`` for stored ``numbers``."""
        chunks = self._sigs if chunks is None else chunks
        if len(chunks) == 1:
            return _take(chunks[0], numbers, columns)
        width = len(range(*columns.indices(chunks[0].shape[1])))
        out = np.empty((numbers.size, width), dtype=chunks[0].dtype)
        if not numbers.size:
            return out
        chunk = numbers >> _CHUNK_BITS
        for c in range(int(chunk.min()), int(chunk.max()) + 1):
            mine = chunk == c
            out[mine] = _take(chunks[c], numbers[mine] & (_CHUNK - 1), columns)
        return out

    @staticmethod
    def _marks_of(sig: np.ndarray) -> np.ndarray:
        """Per text, the two low bits of its values as two bit planes of ``uint64`` words."""
        planes = [np.packbits((sig & k).astype(bool), axis=1) for k in (1, 2)]
        pad = ((0, 0), (0, -planes[0].shape[1] % 8))
        return np.ascontiguousarray(np.hstack([np.pad(p, pad) for p in planes])).view(np.uint64)

    def _likely(self, marks: np.ndarray, item: np.ndarray, other: np.ndarray, stored: bool = True) -> np.ndarray:
        """Whether pair ``k`` (a block text and a stored or block text) may reach ``_need``:
        values whose two low bits differ are unequal."""
        x = np.take(marks, item, axis=0)
        x ^= self._stored(other, slice(None), self._marks) if stored else np.take(marks, other, axis=0)
        half = x.shape[1] // 2
        differ = np.zeros(item.size, dtype=np.uint64)
        for word in range(half):
            differ += np.bitwise_count(x[:, word] | x[:, half + word])
        return differ <= self.num_perm - self._need

    def _equal(self, sig: np.ndarray, item: np.ndarray, other: np.ndarray, stored: bool) -> np.ndarray:
        """Equal values of ``sig[item[k]]`` and (stored or block) text ``other[k]``, per
        pair; pairs that cannot reach ``_need`` after the first half may count short."""
        out = np.zeros(item.size, dtype=np.int64)
        half = self.num_perm // 2
        for lo in range(0, item.size, _PAIR_STEP):
            a, b = item[lo : lo + _PAIR_STEP], other[lo : lo + _PAIR_STEP]
            first = self._stored(b, slice(0, half)) if stored else sig[b, :half]
            equal = np.count_nonzero(sig[a, :half] == first, axis=1)
            live = np.flatnonzero(equal + (self.num_perm - half) >= self._need)
            second = self._stored(b[live], slice(half, None)) if stored else sig[b[live], half:]
            equal[live] += np.count_nonzero(sig[a[live], half:] == second, axis=1)
            out[lo : lo + a.size] = equal
        return out

    def _earlier(
        self, keys: np.ndarray, sig: np.ndarray, marks: np.ndarray, have: np.ndarray
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per run, the distinct ``(item, stored number)`` pairs sharing a key that may reach
        ``_need``; ``have[item, band]`` counts the stored entries with its key's top bits
        (at most ``bucket`` in all runs together: each run's are taken whole)."""
        tops = np.ascontiguousarray(((keys >> _U64(32)) << _U64(32)).T)  # per band, the keys' top bits
        for run in self._runs:
            items, found = [], []
            for band, table in enumerate(run):
                cols = slice(band * self.rows, (band + 1) * self.rows)
                item, number = table.find(tops[band])
                have[:, band] += np.bincount(item, minlength=keys.shape[0])
                likely = self._likely(marks, item, number)
                item, number = item[likely], number[likely]
                same = (_take(sig, item, cols) == self._stored(number, cols)).all(axis=1)
                items.append(item[same])
                found.append(number[same])
            yield _distinct(items, found, self.kept + 1)

    def _same_block(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct ``(later, earlier)`` pairs of the block sharing a key: per key, the
        nearest ``bucket`` earlier texts."""
        flat = keys.ravel()
        low = _U64((1 << max(1, (flat.size - 1).bit_length())) - 1)
        order = (np.sort(flat & ~low | np.arange(flat.size, dtype=np.uint64)) & low).astype(np.int64)
        ranked = flat[order]
        if (ranked[1:] < ranked[:-1]).any():  # keys that differ in the low bits only: sort them all
            order = np.argsort(flat, kind="stable")
            ranked = flat[order]
        who = order // self.bands  # equal keys: earlier texts first
        at = np.arange(flat.size)
        start = np.maximum.accumulate(np.where(np.concatenate(([True], ranked[1:] != ranked[:-1])), at, 0))
        count = np.minimum(at - start, self.bucket)  # equal keys at distance 1 .. count before
        later, earlier = [who[np.repeat(at, count)]], [who[spans(at - count, count)]]
        a, b = _distinct(later, earlier, keys.shape[0])
        return a[a != b], b[a != b]

    def candidates(self, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(item, earlier, equal)`` pairs of a block's text, an earlier text's position and
        their equal values (at least ``estimate * num_perm``), sorted; :meth:`store` follows."""
        if sig.ndim != 2 or sig.shape[1] != self.num_perm:
            raise ConfigError(f"signatures must be (n, {self.num_perm}), got {sig.shape}")
        sig = np.ascontiguousarray(sig)
        keys, marks = self._keys(sig), self._marks_of(sig)
        have = np.zeros(keys.shape, dtype=np.int64)
        self._last = (sig, keys, marks, have)
        parts = []
        for item, number in self._earlier(keys, sig, marks, have):  # one run at a time: little memory at once
            equal = self._equal(sig, item, number, stored=True)
            ok = equal >= self._need
            parts.append((item[ok], self._ids[number[ok]], equal[ok]))
        later, inside = self._same_block(keys)
        likely = self._likely(marks, later, inside, stored=False)
        later, inside = later[likely], inside[likely]
        equal = self._equal(sig, later, inside, stored=False)
        ok = equal >= self._need
        parts.append((later[ok], inside[ok] + self.seen, equal[ok]))
        item, earlier, equal = (np.concatenate(column) for column in zip(*parts, strict=True))
        order = np.lexsort((earlier, item))
        return item[order], earlier[order], equal[order]

    def store(self, sig: np.ndarray, mine: np.ndarray) -> None:
        """Store the block's texts ``mine`` (ascending) and count the whole block seen."""
        count = mine.size
        while self.kept + count > self._ids.size:
            self._ids = np.concatenate([self._ids, np.empty_like(self._ids)])
        self._ids[self.kept : self.kept + count] = self.seen + mine
        numbers = np.arange(self.kept, self.kept + count, dtype=np.uint64)
        if self._last is None or self._last[0] is not sig:
            self.candidates(sig)  # counts the stored keys
        block, keys, marks, have = self._last or ()
        self._last = None
        done = 0
        while done < count:  # fill the last chunk, then open another
            at = (self.kept + done) & (_CHUNK - 1)
            if at == 0:
                self._sigs.append(np.empty((_CHUNK, self.num_perm), dtype=np.uint32))
                self._marks.append(np.empty((_CHUNK, marks.shape[1]), dtype=np.uint64))
            part = mine[done : done + _CHUNK - at]
            np.take(block, part, axis=0, out=self._sigs[-1][at : at + part.size])
            np.take(marks, part, axis=0, out=self._marks[-1][at : at + part.size])
            done += part.size
        keys, have = keys[mine], have[mine]
        if count:  # a run of the block's texts; per key's top bits, the earliest ``bucket`` stored texts only
            tops = (keys >> _U64(32)) << _U64(32)
            run = []
            for band in range(self.bands):
                column = np.sort(tops[:, band] | numbers)
                rank = np.arange(count)
                new = np.r_[True, (column[1:] ^ column[:-1]) > _LOW][:count]  # another key's top bits
                rank -= np.maximum.accumulate(np.where(new, rank, 0))
                column = column[have[(column & _LOW) - _U64(self.kept), band] + rank < self.bucket]
                run.append(KeyRun(column))
            self._runs.append(run)
        while len(self._runs) > 1 and _entries(self._runs[-2]) <= 4 * _entries(self._runs[-1]):
            newer, older = self._runs.pop(), self._runs.pop()
            for band in range(self.bands):  # one band at a time: little memory at once
                older[band] = newer[band] = KeyRun.merged(older[band], newer[band])  # in place of both
            self._runs.append(older)
        self.kept += count
        self.seen += sig.shape[0]

    def add(self, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add a block and decide each text: ``(kept_of, estimate)``, the position of the kept
        text it nearly duplicates (-1: kept) and their estimated Jaccard (0.0: kept)."""
        n = sig.shape[0]
        item, earlier, equal = self.candidates(sig)
        kept_of = np.full(n, -1, dtype=np.int64)
        score = np.zeros(n, dtype=np.int64)
        before = earlier < self.seen
        order = np.lexsort((earlier[before], -equal[before], item[before]))  # most equal, then earliest
        a, b, e = item[before][order], earlier[before][order], equal[before][order]
        first = np.concatenate(([True], a[1:] != a[:-1]))[: a.size]
        kept_of[a[first]], score[a[first]] = b[first], e[first]
        kept = kept_of < 0
        inside = ~before
        a, b, e = item[inside].tolist(), (earlier[inside] - self.seen).tolist(), equal[inside].tolist()
        for k, (i, j, eq) in enumerate(zip(a, b, e, strict=True)):  # ascending i: an earlier text's fate is known
            if kept[j] and (kept_of[i] < 0 or eq > score[i] or (eq == score[i] and self.seen + j < kept_of[i])):
                kept_of[i], score[i] = self.seen + j, eq
            if k + 1 == len(a) or a[k + 1] != i:
                kept[i] = kept_of[i] < 0
        estimate = np.where(kept_of < 0, 0.0, score / self.num_perm).astype(np.float32)
        self.store(sig, np.flatnonzero(kept_of < 0))
        return kept_of, estimate
