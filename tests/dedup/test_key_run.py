"""A run's keys found through its bitmap and word starts: the entries a sorted search finds."""

from __future__ import annotations

import numpy as np
import pytest

from embtaskgen.dedup.key_run import KeyRun

_LOW = np.uint64(0xFFFFFFFF)


def _column(rng: np.random.Generator, size: int, keys: int) -> np.ndarray:
    """``size`` entries of ``keys`` distinct tops (so keys repeat), numbers 0 .. size - 1."""
    tops = rng.choice(rng.integers(0, 2**32, keys, dtype=np.uint64), size)
    return np.sort(tops << np.uint64(32) | rng.permutation(size).astype(np.uint64))


def _searched(column: np.ndarray, tops: np.ndarray) -> tuple[list[int], list[int]]:
    """What two binary searches per needle find (the index's former lookup)."""
    start = np.searchsorted(column, tops)
    end = np.searchsorted(column, tops | _LOW, side="right")
    which = np.repeat(np.arange(tops.size), end - start)
    number = np.concatenate([column[s:e] & _LOW for s, e in zip(start, end, strict=True)] + [np.empty(0, np.uint64)])
    return which.tolist(), number.astype(np.int64).tolist()


@pytest.mark.parametrize(("size", "keys"), [(1, 1), (40, 3), (5000, 4000), (5000, 60), (100_000, 90_000)])
def test_find_returns_what_a_sorted_search_returns(size, keys):
    rng = np.random.default_rng(size + keys)
    column = _column(rng, size, keys)
    present = column[rng.integers(0, size, 300)] & ~_LOW
    near = present ^ (np.uint64(1) << np.uint64(rng.integers(32, 64)))  # a neighbouring cell, or the same one
    absent = rng.integers(0, 2**32, 300, dtype=np.uint64) << np.uint64(32)
    tops = rng.permutation(np.concatenate([present, near, absent]))
    which, number = KeyRun(column).find(tops)
    assert (which.tolist(), number.tolist()) == _searched(column, tops)


def test_a_merged_run_has_the_tables_of_one_built_whole():
    rng = np.random.default_rng(7)
    older, newer = _column(rng, 3000, 2500), _column(rng, 700, 650) + np.uint64(3000)
    merged = KeyRun.merged(KeyRun(older), KeyRun(newer))  # the same bitmap size: tables added
    whole = KeyRun(np.sort(np.concatenate([older, newer])))
    for name in ("column", "_words", "_group", "_offset"):
        assert np.array_equal(getattr(merged, name), getattr(whole, name)), name
    grown = KeyRun.merged(KeyRun(older), KeyRun(_column(rng, 3000, 2900) + np.uint64(3000)))  # a larger bitmap
    assert grown._words.size == 2 * merged._words.size and len(grown) == 6000


def test_a_group_of_more_than_65535_entries_takes_32_bit_starts():
    column = np.arange(70_000, dtype=np.uint64) | np.uint64(5 << 32)  # one key, 70,000 texts
    run = KeyRun(column)
    assert run._offset.dtype == np.uint32
    which, number = run.find(np.array([5 << 32, 6 << 32], dtype=np.uint64))
    assert which.tolist() == [0] * 70_000 and number.tolist() == list(range(70_000))
