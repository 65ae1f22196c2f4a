"""Mined hard negatives: for each example, a neighbouring positive of another example.

Per row of one kind (:func:`mine_pool`): the candidates are the positives of the *other*
rows, minus exact duplicates of its own positive and of its query; of the ``top_k`` closest
to the query (ties: earlier row first), those above ``margin`` times the cosine of its own
positive are dropped (too likely a second positive), and the closest survivor is the mined
negative. Classification (the positive is a label), ``sts`` and ``bitext`` (S3 is already a
graded negative) are not mined.

Example:
    >>> toy = lambda texts: [[t.count("cat"), t.count("dog"), 1.0] for t in texts]
    >>> rows = [{"kind": "text-matching-short", "input": "cat", "positive_document": "cat cat"},
    ...         {"kind": "text-matching-short", "input": "a cat", "positive_document": "the cat, the cat"},
    ...         {"kind": "text-matching-short", "input": "dog", "positive_document": "dog and cat"}]
    >>> mined = mine_negatives(rows, toy, top_k=2)
    >>> [row["mined_negative"] for row in mined]  # the paraphrase of a positive is never its negative
    ['dog and cat', 'dog and cat', 'cat cat']
    >>> mined[0]["mined_negative_score"], mined[0]["mined_positive_score"]
    (0.8165, 0.9487)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import TRIPLET_FIELDS
from embtaskgen.examples.validity import same_text
from embtaskgen.quality.semantic import Embedder, load_default_embedder

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_TOP_K",
    "MINED_KINDS",
    "MinedNegative",
    "check_mining",
    "mine_negatives",
    "mine_pool",
]

logger = logging.getLogger(__name__)

#: The kinds whose rows get a mined negative.
MINED_KINDS: tuple[str, ...] = ("text-retrieval", "text-matching-short", "text-matching-long")
#: Candidates looked at per row.
DEFAULT_TOP_K = 10
#: A candidate scoring above this share of the positive's score is dropped.
DEFAULT_MARGIN = 0.95

_BLOCK = 512
_SPARE = 16


@dataclass(frozen=True)
class MinedNegative:
    """The mined negative of one row (``None`` when no candidate survived), its cosine to
    the query and that of the row's own positive."""

    text: str | None
    score: float | None
    positive_score: float

    def columns(self) -> dict[str, Any]:
        """The row columns ``mined_negative``, ``mined_negative_score``, ``mined_positive_score``."""
        return {
            "mined_negative": self.text,
            "mined_negative_score": None if self.score is None else round(self.score, 4),
            "mined_positive_score": round(self.positive_score, 4),
        }


