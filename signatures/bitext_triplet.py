"""Write one bitext triplet: S1, its translation S2 and a flawed translation S3 (no task)."""

from __future__ import annotations

import dspy

__all__ = ["BitextTriplet"]


class BitextTriplet(dspy.Signature):
    """Write three texts to train bitext retrieval (finding a text's translation).

    Write S1 in the source language, then S2: a faithful translation of S1 into the
    target language, then S3: a fluent text in the target language that reads like a
    translation of S1 but gets its meaning wrong in some way. S2 and S3 are distinct.
    Each is one of the requested unit (a sentence, a phrase or a passage), at the
    requested difficulty; the similarity of S1 and S2 has the high score, that of S1 and
    S3 the low score (from 1 to 5).
    """

    unit: str = dspy.InputField(desc="What each text is: a sentence, a phrase or a passage.")
    difficulty: str = dspy.InputField(desc="The education level a reader needs to understand the texts.")
    high_score: float = dspy.InputField(desc="The similarity of S1 and S2, from 1 to 5.")
    low_score: float = dspy.InputField(desc="The similarity of S1 and S3, from 1 to 5.")
    source_language: str = dspy.InputField(desc="The language of S1.")
    target_language: str = dspy.InputField(desc="The language of S2 and S3 (not the source language).")
    S1: str = dspy.OutputField(desc="The text in the source language.")
    S2: str = dspy.OutputField(desc="A faithful translation of S1 into the target language.")
    S3: str = dspy.OutputField(desc="A fluent text in the target language that mistranslates S1.")
