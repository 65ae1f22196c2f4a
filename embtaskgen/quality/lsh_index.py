"""The streaming MinHash LSH index behind ``embtaskgen dedup``: keep the first of each cluster.

Texts arrive in order, a block of signatures at a time. Each signature is cut into
``bands`` bands of ``rows`` values; a band's values hashed together make one key. A
text is compared with the *kept* texts that share at least one key with it (the LSH
candidates, at most :data:`BUCKET_LIMIT` per key), by the share of equal signature
values (the MinHash estimate of their Jaccard similarity). If the best estimate reaches
``threshold`` the text is a near-duplicate of that kept text (the earliest on a tie) and
is dropped; otherwise it is kept and its keys join the index. A dropped text is never a
candidate, so every cluster is represented by its first text, and a text is compared
only with kept texts.

``rows`` is the largest number for which a pair exactly at the threshold shares a key
with probability at least :data:`CANDIDATE_RECALL` (``bands = num_perm // rows``):
128 values at threshold 0.7 give 32 bands of 4 (a pair at Jaccard 0.7 becomes a
candidate with probability 0.9998, at 0.5 with 0.87, at 0.3 with 0.23). Keys are
mixed from the values with splitmix64, so they do not depend on the process.

Memory: per kept text, its signature (``4 * num_perm`` bytes) and 16 bytes per band;
nothing per dropped text.

Example:
    >>> import numpy as np
    >>> index = LSHIndex(threshold=0.7, num_perm=16)
    >>> sig = np.array([[1] * 16, [2] * 16, [1] * 15 + [9]], dtype=np.uint32)
    >>> kept_of, estimate = index.add(sig)
    >>> kept_of.tolist(), estimate.tolist()
    ([-1, -1, 0], [0.0, 0.0, 0.9375])
"""

from __future__ import annotations

import numpy as np

from embtaskgen.errors import ConfigError

__all__ = ["BUCKET_LIMIT", "CANDIDATE_RECALL", "LSHIndex", "check_threshold", "lsh_bands"]

#: Probability wanted that a pair exactly at the threshold shares at least one key.
CANDIDATE_RECALL = 0.99
#: Most candidates taken under one key: per sorted run of keys the earliest kept texts,
#: within a block the nearest earlier texts. A key shared by many texts that are not
#: near-duplicates (a common template) costs a bounded number of comparisons.
BUCKET_LIMIT = 64
_PAIR_STEP = 32768  # candidate pairs compared at once (4 MB of values at 128)

_U64 = np.uint64


def check_threshold(threshold: object) -> float:
    """Validate a Jaccard threshold: a number above 0 and at most 1.

    Example:
        >>> check_threshold(1.5)
        Traceback (most recent call last):
        ...
        embtaskgen.errors.ConfigError: threshold must be a number in (0, 1], got 1.5
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < float(threshold) <= 1.0:
        raise ConfigError(f"threshold must be a number in (0, 1], got {threshold!r}")
    return float(threshold)


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` for ``threshold`` (see the module docstring).

    Example:
        >>> lsh_bands(0.7, 128)
        (32, 4)
    """
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


