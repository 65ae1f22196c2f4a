import random

from embtaskgen.settings import derive_id, derive_rng, fresh_seed


def test_derive_id_is_stable_and_distinct():
    ids = {derive_id(5, "text-retrieval", g) for g in range(100)}
    assert len(ids) == 100
    assert derive_id(5, "text-retrieval", 3) == derive_id(5, "text-retrieval", 3)
    assert derive_id(5, "text-retrieval", 3) != derive_id(6, "text-retrieval", 3)
    assert all(0 <= i < 2**31 for i in ids)


def test_derive_rng_does_not_touch_global_random():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    derive_rng(1, "x").random()
    fresh_seed()
    assert random.random() == expected
    assert derive_rng(1, "x").random() == derive_rng(1, "x").random()
