"""The quality score as a DSPy metric, for ``dspy.Evaluate``, BootstrapFewShot and GEPA.

GEPA's ``metric(gold, pred, trace, pred_name, pred_trace)`` gets ``dspy.Prediction(score,
feedback)`` with the same score as the float form, so that its module- and predictor-level
scores agree. ``avoid`` in the example (tasks the prompt asked to avoid) counts as copying.

Example:
    >>> import dspy
    >>> ex = dspy.Example(category="text-classification", num_tasks=1).with_inputs("category")
    >>> pred = dspy.Prediction(tasks=["Classify museum catalogue entries by art movement."])
    >>> task_metric(ex, pred) > 0.9
    True
    >>> task_metric(ex, pred, None, "generate", None).feedback.startswith("Score")
    True
"""

from __future__ import annotations

from typing import Any

import dspy

from embtaskgen.quality.score import TaskScore, score_tasks

__all__ = ["field_of", "metric_result", "score_prediction", "task_metric"]


def field_of(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` of a dict, ``dspy.Example`` or ``dspy.Prediction`` (``default`` when missing or ``None``)."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    try:
        value = obj.get(name, default)  # dspy.Example / dspy.Prediction
    except (AttributeError, TypeError):
        value = getattr(obj, name, default)
    return default if value is None else value


def _tasks_of(pred: Any, pred_trace: Any) -> Any:
    tasks = field_of(pred, "tasks")
    if tasks is None and pred_trace:
        try:
            tasks = field_of(pred_trace[-1][2], "tasks")
        except (IndexError, TypeError, KeyError):
            tasks = None
    return tasks


def score_prediction(example: Any, pred: Any, pred_trace: Any = None) -> TaskScore:
    """Score a prediction (``tasks``, else the last output of ``pred_trace``) against the
    request carried by ``example`` (``category``, ``num_tasks`` (20), ``examples``, ``avoid``).

    Raises:
        ValueError: The example names no valid category or a bad ``num_tasks``.
    """
    category = field_of(example, "category")
    num_tasks = field_of(example, "num_tasks", 20)
    examples = field_of(example, "examples")
    avoid = field_of(example, "avoid")
    if avoid:
        from embtaskgen.quality.novelty import default_seed_tasks

        base = default_seed_tasks(category) if examples is None else examples
        examples = [*base, *avoid]
    return score_tasks(_tasks_of(pred, pred_trace), category, num_tasks=num_tasks, examples=examples)


def task_metric(
    example: Any, pred: Any, trace: Any = None, pred_name: str | None = None, pred_trace: Any = None
) -> float | dspy.Prediction:
    """DSPy metric: a float for Evaluate and bootstrapping, score + feedback for GEPA.

    ``trace`` is unused (a list scores the same whether or not a demo is bootstrapped);
    ``dspy.Prediction(score=..., feedback=...)`` is returned when GEPA passes ``pred_name``
    or ``pred_trace``.
    """
    result = score_prediction(example, pred, pred_trace)
    return metric_result(result.score, result.feedback, pred_name, pred_trace)


def metric_result(score: float, feedback: str, pred_name: Any, pred_trace: Any) -> float | dspy.Prediction:
    """What a DSPy metric returns: the score, or ``dspy.Prediction(score, feedback)`` when GEPA
    asks for feedback (``pred_name`` or ``pred_trace`` set)."""
    if pred_name is None and pred_trace is None:
        return score
    return dspy.Prediction(score=score, feedback=feedback)
