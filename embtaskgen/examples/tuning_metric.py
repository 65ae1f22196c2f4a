"""How one example call is scored while tuning the example prompts (``optimize --stage examples``).

``grade_example`` of the prediction; while a demo is bootstrapped (``trace`` set) an invalid
example scores 0, so only examples a run would keep become demos.

Example:
    >>> import dspy
    >>> ex = dspy.Example(kind="sts", task="", task_id="sts", index=0, seed=1)
    >>> pred = dspy.Prediction(S1="A dog runs.", S2="A dog is running.", S3="Stocks fell.", attributes={})
    >>> example_tuning_metric(ex, pred)
    1.0
    >>> example_tuning_metric(ex, pred, None, "similarity_triplet", None).feedback.splitlines()[0]
    'Score 1.00 for a sts example: valid.'
"""

from __future__ import annotations

from typing import Any

import dspy

from embtaskgen.quality.dspy_metric import field_of, metric_result
from embtaskgen.quality.grading import grade_example

__all__ = ["example_tuning_metric"]


def example_tuning_metric(
    example: Any, pred: Any, trace: Any = None, pred_name: str | None = None, pred_trace: Any = None
) -> float | dspy.Prediction:
    """The optimizers' metric for one example call.

    Returns:
        A float, or ``dspy.Prediction(score, feedback)`` in GEPA's 5-argument form.
    """
    kind = field_of(pred, "kind") or field_of(example, "kind")
    graded = grade_example(pred, kind, attributes=field_of(pred, "attributes") or {})
    score = graded.score if graded.valid or trace is None else 0.0
    return metric_result(score, graded.feedback, pred_name, pred_trace)
