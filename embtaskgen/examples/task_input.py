"""The tasks stage 2 writes examples for, from wherever they come.

:func:`task_refs` takes stage 1's prediction or rows (one per call with ``tasks``, or one
per task with ``task``), a JSONL file or folder of shards of them, a ``datasets.Dataset``
or ``(category, task)`` pairs. A task's id is ``"{category}/{generation}/{task_index}"``
for a row of stage 1, else ``"{category}/{first 12 hex digits of the task's SHA-256}"``;
a repeated id gets ``"#2"``, ``"#3"``, ... in input order. The id seeds the example's
attributes and rollout, so the same input gives the same calls.

Every source is checked the same way: a file through the strict JSONL reader
(:func:`~embtaskgen.io.shards.iter_shard_rows`, which names file and line for a byte that
is not UTF-8), and each task by :func:`_check_task`: a non-empty string of UTF-8 text (no
unpaired surrogate such as a JSON ``"\\udce9"``) of at most :data:`MAX_INPUT_TASK_CHARS`
characters, or a :class:`~embtaskgen.errors.ConfigError` naming where it came from.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.io.shards import iter_shard_rows
from embtaskgen.signatures.categories import CATEGORIES

__all__ = ["MAX_INPUT_TASK_CHARS", "TaskRef", "task_refs"]

TaskSource = Any
#: Longest task accepted as input, in characters; a longer one is refused rather than
#: sent as a prompt. Stage 1 keeps none over ``brainstorm.cleaning.MAX_TASK_CHARS`` (500).
MAX_INPUT_TASK_CHARS = 2000
_HASH_DIGITS = 12
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class TaskRef:
    """One task to write examples for, with its stable id (see the module docstring)."""

    category: str
    task: str
    task_id: str


def _hash_id(category: str, task: str) -> str:
    digest = hashlib.sha256(task.encode("utf-8")).hexdigest()
    return f"{category}/{digest[:_HASH_DIGITS]}"


def _check_category(category: object, where: str) -> str:
    if category not in CATEGORIES:
        raise ConfigError(f"{where}: category must be one of {', '.join(CATEGORIES)}, got {category!r}")
    return str(category)


def _check_task(task: object, where: str) -> str:
    if not isinstance(task, str) or not task.strip():
        raise ConfigError(f"{where}: a task must be a non-empty string, got {task!r}")
    if len(task) > MAX_INPUT_TASK_CHARS:
        raise ConfigError(
            f"{where}: a task of {len(task):,} characters; tasks are at most {MAX_INPUT_TASK_CHARS:,} "
            "characters (shorten or split it)"
        )
    if bad := _SURROGATE.search(task):
        raise ConfigError(
            f"{where}: the task is not UTF-8 text (unpaired surrogate {bad.group()!r} "
            f"at character {bad.start() + 1}); write it as UTF-8"
        )
    return task


def _row_refs(row: Mapping[str, Any], where: str) -> list[tuple[str, str, str]]:
    """``(category, task, id)`` of each task of one row of stage 1."""
    if "category" not in row:
        raise ConfigError(f"{where}: missing field 'category' (a task row needs category and task or tasks)")
    category = _check_category(row["category"], where)
    generation = row.get("generation")
    if "task" in row:
        task = _check_task(row["task"], where)
        index = row.get("task_index", 0)
        ident = f"{category}/{generation}/{index}" if generation is not None else _hash_id(category, task)
        return [(category, task, ident)]
    if "tasks" in row:
        tasks = row["tasks"]
        if not isinstance(tasks, list):
            raise ConfigError(f"{where}: 'tasks' must be a list of strings, got {type(tasks).__name__}")
        refs = []
        for index, task in enumerate(tasks):
            task = _check_task(task, f"{where}, tasks[{index}]")
            ident = f"{category}/{generation}/{index}" if generation is not None else _hash_id(category, task)
            refs.append((category, task, ident))
        return refs
    raise ConfigError(f"{where}: missing field 'task' or 'tasks' (a task row needs category and task or tasks)")


def _pair_refs(pair: Any, where: str) -> list[tuple[str, str, str]]:
    if isinstance(pair, (str, bytes)) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ConfigError(f"{where}: expected a task row (a dict) or a (category, task) pair, got {pair!r}")
    category = _check_category(pair[0], where)
    task = _check_task(pair[1], where)
    return [(category, task, _hash_id(category, task))]


def _items(source: TaskSource) -> tuple[Iterable[tuple[str, Any]], str]:
    """``(where, item)`` for each item of ``source``, and the name of ``source`` in messages."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file() and not path.is_dir():
            raise ConfigError(f"task file {str(path)!r} does not exist or is not a file (or a folder of shards)")
        found = iter_shard_rows(path)
        return ((f"{file}:{number}", row) for file, number, row in found), f"task file {str(path)!r}"
    rows = getattr(source, "rows", None)
    if isinstance(rows, list):  # a dspy.Prediction of EmbeddingTaskGenerator
        return _numbered(rows, "prediction row"), "the prediction"
    if hasattr(source, "column_names") and hasattr(source, "__iter__"):  # a datasets.Dataset
        return _numbered(source, "dataset row"), "the dataset"
    if isinstance(source, Iterable) and not isinstance(source, (str, bytes, Mapping)):
        return _numbered(source, "item"), "the input"
    raise ConfigError(
        "tasks must be an EmbeddingTaskGenerator prediction, its rows, a JSONL path, a datasets.Dataset "
        f"or (category, task) pairs, got {type(source).__name__}"
    )


def _numbered(items: Iterable[Any], label: str) -> Iterable[tuple[str, Any]]:
    return ((f"{label} {number}", item) for number, item in enumerate(items, start=1))


def task_refs(source: TaskSource) -> list[TaskRef]:
    """Every task of ``source``, in order, with a stable unique id.

    Raises:
        ConfigError: A missing or unreadable file (a line not UTF-8 or not JSON), a
            row without ``category`` or ``task``/``tasks``, an unknown category, a blank
            task, a task over :data:`MAX_INPUT_TASK_CHARS` characters or not UTF-8 text, or no
            task at all.
    """
    items, name = _items(source)
    found: list[tuple[str, str, str]] = []
    for where, item in items:
        found.extend(_row_refs(item, where) if isinstance(item, Mapping) else _pair_refs(item, where))
    if not found:
        raise ConfigError(f"no tasks in {name}; nothing to write examples for")
    seen: Counter[str] = Counter()
    refs = []
    for category, task, ident in found:
        seen[ident] += 1
        if seen[ident] > 1:
            ident = f"{ident}#{seen[ident]}"
        refs.append(TaskRef(category, task, ident))
    return refs
