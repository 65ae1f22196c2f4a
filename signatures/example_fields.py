"""Input fields shared by the example signatures (stage 2).

Each example kind declares the attributes the paper samples for it; they are defined
once here and re-declared (by reference) in each signature module, so every signature
reads as the prompt it is.
"""

from __future__ import annotations

import dspy

__all__ = ["clarity_field", "difficulty_field", "language_field", "task_field"]


def task_field() -> dspy.InputField:
    """The brainstormed task the example is written for."""
    return dspy.InputField(
        desc="The task the example is for: one sentence describing what is given and what is sought."
    )


def language_field() -> dspy.InputField:
    """The language every text of the example is written in."""
    return dspy.InputField(desc="The language to write every text of the example in.", default="English")


def clarity_field() -> dspy.InputField:
    """How clear the query or input should be."""
    return dspy.InputField(desc="How clear it should be: clear, understandable with some effort, or ambiguous.")


def difficulty_field() -> dspy.InputField:
    """The education level needed to understand the texts."""
    return dspy.InputField(desc="The education level a reader needs to understand the texts.")
