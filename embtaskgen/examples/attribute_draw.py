"""Draw the prompt attributes of one example from its own seeded random generator.

Each example gets ``derive_rng(seed, "attributes", kind, task_id, index)``: the same seed
gives the same attributes whatever else the run holds or the order calls finish in, and
the global ``random`` state is never touched. The keys are the input fields of the kind's
signature, so the dict goes into the prompt and the row's ``attributes`` as is.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from embtaskgen.examples.kinds import resolve_kinds
from embtaskgen.seeds import derive_rng
from embtaskgen.signatures.attributes import (
    CLARITY,
    DIFFICULTY,
    HIGH_SCORES,
    LANGUAGE_WEIGHTS,
    LOW_SCORES,
    NUM_WORDS,
    QUERY_LENGTH,
    QUERY_TYPE,
    STS_DIFFICULTY,
    UNITS,
    draw_language,
)

__all__ = ["draw_attributes", "draw_other_language"]


def _pick(rng: random.Random, pool: Sequence[Any]) -> Any:
    return pool[rng.randrange(len(pool))]


def draw_other_language(source: str, languages: str | tuple[str, ...], rng: random.Random) -> str:
    """A language different from ``source``: from ``languages`` when it has another, else
    from the paper's weighted list (without English when only English was asked).

    Example:
        >>> draw_other_language("German", ("German", "French"), random.Random(0))
        'French'
    """
    if isinstance(languages, tuple):
        others = [lang for lang in languages if lang != source]
        if others:
            return _pick(rng, others)
    weighted = [(lang, w) for lang, w in LANGUAGE_WEIGHTS.items() if lang != source]
    if languages == "english":
        # English alone was asked for: the other side of the pair is never English either way.
        weighted = [(lang, w) for lang, w in weighted if lang != "English"]
    names, weights = zip(*weighted, strict=True)
    return rng.choices(list(names), weights=list(weights))[0]


def draw_attributes(
    kind: str,
    *,
    seed: int,
    task_id: str,
    index: int,
    languages: str | tuple[str, ...] = "english",
    num_words: Sequence[int] = NUM_WORDS,
) -> dict[str, Any]:
    """The attributes of one example: one value per pool its kind uses, in a fixed order.

    Raises:
        ConfigError: An unknown kind or languages choice (the message names the valid ones).

    Example:
        >>> sorted(draw_attributes("text-classification", seed=0, task_id="t", index=0))
        ['clarity', 'difficulty', 'language']
    """
    (kind,) = resolve_kinds(kind)
    rng = derive_rng(seed, "attributes", kind, task_id, index)
    if kind == "text-retrieval":
        return {
            "query_type": _pick(rng, QUERY_TYPE),
            "query_length": _pick(rng, QUERY_LENGTH),
            "clarity": _pick(rng, CLARITY),
            "num_words": _pick(rng, tuple(num_words)),
            "difficulty": _pick(rng, DIFFICULTY),
            "language": draw_language(languages, rng),
        }
    if kind in ("text-matching-short", "text-matching-long"):
        return {"language": draw_language(languages, rng)}
    if kind == "text-classification":
        return {
            "clarity": _pick(rng, CLARITY),
            "difficulty": _pick(rng, DIFFICULTY),
            "language": draw_language(languages, rng),
        }
    drawn: dict[str, Any] = {
        "unit": _pick(rng, UNITS),
        "difficulty": _pick(rng, STS_DIFFICULTY),
        "high_score": _pick(rng, HIGH_SCORES),
        "low_score": _pick(rng, LOW_SCORES),
    }
    if kind == "sts":
        drawn["language"] = draw_language(languages, rng)
        return drawn
    source = draw_language(languages, rng)
    drawn["source_language"] = source
    drawn["target_language"] = draw_other_language(source, languages, rng)
    return drawn
