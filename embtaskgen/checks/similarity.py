"""Cosine similarity of texts under one embedder, each text embedded once.

Example:
    >>> sim = Similarity(lambda texts: [[t.count("a"), t.count("b")] for t in texts])
    >>> sim.prefetch(["aa", "ab"])
    >>> round(sim.cos("aa", "ab"), 3)
    0.707
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from embtaskgen.errors import ConfigError
from embtaskgen.quality.semantic import Embedder

__all__ = ["Similarity"]


class Similarity:
    """Unit vectors of texts from ``embedder`` (``texts -> (n, d)``), cached per text."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._vectors: dict[str, Any] = {}

    def prefetch(self, texts: Iterable[str]) -> None:
        """Embed, in one call, every text not embedded yet."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if not missing:
            return
        array = np.asarray(self.embedder(missing), dtype=np.float64)
        if array.ndim != 2 or array.shape[0] != len(missing):
            raise ConfigError(
                f"the embedder must return one vector per text: {len(missing)} texts gave shape {array.shape}"
            )
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        for text, vector in zip(missing, array / np.where(norms == 0, 1.0, norms), strict=True):
            self._vectors[text] = vector

    def vector(self, text: str) -> Any:
        """The unit vector of ``text`` (embedded now if it was not prefetched)."""
        self.prefetch([text])
        return self._vectors[text]

    def cos(self, a: str, b: str) -> float:
        """Cosine similarity of two texts."""
        return float(self.vector(a) @ self.vector(b))
