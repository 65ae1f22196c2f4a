"""Turn one finished call into rows: clean it, de-duplicate it, shape the rows.

The one place rows are built: ``EmbeddingTaskGenerator.forward`` assembles its calls
in plan order (:func:`assemble_prediction`), and a streaming run
(:func:`embtaskgen.runs.runner.run`) assembles each call as it finishes (:func:`assemble`).
A call without a list (parse failure or error) has no task rows: ``forward`` keeps an
empty row with the raw text in its metadata (:func:`failed_row`), a run records it in
its failures sidecar.

A call contributes at most :func:`~embtaskgen.brainstorm.cleaning.item_cap` items of
its list (the rest are dropped as ``over_cap``), each sanitised and at most
:data:`~embtaskgen.brainstorm.cleaning.MAX_TASK_CHARS` long (else ``too_long``): these
counts join the duplicates in ``dropped`` (row metadata, prediction stats, run
summary), apart from parse failures; ``returned`` is always ``kept`` plus the dropped.

Example:
    >>> from embtaskgen.brainstorm.call_result import CallResult
    >>> from embtaskgen.brainstorm.cleaning import TaskDeduper
    >>> result = CallResult("text-retrieval", 0, 123, items=["1. Find news.", "find news"])
    >>> built = assemble(result, TaskDeduper(), model_name="m", seed=7, num_tasks=2, flatten=True)
    >>> built.kept, built.dropped, [row["task"] for row in built.rows]
    (1, {'duplicate_normalised': 1}, ['Find news.'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dspy

from embtaskgen.brainstorm.call_result import CallResult, sanitize_raw
from embtaskgen.brainstorm.cleaning import TaskDeduper, item_cap
from embtaskgen.brainstorm.rows import GenerationMetadata, GenerationRow
from embtaskgen.errors import ConfigError
from embtaskgen.settings import GenerationSettings


__all__ = ["Assembled", "assemble", "assemble_prediction", "failed_row"]


@dataclass
class Assembled:
    """The rows of one call and what cleaning did.

    Attributes:
        rows: Row dicts (JSON-ready), one per call or one per task when flattened.
        tasks: The kept tasks, in order.
        returned: Items the model returned.
        kept: Tasks kept.
        dropped: Items dropped, per reason.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    returned: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


def assemble(
    result: CallResult,
    deduper: TaskDeduper,
    *,
    model_name: str,
    seed: int,
    num_tasks: int,
    flatten: bool,
) -> Assembled:
    """Clean ``result.items`` against ``deduper`` and build its rows.

    Args:
        result: A call that returned a list (``result.items is not None``).
        deduper: The run's de-duplicator (it remembers the kept tasks).
        model_name: Value of every row's ``model_name``.
        seed: The run seed, recorded in every row.
        num_tasks: Tasks the call asked for.
        flatten: One row per task instead of one row per call.

    Raises:
        ValueError: ``result`` has no items (a failed call has no rows).
    """
    if result.items is None:
        raise ConfigError(
            f"{result.category} generation {result.generation} has no items; failed calls have no rows"
        )
    cleaned = deduper.clean(result.items, max_items=item_cap(num_tasks))
    metadata = GenerationMetadata(
        rollout_id=result.rollout_id,
        num_tasks=num_tasks,
        options=result.options,
        returned=len(result.items),
        dropped=dict(cleaned.dropped),
    )
    row = GenerationRow(
        category=result.category,
        tasks=cleaned.tasks,
        model_name=model_name,
        generation=result.generation,
        seed=seed,
        topic=result.topic,
        metadata=metadata,
    )
    records = row.flatten() if flatten else [row]
    return Assembled(
        rows=[r.model_dump(mode="json", exclude_none=True) for r in records],
        tasks=list(cleaned.tasks),
        returned=len(result.items),
        kept=len(cleaned.tasks),
        dropped=dict(cleaned.dropped),
    )


def _untrusted(text: str | None) -> str | None:
    """A failed call's text as any file can hold it (the generator sanitised it already;
    a ``CallResult`` built elsewhere may not be)."""
    return None if text is None else sanitize_raw(text)


def failed_row(result: CallResult, *, model_name: str, seed: int, num_tasks: int) -> dict[str, Any]:
    """The empty row ``forward`` keeps for a failed call, with the raw text in its metadata."""
    metadata = GenerationMetadata(
        rollout_id=result.rollout_id,
        num_tasks=num_tasks,
        options=result.options,
        parse_failure=result.parse_failure,
        raw_output=_untrusted(result.raw_output),
        error=_untrusted(result.error),
    )
    row = GenerationRow(
        category=result.category, tasks=[], model_name=model_name,
        generation=result.generation, seed=seed, topic=result.topic, metadata=metadata,
    )
    return row.model_dump(mode="json", exclude_none=True)


def assemble_prediction(
    results: Sequence[CallResult], settings: GenerationSettings, *, model_name: str, seed: int
) -> dspy.Prediction:
    """Assemble the calls of one ``forward`` in plan order into its ``dspy.Prediction``.

    Args:
        results: The calls, in plan order.
        settings: The generator's settings (shape, duplicates, tasks asked for).
        model_name: Value of every row's ``model_name``.
        seed: The run seed.

    Returns:
        ``dspy.Prediction(rows, tasks, seed, stats, failures)`` (see ``forward``).
    """
    deduper = TaskDeduper(keep_duplicates=settings.keep_duplicates)
    rows: list[dict[str, Any]] = []
    tasks: list[str] = []
    failures: list[dict[str, Any]] = []
    dropped: Counter[str] = Counter()
    returned = 0
    usage: Counter[str] = Counter()
    for result in results:
        usage.update(result.token_counts())
        if result.items is not None:
            built = assemble(
                result, deduper, model_name=model_name, seed=seed,
                num_tasks=settings.num_tasks, flatten=settings.flatten,
            )
            rows.extend(built.rows)
            tasks.extend(built.tasks)
            dropped.update(built.dropped)
            returned += built.returned
            continue
        failures.append({
            "category": result.category,
            "generation": result.generation,
            "reason": "parse_failure" if result.parse_failure else "error",
            "error": _untrusted(result.error),
            "raw_output": _untrusted(result.raw_output),
        })
        if not settings.flatten:
            rows.append(failed_row(result, model_name=model_name, seed=seed, num_tasks=settings.num_tasks))
    stats = {
        "calls": len(results),
        "parse_failures": sum(1 for f in failures if f["reason"] == "parse_failure"),
        "errors": sum(1 for f in failures if f["reason"] == "error"),
        "returned": returned,
        "kept": len(tasks),
        "dropped": dict(dropped),
        "duplicates": dropped["duplicate_exact"] + dropped["duplicate_normalised"],
        "usage": dict(usage),
    }
    return dspy.Prediction(rows=rows, tasks=tasks, seed=seed, stats=stats, failures=failures)
