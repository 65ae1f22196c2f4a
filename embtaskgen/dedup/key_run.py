"""One band's stored keys for a run of texts, found without a binary search.

:class:`~embtaskgen.dedup.lsh_index.LSHIndex` stores, per band, the top 32 bits of a text's
key with the text's number, as ``top << 32 | number``. A :class:`KeyRun` holds a run's
entries sorted (a key's texts side by side, earliest first) and a bitmap over the keys'
top bits, 4 to 8 bits per entry: a key whose bit is clear is not in the run (most lookups
end there). The bitmap's 64-bit words also locate the entries: the run keeps where each
word's entries start (16 bits, counted from a start per 1024 words; 32 bits in a run
where 1024 words hold 65,536 entries or more); a set bit's entries follow at least one
entry per set bit before it in its word and precede at least one per set bit after it,
so the range between holds them (and others only where another bit of the word stands
for several entries: keys sharing a bit, or a key's several texts). A lookup reads one
word, two starts and the key's entries: the same work whatever the run's size. Memory:
8 bytes per entry and about 1 for the tables.

Example:
    >>> column = np.array([5 << 32 | 10, 5 << 32 | 12, 9 << 32 | 11], dtype=np.uint64)
    >>> which, number = KeyRun(column).find(np.array([9 << 32, 5 << 32, 7 << 32], dtype=np.uint64))
    >>> which.tolist(), number.tolist()
    ([0, 1, 1], [11, 10, 12])
"""

from __future__ import annotations

import numpy as np

__all__ = ["KeyRun", "spans"]

_GROUP_BITS = 10  # bitmap words per 64-bit start (their own starts are 16-bit offsets from it)
_U64 = np.uint64
_LOW = _U64(0xFFFFFFFF)
_ONE = _U64(1)


def spans(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[k] + 0 .. counts[k] - 1`` for every ``k``, concatenated."""
    total = int(counts.sum())
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return offsets + np.arange(total, dtype=np.int64)


def _cell_bits(entries: int) -> int:
    """Bits of a key's top that pick its bitmap bit: 4 to 8 bits per entry, two words at least."""
    return max(7, (4 * entries).bit_length())


def _bitmap(column: np.ndarray, cell_bits: int) -> np.ndarray:
    """``column``'s bitmap as 64-bit words: bit ``k`` of word ``w`` is cell ``64 w + k``."""
    bits = np.zeros(1 << cell_bits, dtype=bool)
    bits[column >> _U64(64 - cell_bits)] = True
    return np.packbits(bits, bitorder="little").view("<u8")


def _word_counts(column: np.ndarray, cell_bits: int) -> np.ndarray:
    """``column``'s entries per bitmap word, padded to whole groups of words."""
    words = max(1 << (cell_bits - 6), 1 << _GROUP_BITS)
    return np.bincount((column >> _U64(70 - cell_bits)).view(np.int64), minlength=words)


class KeyRun:
    """A band's entries ``top << 32 | number`` of a run, sorted (``column``), and how to find
    a key's: ``top`` is a key's top 32 bits, ``number`` a stored text's number. ``words`` and
    ``counts`` (:meth:`merged`): the bitmap and the entries per word, if already known."""

    def __init__(self, column: np.ndarray, words: np.ndarray | None = None, counts: np.ndarray | None = None) -> None:
        self.column = column
        self._cell_bits = _cell_bits(column.size)
        self._cell = _U64(64 - self._cell_bits)
        counts = _word_counts(column, self._cell_bits) if counts is None else counts
        within = counts.reshape(-1, 1 << _GROUP_BITS).cumsum(axis=1)  # a group's entries up to each word
        self._group = np.zeros(within.shape[0] + 1, dtype=np.int64)  # entries before each group
        np.cumsum(within[:, -1], out=self._group[1:])
        self._offset = np.zeros(within.size + 1, dtype=np.uint16 if within[:, -1].max() < 1 << 16 else np.uint32)
        self._offset[1:] = within.ravel()
        self._offset[:: 1 << _GROUP_BITS] = 0  # a group's first word starts at the group's start
        self._words = _bitmap(column, self._cell_bits) if words is None else words

    @classmethod
    def merged(cls, older: KeyRun, newer: KeyRun) -> KeyRun:
        """The run of both runs' entries (``older``'s tables are reused while its bitmap
        stays 4 to 8 bits per entry: the newer's keys are added to them)."""
        column = np.concatenate([older.column, newer.column])
        column.sort(kind="stable")  # merges the two sorted halves
        bits = older._cell_bits
        if _cell_bits(column.size) != bits:
            return cls(column)
        counts = np.diff(older._start(np.arange(older._offset.size)))
        return cls(column, older._words | _bitmap(newer.column, bits), counts + _word_counts(newer.column, bits))

    def __len__(self) -> int:
        return self.column.size

    def _start(self, word: np.ndarray) -> np.ndarray:
        """Entries before bitmap word ``word``."""
        return self._group[word >> _GROUP_BITS] + self._offset[word]

    def find(self, tops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(which, number)``: every entry whose key's top 32 bits are those of ``tops[which]``
        (``uint64``, the low 32 bits zero), with its text's number (``int64``)."""
        cell = tops >> self._cell
        word = (cell >> _U64(6)).astype(np.intp)
        bits = self._words[word]
        bit = cell & _U64(63)
        which = np.flatnonzero((bits >> bit) & _ONE)
        word, bits, bit = word[which], bits[which], bit[which]
        lo = self._start(word) + np.bitwise_count(bits & ((_ONE << bit) - _ONE))
        count = self._start(word + 1) - np.bitwise_count((bits >> bit) >> _ONE) - lo
        entry = spans(lo, count)
        owner = np.repeat(which, count)
        found = self.column[entry]
        same = np.flatnonzero((found ^ tops[owner]) <= _LOW)
        return owner[same], (found[same] & _LOW).astype(np.int64)
