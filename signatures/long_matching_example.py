"""Write one long-matching example for a task: a long input document and its long match."""

from __future__ import annotations

import dspy

from ._fields import language_field, task_field

__all__ = ["LongMatchingExample"]


class LongMatchingExample(dspy.Signature):
    """Write one training example for a long text matching task.

    Write an input document and the document that matches it for the task. Both are
    long: several sentences each. The match is written independently: it must not copy
    the input's sentences. Write both in the requested language.
    """

    task: str = task_field()
    language: str = language_field()
    input: str = dspy.OutputField(desc="The input: a long document of several sentences.")
    positive_document: str = dspy.OutputField(desc="The document that matches the input: several sentences.")
