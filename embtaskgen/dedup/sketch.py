"""The one MinHash sketch: a ``(texts, num_perm)`` ``uint32`` matrix per block of token sets,
in one call of `rensa <https://pypi.org/project/rensa/>`_'s ``RMinHash.from_token_sets``
(checked against datasketch by the tests); it depends only on the tokens, ``num_perm`` and
``seed``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

from embtaskgen.errors import ConfigError, MissingDependency, check_int

__all__ = ["DEFAULT_ENGINE", "DEFAULT_NUM_PERM", "ENGINES", "check_engine", "minhash_signatures"]

#: MinHash engines, by ``--engine`` name.
ENGINES = ("rensa",)
DEFAULT_ENGINE = "rensa"
#: Hash functions per signature: the Jaccard estimate's standard error is about
#: ``sqrt(J (1 - J) / num_perm)``, 0.04 at J = 0.7.
DEFAULT_NUM_PERM = 128


def check_engine(engine: object, num_perm: object) -> tuple[str, int]:
    """Validate an engine name and ``num_perm`` (an integer from 16 to 1024)."""
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    check_int("num_perm", num_perm, minimum=16)
    if int(num_perm) > 1024:  # type: ignore[call-overload]
        raise ConfigError(f"num_perm must be an integer from 16 to 1024, got {num_perm!r}")
    return str(engine), int(num_perm)  # type: ignore[call-overload]


def minhash_signatures(
    sets: Sequence[Iterable[str]], *, engine: str = DEFAULT_ENGINE, num_perm: int = DEFAULT_NUM_PERM, seed: int = 1
) -> np.ndarray:
    """``(len(sets), num_perm)`` ``uint32`` signatures of non-empty sets of distinct tokens.

    Raises:
        MissingDependency: rensa is not installed.
    """
    check_engine(engine, num_perm)
    if not sets:
        return np.empty((0, num_perm), dtype=np.uint32)
    try:
        from rensa import RMinHash
    except ImportError as exc:
        raise MissingDependency("the MinHash sketch needs rensa: pip install 'embtaskgen[dedup]'") from exc
    hashes = RMinHash.from_token_sets(sets, num_perm, seed)
    flat = itertools.chain.from_iterable(h.digest() for h in hashes)
    return np.fromiter(flat, dtype=np.uint32, count=len(sets) * num_perm).reshape(len(sets), num_perm)
