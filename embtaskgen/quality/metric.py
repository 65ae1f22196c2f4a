"""The task-quality metric: a deterministic score with feedback, and its DSPy form.

``score_tasks`` scores one brainstormed list (see :mod:`embtaskgen.quality.score` for the
parts and weights); ``on_category`` judges one task; ``task_metric`` is the DSPy metric
for ``dspy.Evaluate``, BootstrapFewShot and GEPA.

Example:
    >>> from embtaskgen.quality.metric import score_tasks
    >>> score_tasks([], "text-retrieval").score
    0.0
"""

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
