"""Scripted answers for the example signatures (stage 2), in the chat adapter's format.

``example_lm(overrides)`` answers every example call with valid outputs for its kind
(read from the instruction in the prompt), varied per call by the prompt's inputs;
``overrides`` replaces fields per kind, to provoke one validity reason at a time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from script_text import in_script
from scripted import prompt_text, scripted_lm

from embtaskgen.signatures import EXAMPLE_SIGNATURES

__all__ = ["chat_fields", "example_lm", "inputs_of", "kind_of", "valid_outputs"]

_FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n|\Z)", re.DOTALL)


def kind_of(text: str) -> str:
    for kind, signature in EXAMPLE_SIGNATURES.items():
        if signature.instructions.splitlines()[0] in text:
            return kind
    raise AssertionError("no example instruction in the prompt")


def inputs_of(request: Any) -> dict[str, str]:
    """The input field values of the last user message."""
    return dict(_FIELD.findall(request.messages[-1].text or ""))


def chat_fields(fields: Mapping[str, str]) -> str:
    body = "".join(f"[[ ## {name} ## ]]\n{value}\n\n" for name, value in fields.items())
    return body + "[[ ## completed ## ]]"


def _words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def valid_outputs(kind: str, inputs: Mapping[str, str]) -> dict[str, str]:
    """Outputs that pass every check, distinct per set of inputs."""
    tag = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:8]
    if kind == "text-retrieval":
        n = int(inputs.get("num_words", "50"))
        return {
            "user_query": f"query {tag}",
            "positive_document": f"{tag} " + _words("good", n),
            "hard_negative_document": f"{tag} " + _words("bad", n),
        }
    if kind in ("text-matching-short", "text-matching-long"):
        return {"input": f"input {tag}", "positive_document": f"match {tag}"}
    if kind == "text-classification":
        return {"input_text": f"A text numbered {tag}.", "label": "alpha", "misleading_label": "beta"}
    source = inputs.get("source_language", inputs.get("language"))
    target = inputs.get("target_language", inputs.get("language"))
    return {
        "S1": in_script("first", tag, source),
        "S2": in_script("second", tag, target),
        "S3": in_script("third", tag, target),
    }


Override = Callable[[str, Mapping[str, str], dict[str, str]], dict[str, str]]


def example_lm(override: Override | None = None, model: str = "scripted/test"):
    """A scripted LM answering example calls; ``override(kind, inputs, outputs)`` may change them."""

    def reply(request: Any) -> str:
        kind = kind_of(prompt_text(request))
        inputs = inputs_of(request)
        outputs = valid_outputs(kind, inputs)
        if override is not None:
            outputs = override(kind, inputs, outputs)
        return chat_fields(outputs)

    return scripted_lm(reply, model=model)
