"""Turn one finished call into rows: clean it, de-duplicate it, shape the rows.

The one place rows are built: ``forward`` assembles its calls in plan order
(:func:`assemble_prediction`), a streaming run each call as it finishes (:func:`assemble`).
A row's ``metadata.num_tasks`` is what the call really asked for (an embedded model's list
cap can ask for fewer: the row then also says ``requested``). ``returned`` is always
``kept`` plus the dropped; with ``keep_rejected`` the gate's rejects are kept for
inspection, never as tasks (a flattened run writes each as a row with a ``rejected`` field
and no ``task_index``).

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
from embtaskgen.brainstorm.precision_gate import GATE_REASONS
from embtaskgen.brainstorm.rows import GenerationMetadata, GenerationRow
from embtaskgen.errors import ConfigError
from embtaskgen.settings import GenerationSettings

__all__ = ["Assembled", "assemble", "assemble_prediction", "failed_row"]


@dataclass
class Assembled:
    """The rows of one call (JSON-ready dicts, one per task when flattened) and what cleaning did."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    returned: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, str]] = field(default_factory=list)


def assemble(
    result: CallResult, deduper: TaskDeduper, *, model_name: str, seed: int, num_tasks: int, flatten: bool
) -> Assembled:
    """Clean ``result.items`` against the run's ``deduper`` and build its rows.

    Raises:
        ConfigError: ``result`` has no items (a failed call has no rows).
    """
    if result.items is None:
        raise ConfigError(f"{result.category} generation {result.generation} has no items; failed calls have no rows")
    cleaned = deduper.clean(result.items, max_items=item_cap(num_tasks), category=result.category)
    extra: dict[str, Any] = {"rejected": cleaned.rejected} if deduper.keep_rejected else {}
    asked = result.options.get("asked")
    if isinstance(asked, int) and asked != num_tasks:
        extra["requested"] = num_tasks  # the adapter's cap asked for fewer
    metadata = GenerationMetadata(
        rollout_id=result.rollout_id,
        num_tasks=asked if isinstance(asked, int) else num_tasks,
        options=result.options,
        returned=len(result.items),
        dropped=dict(cleaned.dropped),
        **extra,
    )
    row = _row(result, cleaned.tasks, metadata, model_name, seed)
    records = row.flatten() if flatten else [row]
    rows = [r.model_dump(mode="json", exclude_none=True) for r in records]
    if flatten and deduper.keep_rejected:
        rows.extend(_rejected_row(row, reject) for reject in cleaned.rejected)
    return Assembled(
        rows=rows,
        tasks=list(cleaned.tasks),
        returned=len(result.items),
        kept=len(cleaned.tasks),
        dropped=dict(cleaned.dropped),
        rejected=list(cleaned.rejected),
    )


def _row(
    result: CallResult, tasks: list[str], metadata: GenerationMetadata, model_name: str, seed: int
) -> GenerationRow:
    return GenerationRow(
        category=result.category,
        tasks=tasks,
        model_name=model_name,
        generation=result.generation,
        seed=seed,
        topic=result.topic,
        metadata=metadata,
    )


def _rejected_row(row: GenerationRow, reject: dict[str, str]) -> dict[str, Any]:
    """A flattened row for a task the gate rejected (``rejected``: its reason; no ``task_index``)."""
    return {
        "category": row.category,
        "model_name": row.model_name,
        "generation": row.generation,
        "seed": row.seed,
        "topic": row.topic,
        "task": reject["task"],
        "rejected": reject["reason"],
        "rejected_detail": reject["detail"],
        **({"rollout_id": row.metadata.rollout_id} if row.metadata else {}),
    }


def _untrusted(text: str | None) -> str | None:
    """A failed call's text, sanitised (a ``CallResult`` built outside the generator may not be)."""
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
    return _row(result, [], metadata, model_name, seed).model_dump(mode="json", exclude_none=True)


def assemble_prediction(
    results: Sequence[CallResult], settings: GenerationSettings, *, model_name: str, seed: int, generator: Any = None
) -> dspy.Prediction:
    """The calls of one ``forward``, in plan order, as its ``dspy.Prediction`` (see ``forward``).

    ``generator``: whose prompts were sent (the gate drops copies of them; ``None``: untuned).
    """
    deduper = TaskDeduper.for_run(settings, generator)
    rejected: list[dict[str, Any]] = []
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
                result,
                deduper,
                model_name=model_name,
                seed=seed,
                num_tasks=settings.num_tasks,
                flatten=settings.flatten,
            )
            rows.extend(built.rows)
            tasks.extend(built.tasks)
            dropped.update(built.dropped)
            rejected.extend({"category": result.category, "generation": result.generation, **r} for r in built.rejected)
            returned += built.returned
            continue
        failures.append(
            {
                "category": result.category,
                "generation": result.generation,
                "reason": "parse_failure" if result.parse_failure else "error",
                "error": _untrusted(result.error),
                "raw_output": _untrusted(result.raw_output),
            }
        )
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
        "gate_dropped": sum(dropped[reason] for reason in GATE_REASONS),
        "usage": dict(usage),
    }
    return dspy.Prediction(rows=rows, tasks=tasks, seed=seed, stats=stats, failures=failures, rejected=rejected)
