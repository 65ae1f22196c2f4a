"""Grade one training row (an example or a task) the way a careful reader would."""

from __future__ import annotations

from typing import Literal

import dspy

__all__ = ["JUDGE_REASONS", "RowJudgement"]

#: Why a row is dropped (``fit``: it is kept).
JUDGE_REASONS: tuple[str, ...] = ("fit", "off-task", "mismatched", "nonsense", "copy", "wrong-language", "trivial")


class RowJudgement(dspy.Signature):
    """Decide whether one row of training data for a text-embedding model is fit to train on.

    Keep it only if a careful reader would: the texts are fluent and make sense, they do
    what the task asks, the positive answers the query (or the match matches the input),
    the label is one of the task's labels and fits the text better than the misleading
    label, and the texts are not copies of a prompt's example. Otherwise drop it and give
    the main reason: off-task (not what the task asks), mismatched (the parts do not fit
    together), nonsense, copy, wrong-language or trivial (too easy to teach anything).
    """

    kind: str = dspy.InputField(desc="What the row is: a task of a category, or an example of a kind.")
    task: str = dspy.InputField(desc="The task the example was written for (the task itself for a task row).")
    row: str = dspy.InputField(desc="The row's texts, one 'field: text' per line.")
    verdict: Literal["keep", "drop"] = dspy.OutputField(desc="keep or drop.")
    reason: Literal["fit", "off-task", "mismatched", "nonsense", "copy", "wrong-language", "trivial"] = (
        dspy.OutputField(desc="fit for a kept row, else the main reason it is dropped.")
    )
