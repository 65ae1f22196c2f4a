"""The four category signatures of embtaskgen, one module each.

Installed as ``embtaskgen.signatures``. ``SIGNATURES`` maps each category name to its
brainstorm ``dspy.Signature`` class (stage 1) and ``EXAMPLE_SIGNATURES`` each example kind
to the signature that writes one training example (stage 2); the class docstring is the
instruction sent to the model.
Beside the signatures, everything else the prompts are made of:

* ``categories.py`` - the category names, their one-line summaries, the predictor
  attribute names, and ``resolve_categories`` (the one check of a category request);
* ``seed_tasks.py`` - the pool of seed tasks per category that prompts show (few-shot
  demos, and the compact adapter's fixed demos);
* ``topics.py`` - the pool of domains the topic lever draws from.

This package imports nothing of embtaskgen but ``embtaskgen.errors``.

Example:
    >>> from embtaskgen.signatures import SIGNATURES
    >>> sorted(SIGNATURES)[0]
    'text-classification'
"""

from __future__ import annotations

import dspy

from .bitext_triplet import BitextTriplet
from .classification_example import ClassificationExample
from .long_matching_example import LongMatchingExample
from .retrieval_example import RetrievalExample
from .short_matching_example import ShortMatchingExample
from .similarity_triplet import SimilarityTriplet
from .text_classification import TextClassification
from .text_matching_long import TextMatchingLong
from .text_matching_short import TextMatchingShort
from .text_retrieval import TextRetrieval

__all__ = [
    "EXAMPLE_SIGNATURES",
    "SIGNATURES",
    "BitextTriplet",
    "ClassificationExample",
    "LongMatchingExample",
    "RetrievalExample",
    "ShortMatchingExample",
    "SimilarityTriplet",
    "TextClassification",
    "TextMatchingLong",
    "TextMatchingShort",
    "TextRetrieval",
]

SIGNATURES: dict[str, type[dspy.Signature]] = {
    "text-retrieval": TextRetrieval,
    "text-matching-short": TextMatchingShort,
    "text-matching-long": TextMatchingLong,
    "text-classification": TextClassification,
}

#: Stage 2: one signature per example kind (the four task categories, then the two
#: symmetric kinds that need no task).
EXAMPLE_SIGNATURES: dict[str, type[dspy.Signature]] = {
    "text-retrieval": RetrievalExample,
    "text-matching-short": ShortMatchingExample,
    "text-matching-long": LongMatchingExample,
    "text-classification": ClassificationExample,
    "sts": SimilarityTriplet,
    "bitext": BitextTriplet,
}
