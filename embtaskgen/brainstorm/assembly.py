"""Turn one finished call into rows: clean it, de-duplicate it, shape the rows.

The one place rows are built: ``EmbeddingTaskGenerator.forward`` assembles its calls
with it in order, and a streaming run (:func:`embtaskgen.runs.runner.run`) assembles each
call as it finishes. A call without a list (parse failure or error) has no task rows:
``forward`` keeps an empty row with the raw text in its metadata, a run records it in
its failures sidecar.

Example:
    >>> from embtaskgen.brainstorm.call_result import CallResult
    >>> from embtaskgen.brainstorm.cleaning import TaskDeduper
    >>> result = CallResult("text-retrieval", 0, 123, items=["1. Find news.", "find news"])
    >>> built = assemble(result, TaskDeduper(), model_name="m", seed=7, num_tasks=2, flatten=True)
    >>> built.kept, built.dropped, [row["task"] for row in built.rows]
    (1, {'duplicate_normalised': 1}, ['Find news.'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.rows import GenerationMetadata, GenerationRow
from embtaskgen.errors import ConfigError


__all__ = ["Assembled", "assemble"]


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
    cleaned = deduper.clean(result.items)
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
