"""Brainstorm classification tasks: a long input text mapped to a short label."""

from __future__ import annotations

import dspy

from ._fields import avoid_field, num_tasks_field, tasks_field, topic_field

__all__ = ["TextClassification"]


class TextClassification(dspy.Signature):
    """Brainstorm text classification tasks for training a text embedding model.

    In a classification task an input text (a review, a message, a report, a post) is
    assigned one label from a small set. Write each task as one sentence that names the
    kind of input text and what it is classified by, so that the set of labels is clear,
    for example: "Classify a customer support ticket by the product area it concerns."
    Cover many domains and kinds of labels; avoid the overused ones (plain sentiment,
    generic topic, spam detection, language identification). A task must read as a
    general instruction, never as one concrete text. Every task in the list is different
    from the others and from the tasks to avoid. Stay within the topic when one is given.
    """

    num_tasks: int = num_tasks_field()
    topic: str = topic_field()
    avoid: list[str] = avoid_field()
    tasks: list[str] = tasks_field()
