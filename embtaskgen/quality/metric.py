"""The task-quality metric: ``score_tasks`` (one list, see :mod:`.score`), ``on_category``
(one task) and ``task_metric`` (the DSPy metric)."""

from embtaskgen.quality.conformance import CategoryCheck, check_category, on_category
from embtaskgen.quality.dspy_metric import score_prediction, task_metric
from embtaskgen.quality.score import METRIC_VERSION, WEIGHTS, ItemProblem, TaskScore, score_tasks

__all__ = [
    "METRIC_VERSION",
    "WEIGHTS",
    "CategoryCheck",
    "ItemProblem",
    "TaskScore",
    "check_category",
    "on_category",
    "score_prediction",
    "score_tasks",
    "task_metric",
]
