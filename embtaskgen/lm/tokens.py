"""Prompt tokens of rendered messages, counted as LiteLLM counts them (``litellm.token_counter``).

LiteLLM picks the tokenizer by model id (tiktoken for OpenAI ids, Hugging Face tokenizers
for a few open families); for an id its cost map does not know it falls back to its
default tokenizer (tiktoken ``cl100k_base``), an approximation :func:`tokenizer_note` says so.

Example:
    >>> count_prompt_tokens("openai/gpt-4o-mini", [{"role": "user", "content": "Hello world " * 10}]) > 20
    True
    >>> tokenizer_note("openai/my-server-model")
    "approximation: LiteLLM's default tokenizer (openai/my-server-model is not in its model map)"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from embtaskgen.lm.pricing import load_litellm, price_of

__all__ = ["count_prompt_tokens", "tokenizer_note"]


def count_prompt_tokens(model: str, messages: Sequence[dict[str, Any]]) -> int:
    """The prompt tokens of chat ``messages`` (``{"role", "content"}``) for ``model``, per LiteLLM."""
    return int(load_litellm().token_counter(model=model, messages=list(messages)))


def tokenizer_note(model: str) -> str:
    """How :func:`count_prompt_tokens` counts for ``model``: its tokenizer, or a stated approximation."""
    if price_of(model) is not None:
        return f"{model}'s tokenizer as LiteLLM selects it (litellm.token_counter)"
    return f"approximation: LiteLLM's default tokenizer ({model} is not in its model map)"
