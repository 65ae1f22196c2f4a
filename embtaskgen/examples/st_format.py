"""Example rows as sentence-transformers training records, one list (and file) per column shape.

The anchor carries the task as E5's instruction (Wang et al., 2024; query side only); the
columns of each kind are :data:`~embtaskgen.examples.kinds.TRIPLET_FIELDS`. No column is
ever null: a row without a negative is a pair, one with a negative a triplet, one with
several mined negatives a triplet per negative or an n-tuple (with their cosines for
MarginMSE), each shape a list of its own (``docs/examples/sentence-transformers.md``).

Example:
    >>> row = {"kind": "sts", "task": "Retrieve semantically similar text.",
    ...        "S1": "A dog runs.", "S2": "A dog is running.", "S3": "A cat sleeps."}
    >>> to_sentence_transformers([row])["triplets"][0]["anchor"]
    'Instruct: Retrieve semantically similar text.\\nQuery: A dog runs.'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import EXAMPLE_KINDS, TRIPLET_FIELDS
from embtaskgen.runs.files import write_json_atomic

__all__ = [
    "NEGATIVE_CHOICES",
    "NEGATIVE_FORMATS",
    "e5_anchor",
    "shape_path",
    "to_sentence_transformers",
    "write_sentence_transformers",
]

_MINABLE = ("text-retrieval", "text-matching-short", "text-matching-long")
#: Where the negatives come from: the model's written negative, or the mined ones.
NEGATIVE_CHOICES = ("written", "mined")
#: How several mined negatives are laid out (``n-tuple-scores`` adds their cosines, for MarginMSE;
#: ``labeled-list``: the query, its documents and their cosines, for rerankers' listwise losses).
NEGATIVE_FORMATS = ("triplet", "n-tuple", "n-tuple-scores", "labeled-list")


def e5_anchor(task: str, query: str) -> str:
    """The E5 instruction-formatted query.

    Example:
        >>> e5_anchor("Find recipes.", "vegan lasagne")
        'Instruct: Find recipes.\\nQuery: vegan lasagne'
    """
    return f"Instruct: {task}\nQuery: {query}"


def _shaped(head: dict[str, Any], negatives: list[str], scores: list[float] | None, layout: str) -> Any:
    """``(shape, records)`` of one row: ``pairs``, ``triplets``, ``n-tuples-N`` or ``n-tuples-N-scores``."""
    if not negatives:
        return "pairs", [head]
    if layout == "labeled-list" and scores:  # as mine_hard_negatives(output_format="labeled-list", output_scores=True)
        return "labeled-lists", [
            {"anchor": head["anchor"], "positive": [head["positive"], *negatives], "scores": scores}
        ]
    if layout == "n-tuple-scores" and scores:
        columns = {f"negative_{n}": text for n, text in enumerate(negatives, start=1)}
        return f"n-tuples-{len(negatives)}-scores", [{**head, **columns, "scores": scores}]
    if layout == "triplet" or len(negatives) == 1:
        return "triplets", [{**head, "negative": text} for text in negatives]
    return f"n-tuples-{len(negatives)}", [{**head, **{f"negative_{n}": t for n, t in enumerate(negatives, start=1)}}]


def to_sentence_transformers(
    rows: Iterable[Mapping[str, Any] | BaseModel], negative: str = "written", negative_format: str = "triplet"
) -> dict[str, list[dict[str, Any]]]:
    """Map example rows to sentence-transformers records, grouped by shape, in row order.

    Shapes: ``pairs`` (``anchor, positive``: the matching kinds unless mined),
    ``triplets`` (``anchor, positive, negative``), ``n-tuples-N`` (``anchor, positive,
    negative_1..negative_N``), ``n-tuples-N-scores`` (the same and ``scores``: the
    cosines of the positive and of each negative to the query) and ``labeled-lists``
    (``anchor``, ``positive``: the positive then the negatives, ``scores``: their cosines).

    Args:
        rows: Example rows (dicts as ``EmbeddingExampleGenerator`` returns them, or
            ``ExampleRow`` models).
        negative: ``"written"`` (the model's) or ``"mined"``: for the retrieval and
            matching kinds the row's ``mined_negatives`` (``mine_negatives``) where there
            are any, else the written one.
        negative_format: How several mined negatives are laid out (:data:`NEGATIVE_FORMATS`):
            a triplet per negative, one n-tuple, or one n-tuple with its scores.

    Raises:
        ConfigError: An unknown choice, a row without a known ``kind`` or without one of
            its columns, or ``negative="mined"`` on a row of a mined kind that was never
            mined (no ``mined_negatives`` column).

    Example:
        >>> to_sentence_transformers([{"kind": "text-matching-short", "task": "Match titles.",
        ...                            "input": "A", "positive_document": "B"}])
        {'pairs': [{'anchor': 'Instruct: Match titles.\\nQuery: A', 'positive': 'B'}]}
    """
    checks = (("negative", negative, NEGATIVE_CHOICES), ("negative_format", negative_format, NEGATIVE_FORMATS))
    for name, value, choices in checks:
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    shapes: dict[str, list[dict[str, Any]]] = {}
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
        negatives, scores = ([row[negative_column]] if negative_column else []), None
        if negative == "mined" and kind in _MINABLE:
            if "mined_negatives" not in row:
                raise ConfigError(
                    f"row {number} ({kind}): no mined_negatives column; mine the rows first "
                    "(mine_negatives, --mine-negatives) or use negative='written'"
                )
            if row["mined_negatives"]:
                negatives = list(row["mined_negatives"])
                scores = [row["mined_positive_score"], *row["mined_negative_scores"]]
        head = {"anchor": e5_anchor(row["task"], row[query]), "positive": row[positive]}
        shape, records = _shaped(head, negatives, scores, negative_format)
        shapes.setdefault(shape, []).extend(records)
    return shapes


def shape_path(output: str | os.PathLike[str], shape: str) -> Path:
    """The file of one shape beside ``output``: ``examples.jsonl`` -> ``examples.st-pairs.jsonl``."""
    path = Path(output)
    return path.with_name(f"{path.stem}.st-{shape}.jsonl")


def write_sentence_transformers(
    rows: Iterable[Mapping[str, Any] | BaseModel],
    output: str | os.PathLike[str],
    negative: str = "written",
    negative_format: str = "triplet",
) -> dict[str, Path]:
    """Write :func:`to_sentence_transformers` beside ``output``, a JSONL file per shape (:func:`shape_path`).

    Files of shapes this call does not write (from an earlier run) are removed; each file
    is replaced atomically. Returns ``{shape: path}``.

    Raises:
        ConfigError: As :func:`to_sentence_transformers`.
        WriteError: A file could not be written.
    """
    shapes = to_sentence_transformers(rows, negative, negative_format)
    written = {shape: shape_path(output, shape) for shape in shapes}
    for stale in set(Path(output).parent.glob(shape_path(output, "*").name)) - set(written.values()):
        stale.unlink()
    for shape, records in shapes.items():
        write_json_atomic(written[shape], "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return written
