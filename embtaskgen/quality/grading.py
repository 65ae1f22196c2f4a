"""Grade one training example (stage 2): a score in [0, 1] and feedback, with no model.

The metric the example prompts are tuned against (``embtaskgen optimize --stage
examples``), in the style of :func:`embtaskgen.quality.metric.score_tasks`: deterministic,
cheap, and graded so that an optimizer can climb it.

How the score is made: ``score = gate * (0.5 * valid + 0.5 * sum(w_p * part_p) / sum(w_p))``
over the graded parts that apply to the kind (:data:`EXAMPLE_WEIGHTS`). ``gate`` is 0 when an
output field is missing or blank or the answer did not parse; ``valid`` is 1 when
:func:`embtaskgen.examples.validity.check_example` finds no reason. Every part and its
thresholds: docs/quality/metric.md.

Example:
    >>> row = {"kind": "text-classification", "input_text": "The battery died after two days of light use.",
    ...        "label": "negative", "misleading_label": "positive", "attributes": {}}
    >>> score_example(row)
    1.0
    >>> score_example({**row, "input_text": "A negative review."})  # label in the text: invalid
    0.355
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS
from embtaskgen.examples.validity import MISSING_FIELD, NO_SPACE_LANGUAGES, check_example, token_jaccard
from embtaskgen.quality.dspy_metric import field_of
from embtaskgen.quality.text import STOPWORDS
from embtaskgen.signatures.language_scripts import script_share

__all__ = ["EXAMPLE_METRIC_VERSION", "EXAMPLE_WEIGHTS", "ExampleScore", "grade_example", "score_example"]

#: Changes whenever a weight, threshold or rule of the example metric changes.
EXAMPLE_METRIC_VERSION = "1.0"
#: Share of the score given to validity (the rest to the graded parts).
VALID_WEIGHT = 0.5

#: The graded parts of each kind and their weights.
EXAMPLE_WEIGHTS: dict[str, dict[str, float]] = {
    "text-retrieval": {"query_shorter": 0.25, "length": 0.25, "negative_distinct": 0.25, "negative_on_topic": 0.25},
    "text-matching-short": {"pair_distinct": 0.5, "size": 0.5},
    "text-matching-long": {"pair_distinct": 0.5, "size": 0.5},
    "text-classification": {"label_short": 0.35, "label_not_in_text": 0.35, "size": 0.3},
    "sts": {"ordered": 0.4, "pair_distinct": 0.3, "unit_size": 0.3},
    "bitext": {"script": 0.4, "pair_distinct": 0.3, "length_match": 0.3},
}
#: Weight of ``no_repetition``, a part of every kind.
_REPETITION_WEIGHT = 0.25
for _weights in EXAMPLE_WEIGHTS.values():
    _weights["no_repetition"] = _REPETITION_WEIGHT
#: The texts whose repetition is measured (a label is too short to loop).
_PROSE = {
    kind: tuple(name for name in fields if name not in ("label", "misleading_label"))
    for kind, fields in OUTPUT_FIELDS.items()
}

_TOKEN = re.compile(r"\w+")
_HINTS = {
    "query_shorter": "make the query much shorter than the positive document",
    "length": "write documents of about the asked number of words",
    "negative_distinct": "write the hard negative in other words than the positive",
    "negative_on_topic": "keep the hard negative on the query's subject",
    "pair_distinct": "make the texts of the pair differ more",
    "size": "fit the texts to the kind (short: a sentence or phrase; long: several sentences)",
    "label_short": "use short labels (a few words)",
    "label_not_in_text": "do not use the label's words in the text",
    "ordered": "make S2 closer to S1 than S3 is",
    "unit_size": "fit the texts to the asked unit (phrase, sentence, passage)",
    "script": "write S1 in the source language and S2, S3 in the target language",
    "length_match": "make the translation about as long as S1",
    "no_repetition": "do not repeat the same phrases over and over",
}


class ExampleScore(BaseModel):
    """The quality of one example: its score, validity reasons, graded parts (each in
    [0, 1]) and feedback naming what to improve (for people and for GEPA)."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0.0, le=1.0)
    kind: str
    valid: bool
    reasons: tuple[str, ...] = ()
    parts: dict[str, float] = Field(default_factory=dict)
    feedback: str = ""
    metric_version: str = EXAMPLE_METRIC_VERSION


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _words(text: str) -> int:
    return len(text.split())


