"""A compact DSPy adapter that lets very small models write a list of tasks.

DSPy's Chat and JSON adapters describe every field, its type and the answer format in a
long system message; a 135M-parameter model answers that with field markers and numbers.
``CompactListAdapter`` renders the signature's instructions plus one sentence on the
answer format, worked examples (the call's demos, else a fixed few seed tasks of the
category: varying them is the few-shot lever's job, so switching it off really turns it
off), and the request in a sentence or two. The answer must be a JSON array of strings;
an LM that enforces JSON schemas (the llama.cpp engine) gets the schema as
``response_format``. The prompt text and parsing live in
:mod:`embtaskgen.embedded.list_format`.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import dspy
from dspy.signatures.signature import Signature
from dspy.utils.callback import BaseCallback

from embtaskgen.embedded.list_format import dump, parse_list, render_messages, request_text, seed_item_pattern
from embtaskgen.errors import ConfigError
from embtaskgen.lm.strict_adapters import parse_error
from embtaskgen.signatures.seed_tasks import SEED_TASKS

__all__ = ["CompactAdapter", "CompactListAdapter", "Style"]

#: ``"chat"`` for instruction-tuned models, ``"completion"`` for base models.
Style = Literal["chat", "completion"]
_STYLES: tuple[str, ...] = ("chat", "completion")
#: How an item may end when the length budget runs out (``item_end``).
_ITEM_ENDS: tuple[str, ...] = ("clause", "any")
_T = TypeVar("_T")


def _prepared(call: Callable[..., _T]) -> Callable[..., _T]:
    """DSPy's ``__call__`` or ``acall``, run after ``_prepare`` set the call's options."""

    @functools.wraps(call)
    def prepared(
        self: CompactAdapter,
        lm: dspy.BaseLM,
        lm_kwargs: dict[str, Any],
        signature: type[Signature],
        demos: list[dict[str, Any]],
        inputs: dict[str, Any],
    ) -> _T:
        self._prepare(lm, lm_kwargs, signature, inputs)
        return call(self, lm, lm_kwargs, signature, demos, inputs)

    return prepared


class CompactAdapter(dspy.Adapter):
    """What the compact adapters share: a prompt style, and call options (``_prepare``) set before DSPy formats."""

    def __init__(self, *, style: Style = "chat", callbacks: list[BaseCallback] | None = None) -> None:
        super().__init__(callbacks=callbacks)
        if style not in _STYLES:
            raise ConfigError(f"unknown style {style!r}; choose from {', '.join(_STYLES)}")
        self.style: Style = style

    __call__ = _prepared(dspy.Adapter.__call__)
    acall = _prepared(dspy.Adapter.acall)

    def _prepare(
        self, lm: dspy.BaseLM, lm_kwargs: dict[str, Any], signature: type[Signature], inputs: dict[str, Any]
    ) -> None:
        """Set the call's options in ``lm_kwargs`` (nothing here)."""

    @staticmethod
    def _sends_schema(lm: dspy.BaseLM, lm_kwargs: dict[str, Any]) -> bool:
        """Whether a schema goes out: the call sets no ``response_format`` and the LM enforces them."""
        if "response_format" in lm_kwargs or "response_format" not in getattr(lm, "supported_params", ()):
            return False
        return getattr(lm, "supports_response_schema", False)


