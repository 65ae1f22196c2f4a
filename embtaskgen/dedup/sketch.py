"""The one MinHash sketch: signatures of many token sets at once, computed by rensa.

A block of token sets (shingles, :mod:`~embtaskgen.dedup.shingling`; or a report's
4-grams and content words) becomes a ``(texts, num_perm)`` ``uint32`` numpy matrix
(row ``i``: the MinHash signature of set ``i``), in one call of the compiled
``RMinHash`` of `rensa <https://pypi.org/project/rensa/>`_ per block
(``RMinHash.from_token_sets``). The share of equal values of two rows estimates the
Jaccard similarity of their sets (the tests check it against
`datasketch <https://pypi.org/project/datasketch/>`_'s MinHash, the reference). Both
``embtaskgen dedup`` and the report's near-duplicate search
(:mod:`~embtaskgen.dedup.near_duplicates`) use it, through the one index
(:mod:`~embtaskgen.dedup.lsh_index`).

Signatures depend only on the tokens, ``num_perm`` and ``seed``: not on the process,
the platform or the block a text falls in.

Example:
    >>> sig = minhash_signatures([["news", "article"], ["article", "news"], ["email"]], num_perm=16)
    >>> sig.shape, bool((sig[0] == sig[1]).all()), bool((sig[0] == sig[2]).all())
    ((3, 16), True, False)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

from embtaskgen.errors import ConfigError, MissingDependency, check_int

__all__ = ["DEFAULT_ENGINE", "DEFAULT_NUM_PERM", "ENGINES", "check_engine", "minhash_signatures"]

#: MinHash engines, by ``--engine`` name: one sketch, one engine.
ENGINES = ("rensa",)
#: The engine.
DEFAULT_ENGINE = "rensa"
#: Hash functions per signature: the Jaccard estimate's standard error is about
#: ``sqrt(J (1 - J) / num_perm)``, 0.04 at J = 0.7.
DEFAULT_NUM_PERM = 128


def check_engine(engine: object, num_perm: object) -> tuple[str, int]:
    """Validate an engine name and ``num_perm`` (an integer from 16 to 1024).

    Example:
        >>> check_engine("rensa", 64)
        ('rensa', 64)
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    check_int("num_perm", num_perm, minimum=16)
    if int(num_perm) > 1024:  # type: ignore[call-overload]
        raise ConfigError(f"num_perm must be an integer from 16 to 1024, got {num_perm!r}")
    return str(engine), int(num_perm)  # type: ignore[call-overload]


def minhash_signatures(
    sets: Sequence[Iterable[str]], *, engine: str = DEFAULT_ENGINE, num_perm: int = DEFAULT_NUM_PERM, seed: int = 1
) -> np.ndarray:
    """MinHash signatures of ``sets`` (each a non-empty collection of distinct tokens).

    Args:
        sets: The token sets.
        engine: ``"rensa"`` (the only one; kept as a setting).
        num_perm: Values per signature.
        seed: Seed of the hash functions.

    Returns:
        ``(len(sets), num_perm)`` ``uint32`` matrix.

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
