"""Write one classification example for a task: a text, its label and a misleading label."""

from __future__ import annotations

import dspy

from ._fields import clarity_field, difficulty_field, language_field, task_field

__all__ = ["ClassificationExample"]


class ClassificationExample(dspy.Signature):
    """Write one training example for a text classification task.

    Write an input text the task would classify, its correct label, and a misleading
    label: a plausible label of the same task that is wrong for this text. Neither label
    may appear in the input text. Follow the requested clarity and difficulty, and
    write everything in the requested language.
    """

    task: str = task_field()
    clarity: str = clarity_field()
    difficulty: str = difficulty_field()
    language: str = language_field()
    input_text: str = dspy.OutputField(desc="The text to classify.")
    label: str = dspy.OutputField(desc="The correct label of the text.")
    misleading_label: str = dspy.OutputField(desc="A plausible label of the same task that is wrong for this text.")
