"""Strict parsing for served models: an answer is JSON, or it is a parse failure.

DSPy's adapters read a value with ``json_repair`` (then ``ast.literal_eval``), which
"repairs" ``[__import__('os').system('x')]`` into a list nobody wrote. These adapters
send exactly DSPy's prompt (so cache keys stay the same) and read a ``list[str]`` field
with :func:`loads_string_list`; other output types parse as in DSPy.

Example:
    >>> loads_string_list('```json\\n["A task.", "Another task.",]\\n```')
    ['A task.', 'Another task.']
    >>> loads_string_list("[__import__('os').system('x')]")
    Traceback (most recent call last):
    ...
    ValueError: not JSON: Expecting value: line 1 column 2 (char 1)
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, get_args, get_origin

import dspy
from dspy.adapters import ChatAdapter, JSONAdapter
from dspy.adapters.chat_adapter import field_header_pattern
from dspy.adapters.utils import apply_output_field_defaults, parse_value
from dspy.signatures.signature import Signature
from dspy.utils.exceptions import AdapterParseError

__all__ = [
    "ONE_REQUEST",
    "StrictChatAdapter",
    "StrictJSONAdapter",
    "default_adapter",
    "is_string_list",
    "loads_json",
    "loads_string_list",
    "one_request",
    "parse_error",
    "strict_adapter",
]

#: The ``dspy.settings`` key of a run whose calls get one answer each (a batch replay).
ONE_REQUEST = "embtaskgen_one_request"

_FENCE = re.compile(r"\A```(?:json)?[ \t]*\r?\n(.*?)\r?\n?[ \t]*```\Z", re.DOTALL | re.IGNORECASE)
_CLOSER = re.compile(r"\s*[\]}]")
_TRAILING = re.compile(r",\s*[\]}]")


def _drop_trailing_commas(text: str) -> str:
    """``text`` without the commas after a value (outside strings) before ``]`` or ``}``: not ``[,]``."""
    out: list[str] = []
    start = 0
    in_string = escaped = False
    last = ""  # the last character outside strings that is not whitespace
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                last = char
            continue
        if char == '"':
            in_string = True
        elif char == "," and last not in ("", "[", "{", ",") and _CLOSER.match(text, index + 1):
            out.append(text[start:index])
            start = index + 1
        if not char.isspace():
            last = char
    out.append(text[start:])
    return "".join(out)


def loads_json(text: str) -> Any:
    """``text`` as JSON; the only repairs: a code fence around it, trailing commas (raw newlines stay in strings).

    Example:
        >>> loads_json('{"tasks": ["A.",],}')
        {'tasks': ['A.']}
    """
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        return json.loads(body, strict=False)
    except ValueError as first:
        repaired = _drop_trailing_commas(body) if _TRAILING.search(body) else body
        if repaired != body:
            try:
                return json.loads(repaired, strict=False)
            except ValueError:
                pass
        raise ValueError(f"not JSON: {first}") from None


def loads_string_list(text: str) -> list[str]:
    """``text`` as a JSON array of JSON strings (see :func:`loads_json` for the repairs).

    Example:
        >>> loads_string_list('[1, 2]')
        Traceback (most recent call last):
        ...
        ValueError: expected a JSON array of strings, got an array holding int
    """
    return _string_list(loads_json(text))


def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"expected a JSON array of strings, got {type(value).__name__}")
    wrong = sorted({type(item).__name__ for item in value if not isinstance(item, str)})
    if wrong:
        raise ValueError(f"expected a JSON array of strings, got an array holding {', '.join(wrong)}")
    return value


def is_string_list(annotation: Any) -> bool:
    """Whether a field annotation is ``list[str]`` (or ``typing.List[str]``)."""
    return get_origin(annotation) is list and get_args(annotation) == (str,)


def parse_error(
    adapter: dspy.Adapter,
    signature: type[Signature],
    completion: str,
    message: str | None = None,
    parsed: dict[str, Any] | None = None,
) -> AdapterParseError:
    """The ``AdapterParseError`` of ``adapter`` for ``completion``."""
    return AdapterParseError(
        adapter_name=type(adapter).__name__,
        signature=signature,
        lm_response=completion,
        message=message,
        parsed_result=parsed,
    )


class StrictChatAdapter(ChatAdapter):
    """DSPy's ``ChatAdapter`` with strict JSON for ``list[str]`` outputs (and a strict JSON fallback).

    Example:
        >>> sig = dspy.Signature("topic -> tasks: list[str]")
        >>> StrictChatAdapter().parse(sig, '[[ ## tasks ## ]]\\n["A."]\\n\\n[[ ## completed ## ]]')
        {'tasks': ['A.']}
    """

    def _make_json_adapter_fallback(self) -> StrictJSONAdapter:
        return StrictJSONAdapter(
            use_native_function_calling=self.use_native_function_calling, parallel_tool_calls=self.parallel_tool_calls
        )

    def parse(self, signature: type[Signature], completion: str) -> dict[str, Any]:
        """ChatAdapter's reading of the ``[[ ## field ## ]]`` sections; ``list[str]`` values strictly."""
        sections: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in completion.splitlines():
            match = field_header_pattern.match(line.strip())
            if match:
                rest = line[match.end() :].strip()
                sections.append((match.group(1), [rest] if rest else []))
            else:
                sections[-1][1].append(line)
        fields: dict[str, Any] = {}
        for name, lines in sections:
            if name is None or name in fields or name not in signature.output_fields:
                continue
            text = "\n".join(lines).strip()
            annotation = signature.output_fields[name].annotation
            try:
                fields[name] = loads_string_list(text) if is_string_list(annotation) else parse_value(text, annotation)
            except ValueError as exc:
                message = f"Failed to parse field {name} from the LM response: {exc}"
                raise parse_error(self, signature, completion, message) from None
        return _complete(self, signature, completion, fields, None)


