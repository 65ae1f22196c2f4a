"""Input and output fields shared by the four category signatures.

Each category signature declares the same four fields so that the generator can
route any request to any category.  They are defined once here and re-declared
(by reference) in each signature module, keeping every signature readable as the
prompt it is.
"""

from __future__ import annotations

import dspy

__all__ = ["num_tasks_field", "topic_field", "avoid_field", "tasks_field"]


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
