"""Seeds and the per-call ids derived from them.

One run seed determines every model call of a run: each (category, generation) pair
gets its own DSPy ``rollout_id`` (a distinct cache entry and, at temperature > 0, a
distinct sample) and its own sampling seed for engines that take one. Derivation hashes
the parts, so a category's calls are the same whether it runs alone or with others.

Example:
    >>> derive_id(7, "text-retrieval", 0) == derive_id(7, "text-retrieval", 0)
    True
    >>> derive_id(7, "text-retrieval", 0) != derive_id(7, "text-retrieval", 1)
    True
"""

from __future__ import annotations

import hashlib
import random
import secrets

__all__ = ["derive_id", "derive_rng", "fresh_seed"]

_BITS = 31


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