class CompactListAdapter(CompactAdapter):
    """Render a list-of-strings signature as a short prompt a small model can follow.

    The signature must have exactly one output field, typed ``list[str]``. Input fields
    named ``num_tasks``, ``topic`` and ``avoid`` are rendered as sentences; any other
    input field as ``name: value``.

    Args:
        style: ``"chat"`` for instruction-tuned models, ``"completion"`` for base models.
        num_examples: Worked examples shown when the predictor has no demos.
        example_size: Items in each worked example.
        max_items: Cap on the items asked for in one call (small models lose the thread
            in long lists); ``None`` for no cap.
        min_items: Fewest items the schema accepts (small models close the list early).
        item_pattern: Regex every item must match (sent in the schema); ``"auto"`` derives
            one from the category's seed tasks; ``None`` bounds only the length.
        item_end: With ``"auto"``: ``"clause"`` makes an item end where a clause can end
            when the length budget runs out; ``"any"`` ends it anywhere.
        min_chars: Shortest accepted item.
        max_chars: Longest accepted item.
        category: The category of the calls (its seed tasks are the worked examples and
            the item pattern); ``None`` gives an adapter that only carries its settings
            and refuses to format or parse.
        seed_pool: Seed tasks per category (default: ``SEED_TASKS``).
        callbacks: DSPy callbacks run around ``format`` and ``parse``.

    Example:
        >>> import dspy
        >>> from embtaskgen.signatures import SIGNATURES
        >>> adapter = CompactListAdapter(category="text-retrieval")
        >>> messages = adapter.format(SIGNATURES["text-retrieval"], [], {"num_tasks": 5, "topic": "", "avoid": []})
        >>> messages[-1]["content"]
        'Write 5 tasks.'
        >>> adapter.parse(SIGNATURES["text-retrieval"], '["Given a claim, find evidence."]')
        {'tasks': ['Given a claim, find evidence.']}
        >>> CompactListAdapter().format(SIGNATURES["text-retrieval"], [], {"num_tasks": 5})
        Traceback (most recent call last):
        ...
        embtaskgen.errors.ConfigError: CompactListAdapter was built without a category; ...
    """

    def __init__(
        self,
        *,
        style: Style = "chat",
        num_examples: int = 2,
        example_size: int = 3,
        max_items: int | None = 10,
        min_items: int = 1,
        min_chars: int = 20,
        max_chars: int = 200,
        category: str | None = None,
        seed_pool: Mapping[str, Sequence[str]] | None = None,
        item_pattern: str | None = "auto",
        item_end: str = "clause",
        callbacks: list[BaseCallback] | None = None,
    ) -> None:
        super().__init__(style=style, callbacks=callbacks)
        for name, value, low in (
            ("num_examples", num_examples, 0),
            ("example_size", example_size, 1),
            ("min_items", min_items, 1),
            ("min_chars", min_chars, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
        if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1):
            raise ConfigError(f"max_items must be a positive int or None, got {max_items!r}")
        if not isinstance(max_chars, int) or max_chars <= min_chars:
            raise ConfigError(f"max_chars must be an int above min_chars={min_chars}, got {max_chars!r}")
        if item_end not in _ITEM_ENDS:
            raise ConfigError(f"unknown item_end {item_end!r}; choose from {', '.join(_ITEM_ENDS)}")
        pool = SEED_TASKS if seed_pool is None else seed_pool
        if category is not None and category not in pool:
            raise ConfigError(f"unknown category {category!r}; choose from {', '.join(pool)}")
        self.num_examples = num_examples
        self.example_size = example_size
        self.max_items = max_items
        self.min_items = min_items
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.category = category
        self.seed_pool = {name: tuple(tasks) for name, tasks in pool.items()}
        self.item_pattern = item_pattern
        self.item_end = item_end

    def _prepare(
        self, lm: dspy.BaseLM, lm_kwargs: dict[str, Any], signature: type[Signature], inputs: dict[str, Any]
    ) -> None:
        """Send the list schema when the LM enforces schemas."""
        self._output_name(signature)
        category = self._category()
        if self._sends_schema(lm, lm_kwargs):
            count = self._count(inputs)
            lm_kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "tasks", "schema": self.schema(count, category)},
            }

    def _category(self) -> str:
        if self.category is None:
            raise ConfigError(
                f"{type(self).__name__} was built without a category; it formats the calls of one "
                f"category: pass category= (one of {', '.join(self.seed_pool)}), or let "
                f"embtaskgen.adapter_for(lm, category) build it"
            )
        return self.category

    def schema(self, count: int, category: str | None = None) -> dict[str, Any]:
        """The JSON schema of an answer with at most ``count`` items (:func:`seed_item_pattern` each).

        Example:
            >>> CompactListAdapter(min_chars=10, max_chars=80).schema(3)["maxItems"]
            3
        """
        items: dict[str, Any] = {"type": "string"}
        pattern = self._pattern(category)
        if pattern is None:
            items.update(minLength=self.min_chars, maxLength=self.max_chars)
        else:
            items["pattern"] = pattern
        count = max(1, count)
        return {"type": "array", "items": items, "minItems": min(self.min_items, count), "maxItems": count}

    def _pattern(self, category: str | None) -> str | None:
        if self.item_pattern != "auto":
            return self.item_pattern
        return seed_item_pattern(
            self.seed_pool.get(category or "", ()), self.min_chars, self.max_chars, clause_end=self.item_end == "clause"
        )

    def format(
        self, signature: type[Signature], demos: list[dict[str, Any]], inputs: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Render the messages: instructions, worked examples, the request."""
        output = self._output_name(signature)
        category = self._category()
        examples = self._examples(signature, demos, output, category)
        request = self._request_text(signature, inputs)
        instructions = (signature.instructions or "").strip()
        return render_messages(self.style, instructions, examples, request)

    def _examples(
        self, signature: type[Signature], demos: list[dict[str, Any]], output: str, category: str
    ) -> list[tuple[str, list[str]]]:
        """``(request, items)`` per worked example: the demos, else fixed seed tasks."""
        examples = []
        for demo in demos or []:
            items = demo.get(output)
            if isinstance(items, list) and items and all(isinstance(item, str) for item in items):
                demo_inputs = {name: demo[name] for name in signature.input_fields if name in demo}
                demo_inputs.setdefault("num_tasks", len(items))
                examples.append((self._request_text(signature, demo_inputs, demo=True), list(items)))
        if examples or self.num_examples == 0:
            return examples
        pool = self.seed_pool.get(category, ())
        wanted = self.num_examples * self.example_size
        if len(pool) < wanted:
            return examples
        rng = random.Random(f"fixed examples|{category}")  # the same on every call
        drawn = rng.sample(pool, wanted)
        for index in range(self.num_examples):
            items = drawn[index * self.example_size : (index + 1) * self.example_size]
            examples.append((f"Write {len(items)} tasks.", items))
        return examples

    def _count(self, inputs: dict[str, Any]) -> int:
        try:
            count = int(inputs["num_tasks"])
        except (KeyError, TypeError, ValueError):
            count = self.max_items or 20
        count = max(1, count)
        return min(count, self.max_items) if self.max_items else count

    def _request_text(self, signature: type[Signature], inputs: dict[str, Any], demo: bool = False) -> str:
        count = inputs["num_tasks"] if demo else self._count(inputs)
        return request_text(signature.input_fields, inputs, count)

    def format_assistant_message_content(
        self, signature: type[Signature], outputs: dict[str, Any], missing_field_message: str | None = None
    ) -> str:
        """An answer as the model should write it: the JSON array."""
        items = outputs.get(self._output_name(signature))
        return dump(items) if isinstance(items, list) else (missing_field_message or "[]")

    def parse(self, signature: type[Signature], completion: str) -> dict[str, Any]:
        """Read the answer as a JSON array of strings (:func:`~embtaskgen.embedded.list_format.parse_list`)."""
        output = self._output_name(signature)
        self._category()
        value = parse_list(completion, output)
        if value is None:
            raise parse_error(self, signature, completion, f"Expected a JSON array of strings for `{output}`.")
        return {output: value}

    def _output_name(self, signature: type[Signature]) -> str:
        outputs = signature.output_fields
        if len(outputs) != 1:
            raise ConfigError(f"CompactListAdapter needs exactly one output field, got {list(outputs)}")
        name, field = next(iter(outputs.items()))
        if field.annotation != list[str]:
            raise ConfigError(
                f"CompactListAdapter needs the output field typed list[str]; `{name}` is {field.annotation}"
            )
        return name
