"""JSON answers on the embedded model: a request's ``response_format`` as llama.cpp options.

Example:
    >>> format_options(None, "chat")
    {}
    >>> format_options({"type": "json_object"}, "chat")
    {'response_format': {'type': 'json_object'}}
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from dspy import lm15

from embtaskgen.embedded.requests import PROVIDER

__all__ = ["format_options", "grammar_text"]


@lru_cache(maxsize=32)
def grammar_text(schema_json: str) -> str:
    """Compile a JSON schema (JSON text) to GBNF once; refuse (never loosen) a schema that fails.

    Keys keep their order: llama.cpp writes properties in schema order (sorted keys made
    Gemma write a retrieval example's documents first, then copy one into the query).
    """
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        return json_schema_to_gbnf(schema_json)
    except Exception as exc:  # llama.cpp's converter raises bare Exceptions
        raise lm15.InvalidRequestError(
            f"llama.cpp cannot turn this JSON schema into a grammar: {exc}", provider=PROVIDER
        ) from exc


def format_options(response_format: dict[str, Any] | None, prompt_style: str) -> dict[str, Any]:
    """The llama-cpp-python options that enforce ``response_format``: chat spelling, or a grammar."""
    if response_format is None:
        return {}
    schema = response_format.get("schema") if response_format.get("type") == "json_schema" else None
    if prompt_style == "chat":
        # llama.cpp's own spelling: json_object, with the schema beside it.
        chat_format: dict[str, Any] = {"type": "json_object"}
        if schema is not None:
            grammar_text(json.dumps(schema))  # refuse bad schemas loudly
            chat_format["schema"] = schema
        return {"response_format": chat_format}
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    text = JSON_GBNF if schema is None else grammar_text(json.dumps(schema))
    return {"grammar": LlamaGrammar.from_string(text, verbose=False)}
