"""The six example kinds of stage 2: their names, predictors, output columns and instructions.

Four kinds follow the brainstorm categories (an example is written for a task of that
category); ``sts`` and ``bitext`` are symmetric and need no task. Each kind's outputs
become row columns under its signature's field names (distilabel's).
"""

from __future__ import annotations

from collections.abc import Sequence

from embtaskgen.errors import ConfigError
from embtaskgen.signatures import EXAMPLE_SIGNATURES
from embtaskgen.signatures.categories import CATEGORIES

__all__ = [
    "EXAMPLE_KINDS",
    "EXAMPLE_PREDICTOR_NAMES",
    "FIXED_INSTRUCTIONS",
    "OUTPUT_FIELDS",
    "SYMMETRIC_KINDS",
    "TASK_KINDS",
    "TRIPLET_FIELDS",
    "resolve_kinds",
]

#: Every kind, in plan order: the four task categories, then the symmetric kinds.
EXAMPLE_KINDS: tuple[str, ...] = tuple(EXAMPLE_SIGNATURES)
#: Kinds that write an example for a brainstormed task (the category names).
TASK_KINDS: tuple[str, ...] = tuple(CATEGORIES)
#: Kinds that need no task: ``count`` examples each.
SYMMETRIC_KINDS: tuple[str, ...] = ("sts", "bitext")

#: The predictor attribute of each kind (stable: saved programs refer to it).
EXAMPLE_PREDICTOR_NAMES: dict[str, str] = {
    "text-retrieval": "retrieval_example",
    "text-matching-short": "short_matching_example",
    "text-matching-long": "long_matching_example",
    "text-classification": "classification_example",
    "sts": "similarity_triplet",
    "bitext": "bitext_triplet",
}

#: The paper's fixed instruction of the symmetric kinds (they have no brainstormed task).
FIXED_INSTRUCTIONS: dict[str, str] = {
    "sts": "Retrieve semantically similar text.",
    "bitext": "Retrieve parallel sentences.",
}

#: The output fields (row columns) of each kind, in the signature's order.
OUTPUT_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(signature.output_fields) for kind, signature in EXAMPLE_SIGNATURES.items()
}

#: Which columns are the query, the positive and the negative of a training triplet
#: (``None``: the kind has no negative).
TRIPLET_FIELDS: dict[str, tuple[str, str, str | None]] = {
    "text-retrieval": ("user_query", "positive_document", "hard_negative_document"),
    "text-matching-short": ("input", "positive_document", None),
    "text-matching-long": ("input", "positive_document", None),
    "text-classification": ("input_text", "label", "misleading_label"),
    "sts": ("S1", "S2", "S3"),
    "bitext": ("S1", "S2", "S3"),
}

_ALL = "all"


def resolve_kinds(kinds: str | Sequence[str]) -> tuple[str, ...]:
    """The kinds of a request (one kind, ``"all"`` or a list), in :data:`EXAMPLE_KINDS` order, without repeats.

    Raises:
        ConfigError: An unknown kind or an empty list; the message names the valid kinds.
    """
    requested = [kinds] if isinstance(kinds, str) else list(kinds)
    if not requested:
        raise ConfigError(f"kinds is empty; valid kinds are {', '.join(EXAMPLE_KINDS)} (or all)")
    chosen: set[str] = set()
    for kind in requested:
        if kind == _ALL:
            chosen.update(EXAMPLE_KINDS)
        elif isinstance(kind, str) and kind in EXAMPLE_SIGNATURES:
            chosen.add(kind)
        else:
            raise ConfigError(f"unknown example kind {kind!r}; valid kinds are {', '.join(EXAMPLE_KINDS)} (or all)")
    return tuple(kind for kind in EXAMPLE_KINDS if kind in chosen)
