"""The one MinHash sketch (rensa): rensa's own signatures, batch or not, and estimates that
agree with datasketch's MinHash (the reference) and with the exact Jaccard similarity."""

from __future__ import annotations

import random

import numpy as np
import pytest
import rensa
from datasketch import MinHash

from embtaskgen import ConfigError
from embtaskgen.dedup.sketch import check_engine, minhash_signatures

SETS = [["news", "article", "company"], ["über", "straße"], ["x"], [f"w{i}" for i in range(300)]]


def test_signatures_are_rminhash_digests():
    sig = minhash_signatures(SETS, num_perm=32, seed=3)
    assert sig.shape == (4, 32) and sig.dtype == np.uint32
    for row, tokens in zip(sig, SETS, strict=True):
        reference = rensa.RMinHash(32, 3)
        reference.update(tokens)
        assert row.tolist() == reference.digest()


def _datasketch(tokens: list[str], num_perm: int) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=1)
    m.update_batch([t.encode("utf-8") for t in tokens])
    return m


def test_estimates_agree_with_datasketch_and_the_exact_jaccard():
    """The oracle: over pairs of every similarity, the sketch's estimate and datasketch's
    are both unbiased estimates of the exact Jaccard similarity (standard error about
    0.04 at 128 values), so they stay within a few errors of it and of each other."""
    rng = random.Random(5)
    pairs = []
    for k in range(40):
        base = [f"t{k}_{i}" for i in range(60)]
        keep = rng.randint(5, 60)
        pairs.append((base, base[:keep] + [f"u{k}_{i}" for i in range(60 - keep)]))
    sig = minhash_signatures([s for pair in pairs for s in pair])
    ours, theirs, exact = [], [], []
    for k, (a, b) in enumerate(pairs):
        ours.append(float((sig[2 * k] == sig[2 * k + 1]).mean()))
        theirs.append(_datasketch(a, 128).jaccard(_datasketch(b, 128)))
        exact.append(len(set(a) & set(b)) / len(set(a) | set(b)))
    ours_error = np.abs(np.array(ours) - exact)
    theirs_error = np.abs(np.array(theirs) - exact)
    assert ours_error.max() < 0.15 and theirs_error.max() < 0.15
    assert ours_error.mean() < 0.05 and abs(ours_error.mean() - theirs_error.mean()) < 0.02
    assert np.corrcoef(ours, theirs)[0, 1] > 0.97


def test_estimates_follow_the_jaccard_similarity():
    a = [f"t{i}" for i in range(100)]
    b = a[:80] + [f"u{i}" for i in range(20)]  # Jaccard 80 / 120
    sig = minhash_signatures([a, b, list(reversed(a))], num_perm=256)
    assert (sig[0] == sig[1]).mean() == pytest.approx(80 / 120, abs=0.1)
    assert (sig[0] == sig[2]).all()  # order does not matter
    assert minhash_signatures([]).shape == (0, 128)


def test_signatures_do_not_depend_on_the_block():
    whole = minhash_signatures(SETS)
    one = np.vstack([minhash_signatures([s]) for s in SETS])
    assert np.array_equal(whole, one)


@pytest.mark.parametrize(
    ("engine", "num_perm", "message"),
    [
        ("lsh", 128, "engine must be one of rensa"),
        ("datasketch", 128, "engine must be one of rensa"),
        ("rensa", 2000, "num_perm must be an integer from 16 to 1024"),
        ("rensa", True, "num_perm must be an integer >= 16"),
    ],
)
def test_bad_engine_settings(engine, num_perm, message):
    with pytest.raises(ConfigError, match=message):
        check_engine(engine, num_perm)
