"""The embedded default model: a DSPy 3.4 engine over llama.cpp, and a prompt it can follow.

- :func:`load_local_lm` builds a ``dspy.LM`` over an embedded GGUF model (``smollm2``,
  ``gemma-3-270m``, or a path); nothing loads until the first call.
- :func:`default_adapter_for` returns the adapter that makes a small local model
  useful (:class:`CompactListAdapter`), or ``None`` for any other LM.

Example:
    >>> import dspy
    >>> from embtaskgen.lm.local import default_adapter_for, load_local_lm
    >>> from embtaskgen.signatures import SIGNATURES
    >>> lm = load_local_lm("smollm2")  # doctest: +SKIP
    >>> with dspy.context(lm=lm, adapter=default_adapter_for(lm)):  # doctest: +SKIP
    ...     tasks = dspy.Predict(SIGNATURES["text-retrieval"])(num_tasks=8).tasks
"""

from __future__ import annotations

from typing import Any

import dspy

from embtaskgen.lm.local.adapter import CompactListAdapter, category_of
from embtaskgen.lm.local.engine import AsyncLlamaCppEngine, LlamaCppEngine, model_fingerprint
from embtaskgen.lm.local.catalog import (
    DEFAULT_MODEL,
    LOCAL_MODELS,
    LocalModel,
    adapter_options_for,
    is_local_lm,
    load_local_lm,
    resolve_model_path,
)
from embtaskgen.lm.local.repetition import NoRepeat

__all__ = [
    "DEFAULT_MODEL",
    "LOCAL_MODELS",
    "AsyncLlamaCppEngine",
    "CompactListAdapter",
    "LlamaCppEngine",
    "LocalModel",
    "NoRepeat",
    "category_of",
    "default_adapter_for",
    "is_local_lm",
    "load_local_lm",
    "model_fingerprint",
    "resolve_model_path",
]


def default_adapter_for(lm: Any, *, category: str | None = None) -> dspy.Adapter | None:
    """The adapter to use with ``lm``: a tuned ``CompactListAdapter`` if it is local.

    Args:
        lm: Any DSPy LM.
        category: Force the seed pool of one category (found from the signature otherwise).

    Returns:
        A ``CompactListAdapter`` for an LM from :func:`load_local_lm`, else ``None``
        (keep DSPy's default adapter for served models).

    Example:
        >>> import dspy
        >>> default_adapter_for(dspy.LM("openai/gpt-4o-mini")) is None
        True
    """
    options = adapter_options_for(lm)
    if options is None:
        return None
    return CompactListAdapter(category=category, **options)
