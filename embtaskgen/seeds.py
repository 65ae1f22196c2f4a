"""Seeds: the one place a run's seed is decided, and the ids and generators derived from it.

Each call's ``rollout_id`` and sampling seed are :func:`derive_id` of the run seed and the
call's key (a hash: the same alone or with others); draws use a local :func:`derive_rng`.

Example:
    >>> derive_id(7, "text-retrieval", 0) == derive_id(7, "text-retrieval", 0)
    True
    >>> derive_id(7, "text-retrieval", 0) != derive_id(7, "text-retrieval", 1)
    True
    >>> derive_rng(7, "topic").random() == derive_rng(7, "topic").random()
    True
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets

__all__ = ["decide_seed", "derive_id", "derive_rng", "fresh_seed"]

logger = logging.getLogger(__name__)

_BITS = 31


def decide_seed(given: int | None, recorded: int | None = None) -> int:
    """The seed of a run: the one an earlier session recorded, the one given, or a fresh one.

    Example:
        >>> decide_seed(5), decide_seed(None, recorded=9)
        (5, 9)
    """
    if recorded is not None:
        return recorded
    if given is not None:
        return given
    seed = fresh_seed()
    logger.info("no seed given; drew seed %d", seed)
    return seed


def fresh_seed() -> int:
    """Draw a new run seed from the OS (never from the global ``random`` state)."""
    return secrets.randbelow(2**_BITS)


def derive_id(seed: int, *parts: object) -> int:
    """A stable non-negative 31-bit integer from a seed and any parts."""
    text = "\x1f".join([str(seed), *map(str, parts)])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (2**_BITS)


def derive_rng(seed: int, *parts: object) -> random.Random:
    """A local ``random.Random`` seeded from a seed and any parts."""
    return random.Random(derive_id(seed, "rng", *parts))