class LSHIndex:
    """Kept texts' signatures and band keys, filled in order (see the module docstring).

    The keys live in sorted numpy runs (``uint64`` key, ``int64`` kept number: 16 bytes
    per key), merged as they grow (each new run is merged with the previous one while
    that one is at most twice its size), so a block's lookups are a few
    ``searchsorted`` calls and memory is ``bands * 16 + num_perm * 4`` bytes per kept text.

    Args:
        threshold: Estimated Jaccard similarity at or above which a text is a
            near-duplicate of a kept one, in (0, 1].
        num_perm: Values per signature.
    """

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.threshold = check_threshold(threshold)
        self.num_perm = num_perm
        self.bands, self.rows = lsh_bands(self.threshold, num_perm)
        self._need = self.threshold * num_perm - 1e-9  # equal values a near-duplicate needs
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, kept numbers)
        self._sigs = np.empty((1024, num_perm), dtype=np.uint32)
        self._ids = np.empty(1024, dtype=np.int64)  # kept number -> position
        self.kept = 0  # kept texts so far
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

    def _equal(self, a: np.ndarray, b: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Equal values of ``a[left[k]]`` and ``b[right[k]]`` per pair, in bounded steps."""
        out = np.empty(left.size, dtype=np.int64)
        for lo in range(0, left.size, _PAIR_STEP):
            hi = lo + _PAIR_STEP
            out[lo:hi] = np.count_nonzero(a[left[lo:hi]] == b[right[lo:hi]], axis=1)
        return out

    def _earlier_kept(self, keys: np.ndarray, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per text of the block, its best kept candidate from earlier blocks (kept
        number, or -1) and their equal values."""
        n = keys.shape[0]
        order = np.argsort(keys.ravel())  # sorted needles: the searches stay in cache
        needles, owners = keys.ravel()[order], order // self.bands
        items, cands = [], []
        for run_keys, run_ids in self._runs:
            flat, owner = needles, owners
            at = np.searchsorted(run_keys, flat)
            for _ in range(BUCKET_LIMIT):  # the equal keys from ``at`` on, the earliest first
                inside = at < run_keys.size
                hit = inside.copy()
                hit[inside] = run_keys[at[inside]] == flat[inside]
                if not hit.any():
                    break
                items.append(owner[hit])
                cands.append(run_ids[at[hit]])
                flat, owner, at = flat[hit], owner[hit], at[hit] + 1
        best = np.full(n, -1, dtype=np.int64)
        score = np.zeros(n, dtype=np.int64)
        if not items:
            return best, score
        pair = np.unique(np.concatenate(items) * (self.kept + 1) + np.concatenate(cands))
        item, cand = pair // (self.kept + 1), pair % (self.kept + 1)
        equal = self._equal(sig, self._sigs, item, cand)
        ok = equal >= self._need
        item, cand, equal = item[ok], cand[ok], equal[ok]
        order = np.lexsort((cand, -equal, item))  # per text: most equal, then earliest
        item, cand, equal = item[order], cand[order], equal[order]
        first = np.concatenate(([True], item[1:] != item[:-1]))
        best[item[first]], score[item[first]] = cand[first], equal[first]
        return best, score

    def _same_block(self, keys: np.ndarray, sig: np.ndarray) -> dict[int, list[tuple[int, int]]]:
        """Per text, its earlier texts of the same block that share a key and would be
        near-duplicates: later -> [(earlier, equal values)]."""
        n = keys.shape[0]
        flat = keys.ravel()
        order = np.argsort(flat, kind="stable")  # equal keys: earlier texts first
        ranked, who = flat[order], order // self.bands
        later, earlier = [], []
        for d in range(1, BUCKET_LIMIT + 1):
            same = ranked[d:] == ranked[:-d] if d < ranked.size else np.zeros(0, dtype=bool)
            if not same.any():
                break
            later.append(who[d:][same])
            earlier.append(who[:-d][same])
        if not later:
            return {}
        pair = np.unique(np.concatenate(later) * n + np.concatenate(earlier))
        a, b = pair // n, pair % n
        keep = a != b
        a, b = a[keep], b[keep]
        equal = self._equal(sig, sig, a, b)
        ok = equal >= self._need
        found: dict[int, list[tuple[int, int]]] = {}
        for i, j, e in zip(a[ok].tolist(), b[ok].tolist(), equal[ok].tolist()):
            found.setdefault(i, []).append((j, e))
        return found

    def _store(self, sig: np.ndarray, positions: np.ndarray, keys: np.ndarray) -> None:
        count = positions.size
        while self.kept + count > self._sigs.shape[0]:
            self._sigs = np.concatenate([self._sigs, np.empty_like(self._sigs)])
            self._ids = np.concatenate([self._ids, np.empty_like(self._ids)])
        numbers = np.arange(self.kept, self.kept + count, dtype=np.int64)
        self._sigs[self.kept : self.kept + count] = sig
        self._ids[self.kept : self.kept + count] = positions
        self.kept += count
        flat, ids = keys.ravel(), np.repeat(numbers, self.bands)
        order = np.argsort(flat, kind="stable")
        self._runs.append((flat[order], ids[order]))
        while len(self._runs) > 1 and self._runs[-2][0].size <= 2 * self._runs[-1][0].size:
            (k1, v1), (k2, v2) = self._runs.pop(-2), self._runs.pop()
            merged = np.concatenate([k1, k2])
            order = np.argsort(merged, kind="stable")  # equal keys: older kept texts first
            self._runs.append((merged[order], np.concatenate([v1, v2])[order]))

    def add(self, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add a block of texts, in order, and decide each one.

        Args:
            sig: ``(n, num_perm)`` ``uint32`` signatures.

        Returns:
            ``(kept_of, estimate)``: per text, the position (counting every text ever
            added from 0) of the kept text it nearly duplicates, or -1 if it was kept;
            and the estimated Jaccard similarity to that text (0.0 for kept texts).
        """
        if sig.ndim != 2 or sig.shape[1] != self.num_perm:
            raise ConfigError(f"signatures must be (n, {self.num_perm}), got {sig.shape}")
        n = sig.shape[0]
        keys = self._keys(sig)
        best, score = self._earlier_kept(keys, sig)
        kept_of = (
            np.where(best >= 0, self._ids[np.maximum(best, 0)], -1) if self.kept else np.full(n, -1, dtype=np.int64)
        )
        equal = score.copy()
        inside = self._same_block(keys, sig)
        kept = best < 0
        for i in sorted(inside):  # ascending: the fate of an earlier text is known
            for j, e in inside[i]:  # a kept earlier text of the block, if the most similar
                if kept[j] and (kept_of[i] < 0 or e > equal[i] or (e == equal[i] and self.seen + j < kept_of[i])):
                    kept_of[i], equal[i] = self.seen + j, e
            kept[i] = kept_of[i] < 0
        mine = np.flatnonzero(kept)
        self._store(sig[mine], self.seen + mine, keys[mine])
        self.seen += n
        estimate = np.where(kept, 0.0, equal / self.num_perm).astype(np.float32)
        return kept_of.astype(np.int64), estimate
