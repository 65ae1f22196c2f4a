"""Brainstorm retrieval tasks: a short query that should find long documents."""

from __future__ import annotations

import dspy

from ._fields import avoid_field, num_tasks_field, tasks_field, topic_field

__all__ = ["TextRetrieval"]


class TextRetrieval(dspy.Signature):
    """Brainstorm text retrieval tasks for training a text embedding model.

    In a retrieval task a short query (a question, a claim, a few keywords) is used to
    find long documents (articles, passages, answers, reports) among many others. Write
    each task as one sentence that says what the query is and which documents should be
    found, for example: "Given a scientific claim, retrieve documents that support or
    refute it." A task must read as a general instruction that covers a wide range of
    queries, never as one concrete query, and must not be too specific. Every task in the
    list is different from the others and from the tasks to avoid. Stay within the topic
    when one is given.
    """

    num_tasks: int = num_tasks_field()
    topic: str = topic_field()
    avoid: list[str] = avoid_field()
    tasks: list[str] = tasks_field()
