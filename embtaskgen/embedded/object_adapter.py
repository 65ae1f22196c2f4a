"""A compact DSPy adapter that lets very small models write one training example (stage 2).

Gemma 3 270M answers DSPy's JSON adapter with attribute values copied into the fields.
``CompactObjectAdapter`` renders an example signature as the list adapter renders a
brainstorm one (instructions, one worked example per kind unless the call has demos,
``name: value`` lines) and parses one JSON object of exactly the output strings, with no
repair. An LM that enforces schemas gets the schema, whose per-field lengths follow the
attributes so that an attribute value ("sentence") cannot fill a field, and the kind's
token budget unless the call sets one.
"""

from __future__ import annotations

import json
from typing import Any

import dspy
from dspy.signatures.signature import Signature
from dspy.utils.callback import BaseCallback

from embtaskgen.embedded.adapter import CompactAdapter, Style
from embtaskgen.embedded.list_format import dump, render_messages
from embtaskgen.errors import ConfigError
from embtaskgen.lm.strict_adapters import parse_error
from embtaskgen.signatures import EXAMPLE_SIGNATURES

__all__ = ["MAX_TOKENS", "WORKED_EXAMPLES", "CompactObjectAdapter", "field_bounds"]

_KIND_OF_SIGNATURE = {signature.__name__: kind for kind, signature in EXAMPLE_SIGNATURES.items()}

#: Completion budget per kind (tokens), raised per call to what the schema's longest answer needs.
MAX_TOKENS: dict[str, int] = {
    "text-retrieval": 320,
    "text-matching-short": 96,
    "text-matching-long": 288,
    "text-classification": 128,
    "sts": 160,
    "bitext": 160,
}

#: One fixed worked example per kind: ``(inputs, outputs)``.
WORKED_EXAMPLES: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "text-retrieval": (
        {
            "task": "Given a cooking question, retrieve recipes or tips that answer it.",
            "query_type": "common",
            "query_length": "5 to 15 words",
            "clarity": "clear",
            "num_words": 50,
            "difficulty": "high school",
            "language": "English",
        },
        {
            "user_query": "how long should I boil an egg for a soft yolk",
            "positive_document": (
                "For a soft yolk, lower the egg into water that is already boiling and cook it for six "
                "minutes. Then move it to cold water for one minute so it stops cooking. The white will "
                "be firm and the yolk warm and runny, ready for toast."
            ),
            "hard_negative_document": (
                "Hard-boiled eggs keep well in the fridge for up to a week. Cook them for ten to twelve "
                "minutes, cool them quickly, and peel them under running water. They make a good snack "
                "and can be sliced into salads or sandwiches."
            ),
        },
    ),
    "text-matching-short": (
        {"task": "Given a product title, find the title of the same product in another shop.", "language": "English"},
        {"input": "Apple iPhone 13, 128 GB, blue", "positive_document": "iPhone 13 smartphone by Apple (128GB, Blue)"},
    ),
    "text-matching-long": (
        {"task": "Given a news report, find another report of the same event.", "language": "English"},
        {
            "input": (
                "Heavy rain flooded the centre of the town on Monday night. Firefighters helped people "
                "leave their homes, and the main bridge was closed until the water went down."
            ),
            "positive_document": (
                "Residents were evacuated after a storm caused floods in the town centre late on Monday. "
                "Rescue teams worked through the night, and officials shut the bridge for safety."
            ),
        },
    ),
    "text-classification": (
        {
            "task": "Classify a product review by its sentiment.",
            "clarity": "clear",
            "difficulty": "high school",
            "language": "English",
        },
        {
            "input_text": "The battery lasts two full days and the screen is bright even in the sun.",
            "label": "positive",
            "misleading_label": "negative",
        },
    ),
    "sts": (
        {"unit": "sentence", "difficulty": "high school", "high_score": 4.5, "low_score": 2.5, "language": "English"},
        {
            "S1": "A man is playing a guitar on a busy street.",
            "S2": "A man plays the guitar for people passing by.",
            "S3": "A man is buying a new guitar in a shop.",
        },
    ),
    "bitext": (
        {
            "unit": "sentence",
            "difficulty": "high school",
            "high_score": 4.5,
            "low_score": 2.5,
            "source_language": "English",
            "target_language": "French",
        },
        {
            "S1": "The library opens at nine in the morning.",
            "S2": "La bibliothèque ouvre à neuf heures du matin.",
            "S3": "La bibliothèque ferme à neuf heures du soir.",
        },
    ),
}

