"""The four category signatures of embtaskgen, one module each.

Installed as ``embtaskgen.signatures``. ``SIGNATURES`` maps each category name to its
``dspy.Signature`` class; the class docstring is the instruction sent to the model.
Beside the signatures, everything else the prompts are made of:

* ``categories.py`` - the category names, their one-line summaries, the predictor
  attribute names, and ``resolve_categories`` (the one check of a category request);
* ``examples.py`` - the pool of worked example tasks per category that prompts show
  (few-shot demos, and the compact adapter's fixed examples);
* ``topics.py`` - the pool of domains the topic lever draws from.

This package imports nothing of embtaskgen but ``embtaskgen.errors``.

Example:
    >>> from embtaskgen.signatures import SIGNATURES
    >>> sorted(SIGNATURES)[0]
    'text-classification'
"""

from __future__ import annotations

import dspy

from .text_classification import TextClassification
from .text_matching_long import TextMatchingLong
from .text_matching_short import TextMatchingShort
from .text_retrieval import TextRetrieval

__all__ = [
    "SIGNATURES",
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
