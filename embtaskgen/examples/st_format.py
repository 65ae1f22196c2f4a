"""Example rows as sentence-transformers training triplets (``anchor``, ``positive``, ``negative``).

The anchor carries the task as E5's instruction, ``Instruct: {task}\\nQuery: {query}``
(Wang et al., 2024; the instruction goes on the query side only); for ``sts`` and
``bitext`` the task is the paper's fixed instruction, already in the row's ``task``.

==========================  ==================  =====================  ==========================
kind                        query               positive               negative
==========================  ==================  =====================  ==========================
text-retrieval              ``user_query``      ``positive_document``  ``hard_negative_document``
text-matching-short / long  ``input``           ``positive_document``  ``None``
text-classification         ``input_text``      ``label``              ``misleading_label``
sts, bitext                 ``S1``              ``S2``                 ``S3``
==========================  ==================  =====================  ==========================

The matching kinds have no negative: their ``negative`` is ``None`` (the key is always
there, so every record has the same columns; drop those rows, or the column, for a loss
that needs a negative).

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

__all__ = ["ST_COLUMNS", "e5_anchor", "to_sentence_transformers"]

#: The columns of every record.
ST_COLUMNS = ("anchor", "positive", "negative")


def e5_anchor(task: str, query: str) -> str:
    """The E5 instruction-formatted query.

    Example:
        >>> e5_anchor("Find recipes.", "vegan lasagne")
        'Instruct: Find recipes.\\nQuery: vegan lasagne'
    """
    return f"Instruct: {task}\nQuery: {query}"


def to_sentence_transformers(rows: Iterable[Mapping[str, Any] | BaseModel]) -> list[dict[str, str | None]]:
    """Map example rows to ``{"anchor", "positive", "negative"}`` records, in order.

    Args:
        rows: Example rows (dicts as ``EmbeddingExampleGenerator`` returns them, or
            ``ExampleRow`` models).

    Returns:
        One record per row; ``negative`` is ``None`` for the matching kinds.

    Raises:
        ConfigError: A row without a known ``kind`` or without one of its columns.

    Example:
        >>> to_sentence_transformers([{"kind": "text-matching-short", "task": "Match titles.",
        ...                            "input": "A", "positive_document": "B"}])[0]["negative"] is None
        True
    """
    records: list[dict[str, str | None]] = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, BaseModel):
            row = row.to_dict() if hasattr(row, "to_dict") else row.model_dump(mode="json")
        kind = row.get("kind")
        if kind not in TRIPLET_FIELDS:
            raise ConfigError(f"row {number}: kind must be one of {', '.join(EXAMPLE_KINDS)}, got {kind!r}")
        query, positive, negative = TRIPLET_FIELDS[kind]
        needed = ["task", query, positive] + ([negative] if negative else [])
        missing = [name for name in needed if not isinstance(row.get(name), str)]
        if missing:
            raise ConfigError(f"row {number} ({kind}): missing column {', '.join(missing)}")
        records.append({
            "anchor": e5_anchor(row["task"], row[query]),
            "positive": row[positive],
            "negative": row[negative] if negative else None,
        })
    return records
