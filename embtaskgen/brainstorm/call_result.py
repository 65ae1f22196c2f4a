"""One model call (:func:`predict`) and its raw outcome (:class:`CallResult`), before cleaning.

Model text is untrusted and sanitised where it enters (:func:`sanitize_items`,
:func:`sanitize_raw`), so any UTF-8 file can hold it.

Example:
    >>> result = CallResult("text-retrieval", 0, 123, items=None, raw_output="not a list")
    >>> result.parse_failure
    True
    >>> sanitize_items(["A \\ud83d task.", 3]) == ["A \\ufffd task.", 3]
    True
    >>> len(sanitize_raw("x" * 5000)), sanitize_raw("x" * 5000)[-2:]
    (4001, 'x…')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError
from dspy.utils.usage_tracker import UsageTracker

from embtaskgen.lm.strict_adapters import one_request
from embtaskgen.lm.untrusted import sanitize_text

__all__ = ["RAW_OUTPUT_CHARS", "CallResult", "predict", "sanitize_items", "sanitize_raw"]

#: Longest raw text kept of an answer that did not parse (cut with "…"); the same as a run's
#: failure line keeps (``embtaskgen.runs.recorder.RAW_LIMIT``).
RAW_OUTPUT_CHARS = 4000


def sanitize_items(items: list[Any]) -> list[Any]:
    """The parsed list with every string sanitised (other items are left to cleaning)."""
    return [sanitize_text(item) if isinstance(item, str) else item for item in items]


def sanitize_raw(text: object) -> str:
    """The raw text of an answer, sanitised and cut at :data:`RAW_OUTPUT_CHARS` ("" for ``None``)."""
    return sanitize_text("" if text is None else str(text), max_chars=RAW_OUTPUT_CHARS)


@dataclass
class CallResult:
    """The raw outcome of one model call, before cross-generation de-duplication.

    Attributes:
        category: Category of the call.
        generation: Index of the call within its category.
        rollout_id: DSPy rollout id of the call.
        topic: Topic the call was conditioned on ("" for any).
        items: The parsed list (``None`` when the call failed).
        raw_output: The model's text when it did not parse.
        error: Reason of a failure other than a parse failure.
        usage: Token usage per model, as DSPy reports it.
        options: Prompt options used (demos, avoid count, ...).
    """

    category: str
    generation: int
    rollout_id: int
    topic: str = ""
    items: list[Any] | None = None
    raw_output: str | None = None
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def parse_failure(self) -> bool:
        """The model answered, but not with a list of strings."""
        return self.items is None and self.error is None

    def token_counts(self) -> Counter[str]:
        """Integer usage counters of this call, summed over the models it used."""
        return usage_counts(self.usage)


def usage_counts(usage: dict[str, Any]) -> Counter[str]:
    """Integer usage counters of one call (``prediction.get_lm_usage()``), summed over its models.

    Example:
        >>> usage_counts({"m": {"prompt_tokens": 3, "cached": True}, "n": {"prompt_tokens": 2}})
        Counter({'prompt_tokens': 5})
    """
    counts: Counter[str] = Counter()
    for per_model in usage.values():
        for key, value in (per_model or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                counts[key] += value
    return counts


def predict(
    predictor: dspy.Predict, inputs: dict[str, Any], result: Any, lm: dspy.BaseLM, adapter: dspy.Adapter | None
) -> dspy.Prediction | None:
    """Call ``predictor`` on ``lm``, recording its usage in ``result`` (both stages' calls).

    A parse failure returns ``None`` with the sanitised answer in ``result.raw_output``;
    other errors propagate.
    """
    tracker = UsageTracker()  # per call, so that a parse failure still reports its tokens
    overrides: dict[str, Any] = {"lm": lm, "track_usage": True, "usage_tracker": tracker}
    if adapter is not None:  # a batch replay has one answer per call: no second request
        overrides["adapter"] = one_request(adapter)
    with dspy.context(**overrides):
        try:
            return predictor(**inputs)
        except AdapterParseError as exc:
            result.raw_output = sanitize_raw(exc.lm_response)
            return None
        finally:
            result.usage = dict(tracker.get_total_tokens())
