"""Example rows as sentence-transformers training triplets (``anchor``, ``positive``, ``negative``).

The anchor carries the task as E5's instruction (Wang et al., 2024; query side only); the
columns of each kind are :data:`~embtaskgen.examples.kinds.TRIPLET_FIELDS`. Every record
has the three keys: the matching kinds' ``negative`` is ``None`` unless mined
(``docs/examples/sentence-transformers.md``).

Example:
    >>> row = {"kind": "sts", "task": "Retrieve semantically similar text.",
    ...        "S1": "A dog runs.", "S2": "A dog is running.", "S3": "A cat sleeps."}
    >>> to_sentence_transformers([row])[0]["anchor"]
    'Instruct: Retrieve semantically similar text.\\nQuery: A dog runs.'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import EXAMPLE_KINDS, TRIPLET_FIELDS

__all__ = ["NEGATIVE_CHOICES", "e5_anchor", "to_sentence_transformers"]

_MINABLE = ("text-retrieval", "text-matching-short", "text-matching-long")
#: Where ``negative`` comes from: the model's written negative, or the mined one.
NEGATIVE_CHOICES = ("written", "mined")
_MINED = "mined_negative"


def e5_anchor(task: str, query: str) -> str:
    """The E5 instruction-formatted query.

    Example:
        >>> e5_anchor("Find recipes.", "vegan lasagne")
        'Instruct: Find recipes.\\nQuery: vegan lasagne'
    """
    return f"Instruct: {task}\nQuery: {query}"


def to_sentence_transformers(
    rows: Iterable[Mapping[str, Any] | BaseModel], negative: str = "written"
) -> list[dict[str, str | None]]:
    """Map example rows to ``{"anchor", "positive", "negative"}`` records, in order.

    Args:
        rows: Example rows (dicts as ``EmbeddingExampleGenerator`` returns them, or
            ``ExampleRow`` models).
        negative: ``"written"`` (the model's) or ``"mined"``: for the retrieval and
            matching kinds the row's ``mined_negative`` (``mine_negatives``) where it is
            not ``None``, else the written one.

    Returns:
        One record per row; ``negative`` is ``None`` for the matching kinds (unless mined).

    Raises:
        ConfigError: An unknown ``negative`` choice, a row without a known ``kind`` or
            without one of its columns, or ``negative="mined"`` on a row of a mined kind
            that was never mined (no ``mined_negative`` column).

    Example:
        >>> to_sentence_transformers([{"kind": "text-matching-short", "task": "Match titles.",
        ...                            "input": "A", "positive_document": "B"}])[0]["negative"] is None
        True
    """
    if negative not in NEGATIVE_CHOICES:
        raise ConfigError(f"negative must be one of {', '.join(NEGATIVE_CHOICES)}, got {negative!r}")
    records: list[dict[str, str | None]] = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, BaseModel):
            row = row.to_dict() if hasattr(row, "to_dict") else row.model_dump(mode="json")
        kind = row.get("kind")
        if kind not in TRIPLET_FIELDS:
            raise ConfigError(f"row {number}: kind must be one of {', '.join(EXAMPLE_KINDS)}, got {kind!r}")
        query, positive, negative_column = TRIPLET_FIELDS[kind]
        needed = ["task", query, positive] + ([negative_column] if negative_column else [])
        missing = [name for name in needed if not isinstance(row.get(name), str)]
        if missing:
            raise ConfigError(f"row {number} ({kind}): missing column {', '.join(missing)}")
        chosen = row[negative_column] if negative_column else None
        if negative == "mined" and kind in _MINABLE:
            if _MINED not in row:
                raise ConfigError(
                    f"row {number} ({kind}): no {_MINED} column; mine the rows first "
                    "(mine_negatives, --mine-negatives) or use negative='written'"
                )
            if isinstance(row[_MINED], str):
                chosen = row[_MINED]
        records.append({"anchor": e5_anchor(row["task"], row[query]), "positive": row[positive], "negative": chosen})
    return records
