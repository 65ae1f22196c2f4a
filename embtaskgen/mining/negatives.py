"""Mined hard negatives: for each example, neighbouring positives of other examples.

Per pool (:func:`mine_pool`, the rows of one kind): the candidates are the positives of the
*other* rows (never a row's own positive or its query); of the ``top_k`` closest to the
query, those the same as its positive or query up to case, spacing and end punctuation are
dropped, and so is every one scoring above the positive-aware margin (threshold
``positive - |positive| * (1 - margin)``: ``margin`` times a positive score, and still below
a negative one); the ``negatives`` closest survivors are kept. A ``SentenceTransformer``
embedder ranks with ``sentence_transformers.util.mine_hard_negatives`` (faiss when
installed); any other callable ``texts -> (n, d)`` ranks here. Classification (the positive
is a label), ``sts`` and ``bitext`` (S3 is already a graded negative) are not mined.

Example:
    >>> toy = lambda texts: [[t.count("cat"), t.count("dog"), 1.0] for t in texts]
    >>> rows = [{"kind": "text-matching-short", "input": "cat", "positive_document": "cat cat"},
    ...         {"kind": "text-matching-short", "input": "a cat", "positive_document": "the cat, the cat"},
    ...         {"kind": "text-matching-short", "input": "dog", "positive_document": "dog and cat"}]
    >>> mined = mine_negatives(rows, toy, top_k=2)
    >>> [row["mined_negative"] for row in mined]  # the paraphrase of a positive is never its negative
    ['dog and cat', 'dog and cat', 'cat cat']
    >>> mined[0]["mined_negative_scores"], mined[0]["mined_positive_score"]
    ([0.8165], 0.9487)
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import TRIPLET_FIELDS
from embtaskgen.examples.validity import same_text
from embtaskgen.quality.semantic import load_default_model

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

#: The kinds whose rows get mined negatives.
MINED_KINDS: tuple[str, ...] = ("text-retrieval", "text-matching-short", "text-matching-long")
#: Candidates looked at per row.
DEFAULT_TOP_K = 10
#: A candidate scoring above this share of the positive's score is dropped.
DEFAULT_MARGIN = 0.95

_BLOCK = 512
Candidates = list[tuple[str, float]]


@dataclass(frozen=True)
class MinedNegative:
    """The mined negatives of one row, closest first (none when no candidate survived),
    their cosines to the query and that of the row's own positive (``None``: no candidate at all)."""

    texts: tuple[str, ...]
    scores: tuple[float, ...]
    positive_score: float | None

    def columns(self) -> dict[str, Any]:
        """``mined_negatives``, ``mined_negative_scores``, ``mined_positive_score`` (4 decimals), and
        the columns of one mined negative kept for earlier readers: ``mined_negative``, the closest,
        and ``mined_negative_score`` (``None`` without a survivor)."""
        return {
            "mined_negative": self.texts[0] if self.texts else None,
            "mined_negative_score": round(self.scores[0], 4) if self.scores else None,
            "mined_negatives": list(self.texts),
            "mined_negative_scores": [round(score, 4) for score in self.scores],
            "mined_positive_score": None if self.positive_score is None else round(self.positive_score, 4),
        }