def _content(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(text.casefold()) if t not in STOPWORDS and len(t) > 2}


def _band(value: float, low: float, high: float, zero_low: float, zero_high: float) -> float:
    """1 inside [low, high], falling linearly to 0 at ``zero_low`` below and ``zero_high`` above."""
    if value < low:
        return _clip((value - zero_low) / (low - zero_low)) if low > zero_low else 0.0
    if value > high:
        return _clip((zero_high - value) / (zero_high - high))
    return 1.0


def _distinct_trigrams(text: str) -> float:
    words = _TOKEN.findall(text.casefold())
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    if len(grams) < 2:
        return 1.0
    return _clip((len(set(grams)) / len(grams) - 0.5) / 0.4)


def _retrieval(o: Mapping[str, str], a: Mapping[str, Any]) -> dict[str, float]:
    query, positive, negative = o["user_query"], o["positive_document"], o["hard_negative_document"]
    parts = {"query_shorter": _clip((1 - len(query.strip()) / max(1, len(positive.strip()))) / 0.75)}
    asked = a.get("num_words")
    counted = a.get("language") not in NO_SPACE_LANGUAGES
    if isinstance(asked, int) and not isinstance(asked, bool) and asked > 0 and counted:
        ratios = [_words(text) / asked for text in (positive, negative)]
        parts["length"] = sum(_band(r, 0.6, 1.6, 0.0, 3.2) for r in ratios) / 2
    parts["negative_distinct"] = _clip((0.9 - token_jaccard(positive, negative)) / 0.6)
    parts["negative_on_topic"] = min(1.0, len(_content(negative) & (_content(query) | _content(positive))) / 3)
    return parts


def _matching(short: bool, o: Mapping[str, str], a: Mapping[str, Any]) -> dict[str, float]:
    texts = (o["input"], o["positive_document"])
    if short:
        size = sum(_band(_words(t), 0, 40, 0, 120) for t in texts) / 2
    else:
        size = sum(min(1.0, _words(t) / 60) for t in texts) / 2
    return {"pair_distinct": _clip((0.9 - token_jaccard(*texts)) / 0.4), "size": size}


def _label_not_in_text(label: str, text: str) -> float:
    words = _content(label) or set(_TOKEN.findall(label.casefold()))
    if not words:
        return 1.0
    present = set(_TOKEN.findall(text.casefold()))
    return 1 - len(words & present) / len(words)


def _classification(o: Mapping[str, str], a: Mapping[str, Any]) -> dict[str, float]:
    labels = (o["label"], o["misleading_label"])
    return {
        "label_short": sum(_band(_words(label), 1, 5, 0, 15) for label in labels) / 2,
        "label_not_in_text": sum(_label_not_in_text(label, o["input_text"]) for label in labels) / 2,
        "size": min(1.0, _words(o["input_text"]) / 8),
    }


_UNIT_BANDS = {"phrase": (1, 12, 0, 30), "sentence": (4, 40, 0, 80), "passage": (30, 10_000, 0, 20_000)}


def _sts(o: Mapping[str, str], a: Mapping[str, Any]) -> dict[str, float]:
    s1, s2, s3 = o["S1"], o["S2"], o["S3"]
    parts = {
        "ordered": 1.0 if token_jaccard(s1, s2) >= token_jaccard(s1, s3) else 0.0,
        "pair_distinct": _clip((1 - token_jaccard(s2, s3)) / 0.3),
    }
    band = _UNIT_BANDS.get(str(a.get("unit", "")))
    if band is not None and a.get("language") not in NO_SPACE_LANGUAGES:
        parts["unit_size"] = sum(_band(_words(t), *band) for t in (s1, s2, s3)) / 3
    return parts


