"""Brainstorm long-to-long matching tasks: the query is itself a long document."""

from __future__ import annotations

import dspy

from ._fields import avoid_field, num_tasks_field, tasks_field, topic_field

__all__ = ["TextMatchingLong"]


class TextMatchingLong(dspy.Signature):
    """Brainstorm long text matching tasks for training a text embedding model.

    In a long matching task the query is itself a long document (an essay, a report, a
    proposal, a contract, a full article) and it should be matched with other long
    documents. Write each task as one sentence that says what the long query document is
    and which documents it should be matched with, for example: "Given a legal brief
    arguing one side of a case, find briefs that argue the opposite side." A task must
    read as a general instruction, never as one concrete document. Every task in the list
    is different from the others and from the tasks to avoid. Stay within the topic when
    one is given.
    """

    num_tasks: int = num_tasks_field()
    topic: str = topic_field()
    avoid: list[str] = avoid_field()
    tasks: list[str] = tasks_field()
