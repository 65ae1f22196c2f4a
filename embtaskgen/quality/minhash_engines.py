"""MinHash signatures of many shingle sets at once, by one of two engines.

Both engines turn a block of shingle sets into a ``(texts, num_perm)`` ``uint32`` numpy
matrix (row ``i``: the MinHash signature of set ``i``); the LSH index
(:mod:`embtaskgen.quality.lsh_index`) takes either. Neither hashes one text at a time in
a Python loop:

* ``rensa`` (the default; measured faster, see ``benchmarks/dedup.py``): the compiled
  ``RMinHash`` of the `rensa <https://pypi.org/project/rensa/>`_ package, one call per
  block (``RMinHash.from_token_sets``).
* ``datasketch``: `datasketch <https://pypi.org/project/datasketch/>`_'s MinHash
  (its default ``affine32`` scheme: SHA-1 of each shingle, the MurmurHash3 finaliser,
  then ``a * h + b`` modulo 2**32 with its permutations drawn from ``seed``), computed in
  numpy over all distinct shingles of a block; the values are exactly those of
  ``datasketch.MinHash(num_perm, seed)``.

Signatures depend only on the shingles, ``num_perm`` and ``seed``: not on the process,
the platform or the block a text falls in.

Example:
    >>> sig = minhash_signatures([["news", "article"], ["article", "news"], ["email"]],
    ...                          engine="datasketch", num_perm=16)
    >>> sig.shape, bool((sig[0] == sig[1]).all()), bool((sig[0] == sig[2]).all())
    ((3, 16), True, False)
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from embtaskgen.errors import ConfigError, MissingDependency, check_int

__all__ = ["DEFAULT_ENGINE", "DEFAULT_NUM_PERM", "ENGINES", "check_engine", "minhash_signatures"]

#: MinHash engines, by ``--engine`` name.
ENGINES = ("rensa", "datasketch")
#: The faster engine on the benchmark (see the module docstring).
DEFAULT_ENGINE = "rensa"
#: Hash functions per signature: the Jaccard estimate's standard error is about
#: ``sqrt(J (1 - J) / num_perm)``, 0.04 at J = 0.7.
DEFAULT_NUM_PERM = 128

_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_TOKENS_PER_STEP = 32768  # shingles gathered at once in the datasketch engine (32 MB at 128)


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
    sets: Sequence[Sequence[str]], *, engine: str = DEFAULT_ENGINE, num_perm: int = DEFAULT_NUM_PERM, seed: int = 1
) -> np.ndarray:
    """MinHash signatures of ``sets`` (each a non-empty sequence of distinct shingles).

    Returns:
        ``(len(sets), num_perm)`` ``uint32`` matrix.

    Raises:
        MissingDependency: The engine's package is not installed.
    """
    if not sets:
        return np.empty((0, num_perm), dtype=np.uint32)
    if engine == "rensa":
        return _rensa(sets, num_perm, seed)
    return _datasketch(sets, num_perm, seed)


def _rensa(sets: Sequence[Sequence[str]], num_perm: int, seed: int) -> np.ndarray:
    try:
        from rensa import RMinHash
    except ImportError as exc:
        raise MissingDependency(
            "the rensa engine needs rensa: pip install rensa (or choose engine='datasketch')"
        ) from exc
    hashes = RMinHash.from_token_sets(sets, num_perm, seed)
    flat = itertools.chain.from_iterable(h.digest() for h in hashes)
    return np.fromiter(flat, dtype=np.uint32, count=len(sets) * num_perm).reshape(len(sets), num_perm)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``(a, b)`` for ``MinHash(num_perm, seed)`` (``uint32``)."""
    try:
        from datasketch import MinHash
    except ImportError as exc:
        raise MissingDependency(
            "the datasketch engine needs datasketch: pip install datasketch (or choose engine='rensa')"
        ) from exc
    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _sha1_32(token: str) -> int:
    """datasketch's default hash: the first 4 bytes of SHA-1, little-endian."""
    return int.from_bytes(hashlib.sha1(token.encode("utf-8", "surrogatepass")).digest()[:4], "little")


def _datasketch(sets: Sequence[Sequence[str]], num_perm: int, seed: int) -> np.ndarray:
    a, b = _permutations(num_perm, seed)
    slot: dict[str, int] = {}
    ids = np.fromiter((slot.setdefault(t, len(slot)) for s in sets for t in s), dtype=np.int64)
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    h = np.fromiter(map(_sha1_32, slot), dtype=np.uint32, count=len(slot))
    s1, m1, s2, m2 = _FMIX
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as in datasketch
        h = (h ^ (h >> s1)) * m1
        h = (h ^ (h >> s2)) * m2
        h = h ^ (h >> s1)
        table = h[:, None] * a[None, :] + b[None, :]
    out = np.empty((len(sets), num_perm), dtype=np.uint32)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    lo = 0
    while lo < len(sets):  # rows in steps of about _TOKENS_PER_STEP shingles
        hi = int(np.searchsorted(ends, starts[lo] + _TOKENS_PER_STEP, side="right"))
        hi = max(hi, lo + 1)
        block = table[ids[starts[lo] : ends[hi - 1]]]
        out[lo:hi] = np.minimum.reduceat(block, starts[lo:hi] - starts[lo], axis=0)
        lo = hi
    return out