def _bitext(o: Mapping[str, str], a: Mapping[str, Any]) -> dict[str, float]:
    s1, s2, s3 = o["S1"], o["S2"], o["S3"]
    shares = [script_share(s1, str(a.get("source_language", "")))]
    target = str(a.get("target_language", ""))
    shares += [script_share(s2, target), script_share(s3, target)]
    known = [share for share in shares if share is not None]
    parts = {"pair_distinct": _clip((1 - token_jaccard(s2, s3)) / 0.3)}
    if known:
        parts["script"] = sum(known) / len(known)
    w1, w2 = len(s1.strip()), len(s2.strip())
    parts["length_match"] = min(w1, w2) / max(w1, w2) if max(w1, w2) else 0.0
    return parts


_PARTS: dict[str, Callable[[Mapping[str, str], Mapping[str, Any]], dict[str, float]]] = {
    "text-retrieval": _retrieval,
    "text-matching-short": partial(_matching, True),
    "text-matching-long": partial(_matching, False),
    "text-classification": _classification,
    "sts": _sts,
    "bitext": _bitext,
}


def grade_example(
    example: Any, kind: str | None = None, *, attributes: Mapping[str, Any] | None = None
) -> ExampleScore:
    """:func:`score_example` with the parts, the validity reasons and feedback."""
    if isinstance(example, BaseModel) and hasattr(example, "to_dict"):
        example = example.to_dict()
    kind = kind if kind is not None else field_of(example, "kind")
    if kind not in EXAMPLE_KINDS:
        raise ConfigError(f"kind must be one of {', '.join(EXAMPLE_KINDS)}, got {kind!r}")
    if attributes is None:
        attributes = field_of(example, "attributes") or {}
    outputs = {name: field_of(example, name) for name in OUTPUT_FIELDS[kind]}
    reasons = [] if field_of(example, "parse_failure") else check_example(kind, outputs, attributes)
    if field_of(example, "parse_failure") or MISSING_FIELD in reasons:
        missing = [n for n, v in outputs.items() if not isinstance(v, str) or not v.strip()]
        return ExampleScore(
            score=0.0,
            kind=kind,
            valid=False,
            reasons=(MISSING_FIELD,),
            feedback=f"Score 0.00: the answer has no usable {', '.join(missing) or 'fields'}; "
            f"write every field: {', '.join(OUTPUT_FIELDS[kind])}.",
        )
    found = _PARTS[kind](outputs, attributes)
    found["no_repetition"] = sum(_distinct_trigrams(outputs[name]) for name in _PROSE[kind]) / len(_PROSE[kind])
    parts = {name: round(value, 4) for name, value in found.items()}
    weights = {name: EXAMPLE_WEIGHTS[kind][name] for name in parts}
    graded = sum(weights[n] * parts[n] for n in parts) / sum(weights.values())
    score = round(VALID_WEIGHT * (not reasons) + (1 - VALID_WEIGHT) * graded, 4)
    lines = [
        f"Score {score:.2f} for a {kind} example: "
        + ("valid." if not reasons else f"invalid ({', '.join(reasons)}), it would be dropped.")
    ]
    lines += [f"- {_HINTS[name]} ({name} {value:.2f})" for name, value in parts.items() if value < 0.8]
    lines.append("Parts: " + ", ".join(f"{name} {value:.2f}" for name, value in parts.items()))
    return ExampleScore(
        score=score, kind=kind, valid=not reasons, reasons=tuple(reasons), parts=parts, feedback="\n".join(lines)
    )


def score_example(example: Any, kind: str | None = None, *, attributes: Mapping[str, Any] | None = None) -> float:
    """The score in [0, 1] of one example: ``0.5 * valid + 0.5 * (weighted mean of the
    kind's graded parts)``, 0 when an output field is missing or the answer did not parse.

    Args:
        example: A row (outputs as top-level columns), an ``ExampleRow`` or a
            ``dspy.Prediction`` with the kind's output fields (or ``parse_failure=True``).
        kind: The example kind (default: the example's ``kind``).
        attributes: The attributes it was asked for (default: the example's
            ``attributes``, else none: the checks that need them are skipped).

    Raises:
        ConfigError: No kind, or an unknown kind (the message names the valid kinds).

    Example:
        >>> score_example({"S1": "A dog runs.", "S2": "A dog is running.", "S3": "Stocks fell."}, "sts")
        1.0
        >>> score_example({"S1": "A dog runs.", "S2": "", "S3": "Stocks fell."}, "sts")
        0.0
    """
    return grade_example(example, kind, attributes=attributes).score
