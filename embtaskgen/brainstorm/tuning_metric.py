"""How one call is scored, the same way in tuning and in held-out evaluation.

Two details make the score honest for a tuned program:

* **the count asked for**: the compact adapter of the embedded model caps ``num_tasks``
  (10 for SmolLM2); a call is scored against what the model was actually asked for
  (:func:`requested_count`), not against the generator's ``num_tasks``;
* **the examples shown**: copying a prompt example scores low. The examples are the
  category's seed pool (shown when the predictor has no demos) plus every task in the
  predictor's demos (:func:`shown_examples`); a tuned program cannot gain by having the
  model copy its own demos.

:func:`tuning_metric` is the DSPy metric the optimizers use (the 3-argument form returns a
float; GEPA's 5-argument form returns score and feedback, from
:func:`embtaskgen.quality.metric.task_metric`).

Example:
    >>> import dspy
    >>> ex = dspy.Example(category="text-classification", num_tasks=20, topic="", seed=0)
    >>> pred = dspy.Prediction(tasks=["Classify museum catalogue entries by art movement."],
    ...                        target=1, shown=())
    >>> tuning_metric(ex, pred) > 0.9
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import dspy

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


def demo_tasks(demos: Iterable[Any], output: str = "tasks") -> list[str]:
    """Every task string in a predictor's demos, in order."""
    tasks: list[str] = []
    for demo in demos:
        try:
            items = demo.get(output)
        except AttributeError:
            items = getattr(demo, output, None)
        if isinstance(items, list):
            tasks.extend(item for item in items if isinstance(item, str))
    return tasks


def shown_examples(category: str, demos: Sequence[Any] = ()) -> tuple[str, ...]:
    """The examples a call may copy: the seed pool plus the tasks of ``demos``."""
    return (*default_seed_tasks(category), *demo_tasks(demos))


def tuning_metric(
    example: Any, pred: Any, trace: Any = None, pred_name: str | None = None, pred_trace: Any = None
) -> float | dspy.Prediction:
    """The optimizers' metric: :func:`~embtaskgen.quality.metric.task_metric` on one routed call.

    The prediction of :class:`~embtaskgen.brainstorm.tuning_program.CategoryProgram` carries
    ``target`` (the count asked for) and ``shown`` (the demo tasks shown); they replace
    the example's ``num_tasks`` and extend the seed pool of the novelty check.

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