def check_mining(top_k: int, margin: float, negatives: int = 1) -> None:
    """Raise a ``ConfigError`` unless ``1 <= negatives <= top_k`` are integers and ``margin`` is in (0, 1]."""
    for name, value in (("top_k", top_k), ("negatives", negatives)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    if negatives > top_k:
        raise ConfigError(f"negatives ({negatives}) must be at most top_k ({top_k}), the candidates looked at")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 1:
        raise ConfigError(f"margin must be a number in (0, 1] (a share of the positive's score), got {margin!r}")


def _unit(vectors: Any, count: int, what: str) -> Any:
    import numpy as np

    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] != count:
        raise ConfigError(f"the embedder must return one vector per text: {count} {what} gave shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0, 1.0, norms)


def _rank(queries: Sequence[str], positives: Sequence[str], embed: Any, top_k: int) -> list[tuple[float, Candidates]]:
    """Per pair: its positive's cosine and the ``top_k`` closest other positives (ties: earlier first)."""
    import numpy as np

    distinct = list(dict.fromkeys(positives))
    slot = {text: number for number, text in enumerate(distinct)}
    doc = _unit(embed(distinct), len(distinct), "positives")
    query = _unit(embed(list(queries)), len(queries), "queries")
    ranked: list[tuple[float, Candidates]] = []
    for start in range(0, len(queries), _BLOCK):
        scores = query[start : start + _BLOCK] @ doc.T
        for offset, row in enumerate(scores):
            i = start + offset
            own = slot[positives[i]]
            positive_score = float(row[own])
            row[[own, *([slot[queries[i]]] if queries[i] in slot else [])]] = -np.inf
            head = np.argpartition(-row, top_k)[: top_k + 1] if top_k < len(row) else np.arange(len(row))
            order = head[np.lexsort((head, -row[head]))][:top_k]
            ranked.append((positive_score, [(distinct[j], float(row[j])) for j in order if row[j] > -np.inf]))
    return ranked


def _rank_with_library(queries: Sequence[str], positives: Sequence[str], model: Any, top_k: int) -> list[Any]:
    """:func:`_rank` by ``mine_hard_negatives`` (``labeled-list`` with scores; a pair without candidates: ``None``)."""
    from datasets import Dataset
    from sentence_transformers.util import mine_hard_negatives

    found = mine_hard_negatives(
        Dataset.from_dict({"anchor": list(queries), "positive": list(positives)}),
        model,
        num_negatives=top_k,
        output_format="labeled-list",
        output_scores=True,
        use_faiss=importlib.util.find_spec("faiss") is not None,
        faiss_batch_size=_BLOCK,  # the scores of 512 queries at a time, as here
        verbose=False,
    )
    by_pair = {}
    for row in found:
        documents, scores = row["positive"], row["scores"]
        by_pair[documents[0], row["anchor"]] = (scores[0], list(zip(documents[1:], scores[1:], strict=True)))
    return [by_pair.get((positive, query)) for query, positive in zip(queries, positives, strict=True)]


def mine_pool(
    queries: Sequence[str],
    positives: Sequence[str],
    embedder: Any,
    *,
    top_k: int = DEFAULT_TOP_K,
    margin: float = DEFAULT_MARGIN,
    negatives: int = 1,
) -> list[MinedNegative]:
    """Mine up to ``negatives`` negatives per (query, positive) pair among the other pairs' positives.

    Raises:
        ConfigError: Bad settings, lists of different lengths, or an embedder that does
            not return one vector per text.

    Example:
        >>> toy = lambda texts: [[len(t), 1.0] for t in texts]
        >>> mine_pool(["a"], ["b"], toy)[0].texts
        ()
    """
    check_mining(top_k, margin, negatives)
    if len(queries) != len(positives):
        raise ConfigError(f"{len(queries)} queries but {len(positives)} positives; give one positive per query")
    if not queries:
        return []
    library = sys.modules.get("sentence_transformers")
    if library is not None and isinstance(embedder, library.SentenceTransformer):
        ranked = _rank_with_library(queries, positives, embedder, top_k)
    else:
        ranked = _rank(queries, positives, embedder, top_k)
    mined: list[MinedNegative] = []
    for query, positive, found in zip(queries, positives, ranked, strict=True):
        positive_score, candidates = found or (None, [])
        threshold = 0.0 if positive_score is None else positive_score - abs(positive_score) * (1 - margin)
        kept = [
            (text, score)
            for text, score in candidates
            if score <= threshold and not same_text(text, positive) and not same_text(text, query)
        ][:negatives]
        mined.append(MinedNegative(tuple(t for t, _ in kept), tuple(s for _, s in kept), positive_score))
    return mined


def _as_dict(row: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    if isinstance(row, BaseModel):
        return row.to_dict() if hasattr(row, "to_dict") else row.model_dump(mode="json")
    return dict(row)


def mine_negatives(
    rows: Iterable[Mapping[str, Any] | BaseModel],
    embedder: Any = None,
    *,
    top_k: int = DEFAULT_TOP_K,
    margin: float = DEFAULT_MARGIN,
    negatives: int = 1,
) -> list[dict[str, Any]]:
    """Copies of example rows, the rows of :data:`MINED_KINDS` with a mined negative.

    Each mined row gets :meth:`MinedNegative.columns` beside its written
    ``hard_negative_document``: up to ``negatives`` closest positives of other rows of its
    kind that pass the margin. Other rows come back unchanged, in order.

    Args:
        rows: Example rows (dicts as ``EmbeddingExampleGenerator`` writes them, or
            ``ExampleRow`` models).
        embedder: A ``SentenceTransformer`` (mined by ``mine_hard_negatives``) or any
            callable mapping a list of texts to an ``(n, d)`` array; ``None`` loads
            all-MiniLM-L6-v2 from the ``semantic`` extra (only when some row is mined).
        top_k: Candidates looked at per row.
        margin: The positive-aware margin.
        negatives: Negatives kept per row (at most ``top_k``).

    Raises:
        ConfigError: Bad settings, or a row of a mined kind without its query or positive.
        ImportError: ``embedder=None`` without the ``semantic`` extra (install hint).

    Example:
        >>> toy = lambda texts: [[1.0, float(len(t))] for t in texts]
        >>> out = mine_negatives([{"kind": "sts", "S1": "a", "S2": "b", "S3": "c"}], toy)
        >>> "mined_negative" in out[0]
        False
    """
    check_mining(top_k, margin, negatives)
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
    embed = load_default_model() if embedder is None else embedder
    for kind, members in pools.items():
        query, positive, _ = TRIPLET_FIELDS[kind]
        found = mine_pool(
            [copies[n][query] for n in members],
            [copies[n][positive] for n in members],
            embed,
            top_k=top_k,
            margin=margin,
            negatives=negatives,
        )
        for number, negative in zip(members, found, strict=True):
            copies[number].update(negative.columns())
        logger.info("mined negatives for %d of %d %s rows", sum(bool(m.texts) for m in found), len(found), kind)
    return copies
