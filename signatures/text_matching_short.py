"""Brainstorm short-to-short matching tasks: both sides are a phrase or a sentence."""

from __future__ import annotations

import dspy

from ._fields import avoid_field, num_tasks_field, tasks_field, topic_field

__all__ = ["TextMatchingShort"]


class TextMatchingShort(dspy.Signature):
    """Brainstorm short text matching tasks for training a text embedding model.

    In a short matching task both the query and the text it should be matched with are
    very short: a word, a name, a title, a phrase, or one or two sentences. Write each
    task as one sentence that says what the short query is and which short text it should
    be matched with, for example: "Given a word, find its dictionary definition." A task
    must read as a general instruction, never as one concrete query. Every task in the
    list is different from the others and from the tasks to avoid. Stay within the topic
    when one is given.
    """

    num_tasks: int = num_tasks_field()
    topic: str = topic_field()
    avoid: list[str] = avoid_field()
    tasks: list[str] = tasks_field()