class StrictJSONAdapter(JSONAdapter):
    """DSPy's ``JSONAdapter`` reading a strict JSON object (never one inside prose); ``list[str]`` strictly.

    Example:
        >>> sig = dspy.Signature("topic -> tasks: list[str]")
        >>> StrictJSONAdapter().parse(sig, '{"tasks": ["A."]}')
        {'tasks': ['A.']}
    """

    def parse(self, signature: type[Signature], completion: str) -> dict[str, Any]:
        """The answer as a JSON object of the output fields."""
        try:
            value = loads_json(completion)
            problem = None if isinstance(value, dict) else f"a JSON {type(value).__name__}, not an object."
        except ValueError as exc:
            problem = f"not a JSON object: {exc}"
        if problem is not None:
            raise parse_error(self, signature, completion, f"LM response is {problem}") from None
        fields = {name: item for name, item in value.items() if name in signature.output_fields}
        for name, item in fields.items():
            annotation = signature.output_fields[name].annotation
            try:
                fields[name] = _string_list(item) if is_string_list(annotation) else parse_value(item, annotation)
            except ValueError as exc:
                raise parse_error(self, signature, completion, f"Failed to parse field {name}: {exc}", fields) from None
        return _complete(self, signature, completion, fields, "LM response is missing output fields.")


def _complete(
    adapter: dspy.Adapter, signature: type[Signature], completion: str, fields: dict[str, Any], message: str | None
) -> dict[str, Any]:
    """``fields`` with the signature's defaults; a parse error unless every output field is there."""
    fields = apply_output_field_defaults(signature, fields)
    if fields.keys() != signature.output_fields.keys():
        raise parse_error(adapter, signature, completion, message, fields)
    return fields


_STRICT: dict[type, type] = {ChatAdapter: StrictChatAdapter, JSONAdapter: StrictJSONAdapter}


def strict_adapter(base: dspy.Adapter | None) -> dspy.Adapter | None:
    """The strict twin of ``base`` (``None``: DSPy's default, a ``ChatAdapter``), or ``None`` to leave it alone.

    A ``ChatAdapter`` or ``JSONAdapter`` of exactly that class becomes a copy of itself of
    the strict class, instance attributes (a run's memoised ``format``) and all.

    Example:
        >>> type(strict_adapter(None)).__name__, type(strict_adapter(dspy.JSONAdapter())).__name__
        ('StrictChatAdapter', 'StrictJSONAdapter')
        >>> strict_adapter(dspy.XMLAdapter()) is None
        True
    """
    if base is None:
        return StrictChatAdapter()
    if isinstance(base, (StrictChatAdapter, StrictJSONAdapter)):
        return base
    kind = _STRICT.get(type(base))
    if kind is None:
        return None
    strict = copy.copy(base)
    strict.__class__ = kind
    return strict


def default_adapter(lm: Any = None) -> dspy.Adapter:
    """The adapter a served model gets when nobody chose one: JSON where LiteLLM says the model takes a schema.

    A model whose LiteLLM entry supports JSON-schema responses gets a ``JSONAdapter`` (its
    strict twin sends the signature's schema as ``response_format``); any other a ``ChatAdapter``.
    An LM with an engine object (the resolver's transport for a served model, a custom engine)
    goes by what the engine declares (``supports_response_schema``; the resolver sets it from
    LiteLLM's entry), and no model map is read for it.

    Example:
        >>> type(default_adapter(dspy.LM("openai/gpt-4o-mini"))).__name__
        'JSONAdapter'
        >>> type(default_adapter(dspy.LM("openai/my-server-model"))).__name__
        'ChatAdapter'
    """
    from embtaskgen.lm.pricing import supports_json_schema

    engine = getattr(lm, "engine", None)
    if engine is not None and not isinstance(engine, str):  # an engine object declares what it takes
        schema = bool(getattr(engine, "supports_response_schema", False))
    else:  # DSPy picks LiteLLM's route at call time: LiteLLM's entry says
        model = getattr(lm, "model", None)
        schema = isinstance(model, str) and supports_json_schema(model)
    return JSONAdapter() if schema else ChatAdapter()


def one_request(adapter: dspy.Adapter) -> dspy.Adapter:
    """``adapter``, or (in a run of one answer per call, ``dspy.settings[ONE_REQUEST]``) a copy of
    a Chat adapter that does not ask again with the JSON adapter after an answer that did not parse.

    Example:
        >>> with dspy.context(**{ONE_REQUEST: True}):
        ...     one_request(StrictChatAdapter()).use_json_adapter_fallback
        False
        >>> one_request(StrictChatAdapter()).use_json_adapter_fallback
        True
    """
    if not dspy.settings.get(ONE_REQUEST) or not isinstance(adapter, ChatAdapter):
        return adapter
    if not adapter.use_json_adapter_fallback:
        return adapter
    single = copy.copy(adapter)
    single.use_json_adapter_fallback = False
    return single
