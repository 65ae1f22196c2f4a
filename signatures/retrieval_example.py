"""Write one retrieval example for a task: a query, a document that answers it, a hard negative."""

from __future__ import annotations

import dspy

from ._fields import clarity_field, difficulty_field, language_field, task_field

__all__ = ["RetrievalExample"]


class RetrievalExample(dspy.Signature):
    """Write one training example for a text retrieval task.

    Write a user query that fits the task, then a positive document that answers the
    query well, then a hard negative document: on the same subject and holding useful
    information, but clearly less useful for the query than the positive one. Each
    document is written independently of the query: it never copies the query's words
    as a phrase. Follow the requested query type, query length, clarity, document length
    (about that many words) and difficulty, and write everything in the requested
    language.
    """

    task: str = task_field()
    query_type: str = dspy.InputField(desc="How common the query is: extremely long-tail, long-tail or common.")
    query_length: str = dspy.InputField(desc="How long the query is, in words.")
    clarity: str = clarity_field()
    num_words: int = dspy.InputField(desc="About how many words each document has.")
    difficulty: str = difficulty_field()
    language: str = language_field()
    user_query: str = dspy.OutputField(desc="The query a user would type for this task.")
    positive_document: str = dspy.OutputField(desc="A document that answers the query well.")
    hard_negative_document: str = dspy.OutputField(
        desc="A document on the same subject that looks relevant but is less useful for the query."
    )
