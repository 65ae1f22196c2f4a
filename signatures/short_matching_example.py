"""Write one short-matching example for a task: a short input and its short match."""

from __future__ import annotations

import dspy

from ._fields import language_field, task_field

__all__ = ["ShortMatchingExample"]


class ShortMatchingExample(dspy.Signature):
    """Write one training example for a short text matching task.

    Write an input and the text that matches it for the task. Both are short: a
    sentence or a phrase each, never a paragraph. The match must not repeat the input
    word for word. Write both in the requested language.
    """

    task: str = task_field()
    language: str = language_field()
    input: str = dspy.OutputField(desc="The input: a sentence or a phrase.")
    positive_document: str = dspy.OutputField(desc="The text that matches the input: a sentence or a phrase.")
