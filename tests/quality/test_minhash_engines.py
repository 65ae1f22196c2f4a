"""MinHash engines: the same signatures as the packages they stand for, batch or not."""

from __future__ import annotations

import numpy as np
import pytest
import rensa
from datasketch import MinHash

from embtaskgen import ConfigError
from embtaskgen.quality.minhash_engines import check_engine, minhash_signatures

SETS = [["news", "article", "company"], ["über", "straße"], ["x"], [f"w{i}" for i in range(300)]]


def test_datasketch_engine_equals_datasketch_minhash():
    sig = minhash_signatures(SETS, engine="datasketch", num_perm=64, seed=7)
    assert sig.shape == (4, 64) and sig.dtype == np.uint32
    for row, tokens in zip(sig, SETS):
        reference = MinHash(num_perm=64, seed=7)
        reference.update_batch([t.encode("utf-8") for t in tokens])
        assert np.array_equal(row, reference.hashvalues)


def test_rensa_engine_equals_rminhash():
    sig = minhash_signatures(SETS, engine="rensa", num_perm=32, seed=3)
    for row, tokens in zip(sig, SETS):
        reference = rensa.RMinHash(32, 3)
        reference.update(tokens)
        assert row.tolist() == reference.digest()


@pytest.mark.parametrize("engine", ["rensa", "datasketch"])
def test_estimates_follow_the_jaccard_similarity(engine):
    a = [f"t{i}" for i in range(100)]
    b = a[:80] + [f"u{i}" for i in range(20)]  # Jaccard 80 / 120
    sig = minhash_signatures([a, b, list(reversed(a))], engine=engine, num_perm=256)
    assert (sig[0] == sig[1]).mean() == pytest.approx(80 / 120, abs=0.1)
    assert (sig[0] == sig[2]).all()  # order does not matter
    assert minhash_signatures([], engine=engine).shape == (0, 128)


def test_signatures_do_not_depend_on_the_block():
    whole = minhash_signatures(SETS, engine="datasketch")
    one = np.vstack([minhash_signatures([s], engine="datasketch") for s in SETS])
    assert np.array_equal(whole, one)


@pytest.mark.parametrize(
    ("engine", "num_perm", "message"),
    [
        ("lsh", 128, "engine must be one of rensa, datasketch"),
        ("rensa", 2000, "num_perm must be an integer from 16 to 1024"),
        ("rensa", True, "num_perm must be an integer >= 16"),
    ],
)
def test_bad_engine_settings(engine, num_perm, message):
    with pytest.raises(ConfigError, match=message):
        check_engine(engine, num_perm)
