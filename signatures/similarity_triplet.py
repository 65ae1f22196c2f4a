"""Write one semantic-similarity triplet: S1, a close S2 and a distant S3 (no task)."""

from __future__ import annotations

import dspy

from ._fields import language_field

__all__ = ["SimilarityTriplet"]


class SimilarityTriplet(dspy.Signature):
    """Write three texts to train semantic similarity.

    Write S1, then S2 whose similarity to S1 has the high score, then S3 whose
    similarity to S1 has the low score (on a scale from 1, unrelated, to 5, the same
    meaning). S3 still shares words or subject with S1, but not its meaning. The three
    are distinct, each one of the requested unit (a sentence, a phrase or a passage),
    at the requested difficulty, in the requested language.
    """

    unit: str = dspy.InputField(desc="What each text is: a sentence, a phrase or a passage.")
    difficulty: str = dspy.InputField(desc="The education level a reader needs to understand the texts.")
    high_score: float = dspy.InputField(desc="The similarity of S1 and S2, from 1 to 5.")
    low_score: float = dspy.InputField(desc="The similarity of S1 and S3, from 1 to 5.")
    language: str = language_field()
    S1: str = dspy.OutputField(desc="The first text.")
    S2: str = dspy.OutputField(desc="A text as similar to S1 as the high score says.")
    S3: str = dspy.OutputField(desc="A text as similar to S1 as the low score says.")