def check_mining(top_k: int, margin: float) -> None:
    """Raise a ``ConfigError`` unless ``top_k`` is an integer >= 1 and ``margin`` in (0, 1]."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ConfigError(f"top_k must be an integer >= 1, got {top_k!r}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 1:
        raise ConfigError(f"margin must be a number in (0, 1] (a share of the positive's score), got {margin!r}")


def _unit(vectors: Any, count: int, what: str) -> Any:
    import numpy as np

    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] != count:
        raise ConfigError(f"the embedder must return one vector per text: {count} {what} gave shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0, 1.0, norms)


def _order(scores: Any, want: int) -> list[int]:
    """Candidate indices, closest first (ties: lower index), at least ``want`` of them if there are."""
    import numpy as np

    n = len(scores)
    if want < n:
        head = np.argpartition(-scores, want)[: want + 1]
    else:
        head = np.arange(n)
    return [int(i) for i in head[np.lexsort((head, -scores[head]))]]


def mine_pool(
    queries: Sequence[str],
    positives: Sequence[str],
    embedder: Embedder,
    *,
    top_k: int = DEFAULT_TOP_K,
    margin: float = DEFAULT_MARGIN,
) -> list[MinedNegative]:
    """Mine one negative per (query, positive) pair among the other pairs' positives.

    Raises:
        ConfigError: Bad settings, lists of different lengths, or an embedder that does
            not return one vector per text.

    Example:
        >>> toy = lambda texts: [[len(t), 1.0] for t in texts]
        >>> mine_pool(["a"], ["b"], toy)[0].text is None
        True
    """
    check_mining(top_k, margin)
    if len(queries) != len(positives):
        raise ConfigError(f"{len(queries)} queries but {len(positives)} positives; give one positive per query")
    n = len(queries)
    if n == 0:
        return []
    distinct = list(dict.fromkeys(positives))
    slot = {text: number for number, text in enumerate(distinct)}
    doc = _unit(embedder(distinct), len(distinct), "positives")[[slot[text] for text in positives]]
    query = _unit(embedder(list(queries)), n, "queries")
    mined: list[MinedNegative] = []
    for start in range(0, n, _BLOCK):
        scores = query[start : start + _BLOCK] @ doc.T
        for offset, row in enumerate(scores):
            i = start + offset
            positive_score = float(row[i])
            taken: list[int] = []
            want = top_k + _SPARE
            while True:
                order = _order(row, want)
                taken = [
                    j
                    for j in order
                    if j != i and not same_text(positives[j], positives[i]) and not same_text(positives[j], queries[i])
                ][:top_k]
                if len(taken) == top_k or len(order) >= n:
                    break
                want *= 4
            survivors = [j for j in taken if float(row[j]) <= margin * positive_score]
            if survivors:
                best = survivors[0]
                mined.append(MinedNegative(positives[best], float(row[best]), positive_score))
            else:
                mined.append(MinedNegative(None, None, positive_score))
    return mined


def _as_dict(row: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    if isinstance(row, BaseModel):
        return row.to_dict() if hasattr(row, "to_dict") else row.model_dump(mode="json")
    return dict(row)


def mine_negatives(
    rows: Iterable[Mapping[str, Any] | BaseModel],
    embedder: Embedder | None = None,
    *,
    top_k: int = DEFAULT_TOP_K,
    margin: float = DEFAULT_MARGIN,
) -> list[dict[str, Any]]:
    """Copies of example rows, the rows of :data:`MINED_KINDS` with a mined negative.

    Each mined row gets ``mined_negative`` (text or ``None``), ``mined_negative_score`` and
    ``mined_positive_score`` (cosines to the query, 4 decimals) beside its written
    ``hard_negative_document``: the closest positive of another row of its kind that scores
    at most ``margin`` times its own positive. Other rows come back unchanged, in order.

    Args:
        rows: Example rows (dicts as ``EmbeddingExampleGenerator`` writes them, or
            ``ExampleRow`` models).
        embedder: Maps a list of texts to an ``(n, d)`` array; ``None`` loads
            all-MiniLM-L6-v2 from the ``semantic`` extra (only when some row is mined).
        top_k: Candidates looked at per row.
        margin: The positive-aware margin.

    Raises:
        ConfigError: Bad settings, or a row of a mined kind without its query or positive.
        ImportError: ``embedder=None`` without the ``semantic`` extra (install hint).

    Example:
        >>> toy = lambda texts: [[1.0, float(len(t))] for t in texts]
        >>> out = mine_negatives([{"kind": "sts", "S1": "a", "S2": "b", "S3": "c"}], toy)
        >>> "mined_negative" in out[0]
        False
    """
    check_mining(top_k, margin)
    copies = [_as_dict(row) for row in rows]
    pools: dict[str, list[int]] = {}
    for number, row in enumerate(copies):
        kind = row.get("kind")
        if kind not in MINED_KINDS:
            continue
        query, positive, _ = TRIPLET_FIELDS[kind]
        missing = [name for name in (query, positive) if not isinstance(row.get(name), str)]
        if missing:
            raise ConfigError(f"row {number + 1} ({kind}): missing column {', '.join(missing)}")
        pools.setdefault(kind, []).append(number)
    if not pools:
        return copies
    embed = load_default_embedder() if embedder is None else embedder
    for kind, members in pools.items():
        query, positive, _ = TRIPLET_FIELDS[kind]
        found = mine_pool(
            [copies[n][query] for n in members],
            [copies[n][positive] for n in members],
            embed,
            top_k=top_k,
            margin=margin,
        )
        for number, negative in zip(members, found, strict=True):
            copies[number].update(negative.columns())
        logger.info("mined negatives for %d of %d %s rows", sum(m.text is not None for m in found), len(found), kind)
    return copies
