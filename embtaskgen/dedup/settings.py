"""How :mod:`~embtaskgen.quality.lsh_dedup` compares texts: shingles, threshold, MinHash.

The settings are validated once, here, where they enter; the local pass and the Ray
step (:mod:`~embtaskgen.quality.ray_minhash`) sign texts with the same
:meth:`DedupSettings.sign`, so both give the same signatures.

Example:
    >>> settings = DedupSettings(threshold=0.8)
    >>> settings.sign(["Retrieve news articles."]).shape
    (1, 128)
    >>> DedupSettings(shingles="sentence")
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embtaskgen.dedup.lsh_index import check_threshold
from embtaskgen.dedup.shingling import check_shingles, shingle_set
from embtaskgen.dedup.sketch import DEFAULT_ENGINE, DEFAULT_NUM_PERM, check_engine, minhash_signatures
from embtaskgen.errors import ConfigError

__all__ = ["DEFAULT_THRESHOLD", "DedupSettings"]

#: Estimated Jaccard similarity of the shingle sets at or above which a text is dropped
#: (measured: :mod:`~embtaskgen.quality.lsh_dedup`).
DEFAULT_THRESHOLD = 0.7


@dataclass(frozen=True)
class DedupSettings:
    """How texts are compared, validated once.

    Attributes:
        shingles: ``"word"`` or ``"char"``.
        shingle_size: Words or characters per shingle (``None``: 1 or 4).
        threshold: Jaccard threshold in (0, 1].
        num_perm: MinHash values per text (16 to 1024).
        engine: ``"rensa"`` or ``"datasketch"``.
        seed: Seed of the hash functions.

    Raises:
        ConfigError: A setting out of range; the message names the valid choices.
    """

    shingles: str = "word"
    shingle_size: int | None = None
    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM
    engine: str = DEFAULT_ENGINE
    seed: int = 1

    def __post_init__(self) -> None:
        kind, size = check_shingles(self.shingles, self.shingle_size)
        object.__setattr__(self, "shingle_size", size)
        object.__setattr__(self, "threshold", check_threshold(self.threshold))
        check_engine(self.engine, self.num_perm)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be an integer >= 0, got {self.seed!r}")

    def sign(self, texts: Sequence[str]) -> np.ndarray:
        """MinHash signatures of ``texts``: ``(len(texts), num_perm)`` ``uint32``."""
        sets = [shingle_set(t, self.shingles, self.shingle_size) for t in texts]
        return minhash_signatures(sets, engine=self.engine, num_perm=self.num_perm, seed=self.seed)
