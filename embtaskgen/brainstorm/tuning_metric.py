"""How one call is scored, the same way in tuning and in held-out evaluation.

A call is scored against the count it really asked for (:func:`requested_count`: the embedded
model's adapter caps it) and against every example it was shown (:func:`shown_examples`), so a
tuned program cannot gain by having the model copy its own demos.

Example:
    >>> import dspy
    >>> ex = dspy.Example(category="text-classification", num_tasks=20, topic="", seed=0)
    >>> pred = dspy.Prediction(tasks=["Classify museum catalogue entries by art movement."],
    ...                        target=1, shown=())
    >>> tuning_metric(ex, pred) > 0.9
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.brainstorm.prompt_demos import demo_tasks
from embtaskgen.quality.dspy_metric import field_of
from embtaskgen.quality.metric import task_metric
from embtaskgen.quality.novelty import default_seed_tasks

__all__ = ["demo_tasks", "requested_count", "shown_examples", "tuning_metric"]


def requested_count(num_tasks: int, adapter: Any) -> int:
    """The number of tasks a call really asks for: ``num_tasks``, capped by the adapter.

    Example:
        >>> requested_count(20, None)
        20
    """
    cap = getattr(adapter, "max_items", None)
    if isinstance(cap, int) and not isinstance(cap, bool) and cap >= 1:
        return max(1, min(num_tasks, cap))
    return num_tasks


def shown_examples(category: str, demos: Sequence[Any] = ()) -> tuple[str, ...]:
    """The examples a call may copy: the seed pool plus the tasks of ``demos``."""
    return (*default_seed_tasks(category), *demo_tasks(demos))


def tuning_metric(
    example: Any, pred: Any, trace: Any = None, pred_name: str | None = None, pred_trace: Any = None
) -> float | dspy.Prediction:
    """The optimizers' metric: ``task_metric`` against the prediction's ``target`` and ``shown`` tasks.

    Returns:
        A float, or ``dspy.Prediction(score, feedback)`` in GEPA's 5-argument form.
    """
    category = example.get("category") if hasattr(example, "get") else example["category"]
    target = field_of(pred, "target") or field_of(example, "num_tasks") or 20
    scoring = {
        "category": category,
        "num_tasks": int(target),
        "examples": shown_examples(category, ()) + tuple(field_of(pred, "shown") or ()),
    }
    return task_metric(scoring, pred, trace, pred_name, pred_trace)