#: A field's text: no quote, backslash or control character (llama.cpp's JSON grammar lets
#: a raw newline into a string, which strict JSON refuses), of bounded length.
_TEXT_PATTERN = r'^[^"\\\x00-\x1f]{%d,%d}$'

# Characters per unit of text (sts, bitext).
_UNIT_CHARS = {"phrase": (8, 80), "sentence": (20, 200), "passage": (100, 500)}
_QUERY_CHARS = {"less than 5 words": (5, 40), "5 to 15 words": (15, 110), "at least 10 words": (40, 160)}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def field_bounds(kind: str, inputs: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """``(minLength, maxLength)`` in characters of each output field of ``kind`` for ``inputs``.

    Retrieval documents: about 2 to 6 characters per asked word, at least 100, at most 900.

    Example:
        >>> field_bounds("sts", {"unit": "phrase"})["S1"]
        (8, 80)
        >>> field_bounds("text-retrieval", {"num_words": 50, "query_length": "less than 5 words"})["user_query"]
        (5, 40)
    """
    if kind == "text-retrieval":
        words = max(1, _int(inputs.get("num_words"), 50))
        low = max(100, 2 * words)
        high = min(900, max(low + 200, 6 * words))
        low = min(low, high - 100)
        query = _QUERY_CHARS.get(str(inputs.get("query_length")), (10, 120))
        return {"user_query": query, "positive_document": (low, high), "hard_negative_document": (low, high)}
    if kind == "text-matching-short":
        return {"input": (8, 150), "positive_document": (8, 150)}
    if kind == "text-matching-long":
        return {"input": (100, 500), "positive_document": (100, 500)}
    if kind == "text-classification":
        return {"input_text": (30, 400), "label": (2, 40), "misleading_label": (2, 40)}
    if kind in ("sts", "bitext"):
        span = _UNIT_CHARS.get(str(inputs.get("unit")), (15, 300))
        return {"S1": span, "S2": span, "S3": span}
    raise ConfigError(f"unknown example kind {kind!r}; choose from {', '.join(EXAMPLE_SIGNATURES)}")


class CompactObjectAdapter(CompactAdapter):
    """Render an example signature (string outputs) as a short prompt a small model can follow.

    Args:
        style: ``"chat"`` for instruction-tuned models, ``"completion"`` for base models.
        kind: The example kind of every call (``None``: the signature's kind).
        max_tokens: Completion budget per kind (default :data:`MAX_TOKENS`) when the call
            sets none; ``{}`` leaves the LM's budget.
        callbacks: DSPy callbacks run around ``format`` and ``parse``.
    """

    def __init__(
        self,
        *,
        style: Style = "chat",
        kind: str | None = None,
        max_tokens: dict[str, int] | None = None,
        callbacks: list[BaseCallback] | None = None,
    ) -> None:
        super().__init__(style=style, callbacks=callbacks)
        if kind is not None and kind not in EXAMPLE_SIGNATURES:
            raise ConfigError(f"unknown example kind {kind!r}; choose from {', '.join(EXAMPLE_SIGNATURES)}")
        self.kind = kind
        self.max_tokens = dict(MAX_TOKENS if max_tokens is None else max_tokens)

    def _prepare(
        self, lm: dspy.BaseLM, lm_kwargs: dict[str, Any], signature: type[Signature], inputs: dict[str, Any]
    ) -> None:
        """Send the object schema when the LM enforces schemas, and the kind's token budget."""
        kind = self.kind_of(signature)
        if "max_tokens" not in lm_kwargs and kind in self.max_tokens:
            lm_kwargs["max_tokens"] = self.budget(kind, inputs)
        if self._sends_schema(lm, lm_kwargs):
            lm_kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "example", "schema": self.schema(signature, inputs)},
            }

    def budget(self, kind: str, inputs: dict[str, Any]) -> int:
        """The kind's budget, raised to fit the schema's longest answer (else the object is cut open).

        Example:
            >>> CompactObjectAdapter().budget("text-matching-short", {})
            132
        """
        bounds = field_bounds(kind, inputs)
        needed = sum(high for _, high in bounds.values()) // 3 + 16 * len(bounds)
        return max(self.max_tokens[kind], needed)

    def kind_of(self, signature: type[Signature]) -> str:
        """The example kind of a call on ``signature``; ``ConfigError`` if none, or an output is not ``str``."""
        kind = self.kind or _KIND_OF_SIGNATURE.get(signature.__name__)
        if kind is None:
            raise ConfigError(
                f"CompactObjectAdapter formats the example signatures ({', '.join(_KIND_OF_SIGNATURE)}); "
                f"got {signature.__name__}: pass kind="
            )
        for name, field in signature.output_fields.items():
            if field.annotation is not str:
                raise ConfigError(f"CompactObjectAdapter needs str outputs; `{name}` is {field.annotation}")
        return kind

    def schema(self, signature: type[Signature], inputs: dict[str, Any]) -> dict[str, Any]:
        """The JSON schema of an answer: exactly the output fields, as bounded strings with a ``pattern``.

        Example:
            >>> from embtaskgen.signatures import EXAMPLE_SIGNATURES
            >>> s = CompactObjectAdapter().schema(EXAMPLE_SIGNATURES["sts"], {"unit": "sentence"})
            >>> s["required"], s["properties"]["S1"]["maxLength"], s["properties"]["S1"]["pattern"][-9:]
            (['S1', 'S2', 'S3'], 200, '{20,200}$')
        """
        bounds = field_bounds(self.kind_of(signature), inputs)
        properties = {}
        for name in signature.output_fields:
            low, high = bounds.get(name, (1, 300))
            properties[name] = {
                "type": "string",
                "minLength": low,
                "maxLength": high,
                "pattern": _TEXT_PATTERN % (low, high),
            }
        return {
            "type": "object",
            "properties": properties,
            "required": list(signature.output_fields),
            "additionalProperties": False,
        }

    def format(
        self, signature: type[Signature], demos: list[dict[str, Any]], inputs: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The messages: instructions and answer format, the worked example(s), the request."""
        kind = self.kind_of(signature)
        outputs = list(signature.output_fields)
        examples = []
        for demo in demos or []:
            if all(isinstance(demo.get(name), str) for name in outputs):
                demo_inputs = {name: demo[name] for name in signature.input_fields if name in demo}
                examples.append((demo_inputs, {name: demo[name] for name in outputs}))
        if not examples:
            examples.append(WORKED_EXAMPLES[kind])
        return render_messages(
            self.style,
            (signature.instructions or "").strip(),
            [(self._request(signature, ins), outs) for ins, outs in examples],
            self._request(signature, inputs),
            answer_format=f"Answer with one JSON object with the keys {', '.join(outputs)}, each a string.",
        )

    @staticmethod
    def _request(signature: type[Signature], inputs: dict[str, Any]) -> str:
        lines = [f"{name}: {inputs[name]}" for name in signature.input_fields if name in inputs]
        return "\n".join(lines) if lines else "Write the example."

    def format_assistant_message_content(
        self, signature: type[Signature], outputs: dict[str, Any], missing_field_message: str | None = None
    ) -> str:
        """An answer as the model should write it: the JSON object."""
        return dump({name: outputs.get(name, missing_field_message) for name in signature.output_fields})

    def parse(self, signature: type[Signature], completion: str) -> dict[str, Any]:
        """Read the answer: exactly one JSON object with the output fields as strings (no repair)."""
        self.kind_of(signature)
        fields = list(signature.output_fields)
        try:
            value = json.loads(completion)
        except (TypeError, ValueError):
            value = None
        if (
            not isinstance(value, dict)
            or set(value) != set(fields)
            or not all(isinstance(value[name], str) for name in fields)
        ):
            message = f"Expected one JSON object with exactly the string fields {', '.join(fields)}."
            raise parse_error(self, signature, completion, message)
        return {name: value[name] for name in fields}
