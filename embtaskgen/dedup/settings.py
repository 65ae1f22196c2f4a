"""How :mod:`~embtaskgen.dedup.run` compares texts (the local pass and the Ray step alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from embtaskgen.dedup.shingling import DEFAULT_SHINGLE_SIZE, SHINGLE_KINDS, shingle_set
from embtaskgen.dedup.sketch import DEFAULT_ENGINE, DEFAULT_NUM_PERM, ENGINES, minhash_signatures
from embtaskgen.frozen_settings import FrozenSettings, Must, OneOf

__all__ = ["DEFAULT_THRESHOLD", "DedupSettings"]

#: Estimated Jaccard similarity of the shingle sets at or above which a text is dropped
#: (measured: :mod:`~embtaskgen.dedup.run`).
DEFAULT_THRESHOLD = 0.7


class DedupSettings(FrozenSettings):
    """How texts are compared, validated once.

    Attributes:
        shingles: ``"word"`` or ``"char"``.
        shingle_size: Words or characters per shingle (``None``: 1 or 4).
        threshold: Jaccard threshold in (0, 1].
        num_perm: MinHash values per text (16 to 1024).
        engine: ``"rensa"``.
        seed: Seed of the hash functions.

    Raises:
        ConfigError: A setting out of range; the message names the valid choices.

    Example:
        >>> DedupSettings(threshold=0.8).sign(["Retrieve news articles."]).shape
        (1, 128)
    """

    shingles: Annotated[str, OneOf(SHINGLE_KINDS)] = "word"
    shingle_size: Annotated[
        int | None, Field(strict=True, ge=1, le=32, validate_default=True), Must("an integer from 1 to 32")
    ] = None
    threshold: Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False), Must("a number in (0, 1]")] = (
        DEFAULT_THRESHOLD
    )
    num_perm: Annotated[int, Field(strict=True, ge=16, le=1024), Must("an integer >= 16 and <= 1024")] = (
        DEFAULT_NUM_PERM
    )
    engine: Annotated[str, OneOf(ENGINES)] = DEFAULT_ENGINE
    seed: Annotated[int, Field(strict=True, ge=0), Must("an integer >= 0")] = 1

    @field_validator("shingle_size")
    @classmethod
    def _kind_default(cls, size: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("shingles")
        return DEFAULT_SHINGLE_SIZE[kind] if size is None and kind else size

    def sign(self, texts: Sequence[str]) -> np.ndarray:
        """MinHash signatures of ``texts``: ``(len(texts), num_perm)`` ``uint32``."""
        sets = [shingle_set(t, self.shingles, self.shingle_size) for t in texts]
        return minhash_signatures(sets, engine=self.engine, num_perm=self.num_perm, seed=self.seed)
