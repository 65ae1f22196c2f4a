"""Row models for generated tasks, and JSONL / Hugging Face ``datasets`` export.

Two row shapes, compatible with distilabel's ``EmbeddingTaskGenerator``:
:class:`GenerationRow` (one per model call, with ``tasks``) and :class:`TaskRow`
(flattened: one per task). Both add provenance (``generation``, ``seed``, ``topic``,
``metadata``); token usage is not part of a row (the same seed must give identical rows).

Example:
    >>> row = GenerationRow(category="text-retrieval", tasks=["Retrieve news."],
    ...                     model_name="m", generation=0, seed=1)
    >>> [r.task for r in row.flatten()]
    ['Retrieve news.']
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from embtaskgen.io.shards import iter_shard_rows

__all__ = ["GenerationMetadata", "GenerationRow", "Row", "TaskRow", "read_jsonl", "to_dataset", "to_jsonl"]


class GenerationMetadata(BaseModel):
    """What happened in one model call.

    Attributes:
        rollout_id: DSPy rollout id of the call (derived from seed, category, generation).
        num_tasks: How many tasks the call asked for.
        returned: Items the model returned (0 on a parse failure).
        dropped: Items dropped by cleaning, per reason.
        parse_failure: The output did not parse as a list of strings.
        raw_output: The model's raw text when it did not parse (else ``None``).
        error: Reason of a failed call other than a parse failure (else ``None``).
        options: Generation options that shaped the prompt (topic, demos, avoid).
    """

    model_config = ConfigDict(extra="allow")

    rollout_id: int
    num_tasks: int
    returned: int = 0
    dropped: dict[str, int] = Field(default_factory=dict)
    parse_failure: bool = False
    raw_output: str | None = None
    error: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class _RowBase(BaseModel):
    model_config = ConfigDict(extra="allow")

    category: str
    model_name: str
    generation: int = Field(ge=0)
    seed: int
    topic: str = ""


class TaskRow(_RowBase):
    """One task per row (``flatten_tasks=True``)."""

    task: str
    task_index: int = Field(default=0, ge=0)
    rollout_id: int | None = None


class GenerationRow(_RowBase):
    """One model call per row (``flatten_tasks=False``)."""

    tasks: list[str]
    metadata: GenerationMetadata | None = None

    def flatten(self) -> list[TaskRow]:
        """Split this row into one :class:`TaskRow` per task."""
        rollout = self.metadata.rollout_id if self.metadata else None
        return [
            TaskRow(
                **{name: getattr(self, name) for name in _RowBase.model_fields},
                task=task,
                task_index=index,
                rollout_id=rollout,
            )
            for index, task in enumerate(self.tasks)
        ]


Row = GenerationRow | TaskRow


def _as_dict(row: Row | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(row, BaseModel):
        return row.model_dump(mode="json", exclude_none=True)
    return dict(row)


def to_jsonl(rows: Iterable[Row | Mapping[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write rows to a JSONL file atomically (all rows or nothing).

    Args:
        rows: Row models or plain dicts.
        path: Destination file; its parent directory must exist.

    Returns:
        The number of lines written.

    Example:
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
        >>> to_jsonl([{"category": "text-retrieval", "task": "x"}], out)
        1
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(_as_dict(row), ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a JSONL file of rows into dicts; a folder of shards (``--executor ray``) too.

    Raises:
        ValueError: A line is not a JSON object (the message names the line number).
    """
    return [value for _, _, value in iter_shard_rows(path)]


def to_dataset(rows: Iterable[Row | Mapping[str, Any]] | str | os.PathLike[str]) -> Any:
    """Build a Hugging Face ``datasets.Dataset`` from rows, a JSONL file or a folder of shards.

    Nested ``metadata`` is stored as a JSON string so every row has the same schema.
    Rows with different columns (example rows of several kinds) get every column, ``None``
    where a row has none.

    Raises:
        ImportError: ``datasets`` is not installed (install hint in the message).
    """
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - exercised when the extra is absent
        raise ImportError("to_dataset needs the Hugging Face datasets package: pip install 'embtaskgen[hf]'") from exc
    if isinstance(rows, (str, os.PathLike)):
        rows = read_jsonl(rows)
    records = []
    for row in rows:
        record = _as_dict(row)
        if "metadata" in record:
            record["metadata"] = json.dumps(record["metadata"], ensure_ascii=False)
        records.append(record)
    # from_list takes the first row's columns only: give every row the union, in first-seen order.
    columns = dict.fromkeys(key for record in records for key in record)
    return datasets.Dataset.from_list([{key: record.get(key) for key in columns} for record in records])
