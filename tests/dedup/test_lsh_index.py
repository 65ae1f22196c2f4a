"""The streaming LSH index: bands, keep-first, only kept texts are candidates."""

from __future__ import annotations

import numpy as np
import pytest

from embtaskgen import ConfigError
from embtaskgen.dedup.lsh_index import LSHIndex, check_threshold, lsh_bands


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_bands_make_a_pair_at_the_threshold_a_candidate(threshold):
    bands, rows = lsh_bands(threshold, 128)
    assert bands * rows <= 128
    assert 1 - (1 - threshold**rows) ** bands >= 0.99
    # one more row per band would miss it more often
    assert 1 - (1 - threshold ** (rows + 1)) ** (128 // (rows + 1)) < 0.99


def _sig(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.uint32)


def test_a_chain_is_cut_at_the_kept_text():
    index = LSHIndex(threshold=0.75, num_perm=16)
    a = _sig(list(range(16)))
    b = a.copy()
    b[:3] = 100  # 13 of 16 equal to a: 0.81
    c = b.copy()
    c[3:6] = 200  # 10 of 16 equal to b, 10 of 16 to a: both below 0.75
    kept_of, est = index.add(np.vstack([a, b, c]))
    assert kept_of.tolist() == [-1, 0, -1]  # c is compared with a (kept), not b (dropped)
    assert est[1] == pytest.approx(13 / 16)
    kept_of, _ = index.add(np.vstack([c, a]))  # positions continue across blocks
    assert kept_of.tolist() == [2, 0]
    assert (index.seen, index.kept) == (5, 2)


def test_bad_signatures_and_thresholds():
    with pytest.raises(ConfigError, match=r"signatures must be \(n, 16\)"):
        LSHIndex(0.7, 16).add(np.zeros((2, 8), dtype=np.uint32))
    for bad in (0, -0.1, 1.01, "0.7", None, True):
        with pytest.raises(ConfigError, match="threshold must be a number"):
            check_threshold(bad)


def test_candidates_store_every_text_and_count_equal_values():
    index = LSHIndex(threshold=0.75, num_perm=16, estimate=0.5)
    a = _sig(list(range(16)))
    b = a.copy()
    b[:6] = 100  # 10 of 16 equal to a
    item, earlier, equal = index.candidates(np.vstack([a, b]))
    assert (item.tolist(), earlier.tolist(), equal.tolist()) == ([1], [0], [10])
    index.store(np.vstack([a, b]), np.arange(2))  # the report stores every text
    item, earlier, equal = index.candidates(np.vstack([b, a]))
    assert (item.tolist(), earlier.tolist(), equal.tolist()) == ([0, 0, 1, 1, 1], [0, 1, 0, 1, 2], [10, 16, 16, 10, 10])


def test_signatures_in_several_chunks(monkeypatch):
    import embtaskgen.dedup.lsh_index as lsh_index

    monkeypatch.setattr(lsh_index, "_CHUNK_BITS", 2)
    monkeypatch.setattr(lsh_index, "_CHUNK", 4)
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(11, 16), dtype=np.uint32)
    copies = sig.copy()
    copies[:, :2] = 7  # 14 of 16 equal to their original
    index = LSHIndex(threshold=0.75, num_perm=16)
    for lo in range(0, 11, 3):
        assert index.add(sig[lo : lo + 3])[0].tolist() == [-1] * len(sig[lo : lo + 3])
    kept_of, est = index.add(copies)
    assert kept_of.tolist() == list(range(11)) and len(index._sigs) == 3
    assert est.tolist() == [14 / 16] * 11


def test_block_keys_equal_but_for_the_low_bits_keep_their_order(monkeypatch):
    """Keys that differ only in the bits that hold positions while sorting take the full
    sort: the pairs stay those of the keys' stable order."""
    index = LSHIndex(threshold=0.75, num_perm=16)
    keys = np.array([[5], [9], [5], [6], [5]], dtype=np.uint64)  # 6 and 5 differ in the low bits
    monkeypatch.setattr(index, "bands", 1)
    later, earlier = index._same_block(keys)
    assert list(zip(later.tolist(), earlier.tolist(), strict=True)) == [(2, 0), (4, 0), (4, 2)]
    sorted_keys = np.array([[5 << 40], [9 << 40], [5 << 40]], dtype=np.uint64)
    assert index._same_block(sorted_keys)[0].tolist() == [2]


def test_a_block_of_duplicates_only_leaves_the_index_searchable():
    index = LSHIndex(threshold=0.75, num_perm=16)
    a, b = _sig(list(range(16))), _sig(list(range(100, 116)))
    assert index.add(np.vstack([a, a]))[0].tolist() == [-1, 0]
    assert index.add(np.vstack([a, a]))[0].tolist() == [0, 0]  # nothing stored: no run
    assert index.add(np.vstack([b, a]))[0].tolist() == [-1, 0]
    assert index.add(np.vstack([b, a]))[0].tolist() == [4, 0]


def test_a_first_block_that_stores_nothing_makes_no_run():
    index = LSHIndex(threshold=0.75, num_perm=16)
    a = _sig(list(range(16)))
    index.store(np.vstack([a]), np.empty(0, dtype=np.int64))  # a search may store none of a block
    assert index._runs == [] and (index.seen, index.kept) == (1, 0)
    assert index.add(np.vstack([a, a]))[0].tolist() == [-1, 1]  # nothing stored to read yet
    assert index.add(np.vstack([a]))[0].tolist() == [1]


def test_a_key_shared_beyond_the_cap_leads_to_its_earliest_texts_in_all_runs():
    """A key leads to the earliest ``bucket`` stored texts, however many runs hold it; a text
    not stored under that key is still found through its other keys."""
    index = LSHIndex(threshold=0.75, num_perm=16, estimate=0.1, bucket=2)
    assert (index.bands, index.rows) == (8, 2)

    def text(k: int) -> np.ndarray:  # band 0 shared by all; the rest, k's own (low bits all 0)
        return _sig([0, 1] + [4 * (100 * k + j) for j in range(2, 16)])

    for block in (np.vstack([text(k) for k in range(4)]), text(4)[None, :]):  # stored whole, as the report does
        index.candidates(block)
        index.store(block, np.arange(block.shape[0]))
    assert len(index._runs) == 2
    item, earlier, equal = index.candidates(text(9)[None, :])
    assert (earlier.tolist(), equal.tolist()) == ([0, 1], [2, 2])
    twin = text(4)
    twin[:2] = [7, 7]  # shares text 4's other bands, not the crowded key
    assert index.candidates(twin[None, :])[1].tolist() == [4]
