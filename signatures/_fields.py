"""Input and output fields shared by the signatures, defined once here.

Each category signature (stage 1) declares the same four fields so that the generator
can route any request to any category; each example signature (stage 2) declares the
attributes the paper samples for its kind. They are re-declared (by reference) in each
signature module, keeping every signature readable as the prompt it is.
"""

from __future__ import annotations

import dspy

__all__ = [
    "avoid_field",
    "clarity_field",
    "difficulty_field",
    "language_field",
    "num_tasks_field",
    "task_field",
    "tasks_field",
    "topic_field",
]


def num_tasks_field() -> dspy.InputField:
    """How many tasks to ask for."""
    return dspy.InputField(desc="How many distinct tasks to write (about this many).", default=20)


def topic_field() -> dspy.InputField:
    """The domain a call should focus on."""
    return dspy.InputField(desc="A domain or subject area to focus the tasks on; empty means any domain.", default="")


def avoid_field() -> dspy.InputField:
    """Tasks accepted earlier in the run, not to be repeated."""
    return dspy.InputField(
        desc="Tasks already written; do not repeat or paraphrase any of them. May be empty.", default=[]
    )


def tasks_field() -> dspy.OutputField:
    """The brainstormed list."""
    return dspy.OutputField(desc="The tasks: a list of strings, each one sentence describing one task, nothing else.")


# -- stage 2: the example signatures' inputs


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
