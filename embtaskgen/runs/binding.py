"""Prepare an LM for a large run without changing the caller's objects.

Three things cost time or memory per call at scale and are not needed by a run that
streams its rows to a file (measured on 2 cores: 2.1 ms of CPU per call down to 0.6 ms):

* **DSPy's response cache.** Each call has its own ``rollout_id``, so within a run it
  never hits; reading and writing it costs about 0.5 ms of CPU per call (with
  ``cache=True`` the session funnels it through two threads,
  :mod:`embtaskgen.execute.response_cache`). The JSONL and its journal are the durable record, and resume never
  calls a finished generation again, so a run uses a copy of the LM with
  ``cache=False`` unless asked otherwise.
* **LM history.** DSPy keeps every call's prompt and answer (up to 10,000 in the global
  history). The run's LM copy keeps none; it only sums the cost DSPy reports per call.
* **The trace.** Every ``Predict`` call appends its prediction to DSPy's global trace
  (up to 10,000); a run needs no trace (it is not optimising), so it sets
  ``max_trace_size=0``.
* **The prompt.** DSPy's Chat and JSON adapters rebuild the same messages on every
  call: the system message (field descriptions, JSON schemas of the field types) from
  the signature alone, and the user messages from the demos and inputs, serialising
  each value through a new pydantic ``TypeAdapter``. In a run most calls of a category
  differ only in their ``rollout_id``, which is not part of the prompt, so the run
  memoises the rendered messages per (signature, demos, inputs) when those are plain
  JSON (about 0.5 ms of CPU per call; with 256 calls in flight on one GIL every call
  waits for the others' CPU). Each call gets its own copy of the messages. Other
  adapters are left as they are.

Example:
    >>> import dspy
    >>> lm = dspy.LM("openai/m")
    >>> run_lm = bind_for_run(lm, cache=False, on_cost=lambda cost: None)
    >>> run_lm.cache, lm.cache
    (False, True)
"""

from __future__ import annotations

import copy
import functools
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import dspy
from dspy.adapters import ChatAdapter, JSONAdapter

from embtaskgen.lm.prompt_memo import memoise_pieces

__all__ = ["bind_for_run", "run_settings"]

_PURE_SYSTEM_MESSAGE = (ChatAdapter, JSONAdapter)


class _CostOnlyHistory:
    """Replaces ``update_history`` on the run's LM copy: keep nothing, sum the cost."""

    def __init__(self, on_cost: Callable[[object], None]) -> None:
        self._on_cost = on_cost

    def __call__(self, entry: dict[str, Any]) -> None:
        self._on_cost(entry.get("cost"))


def bind_for_run(lm: dspy.BaseLM, *, cache: bool, on_cost: Callable[[object], None]) -> dspy.BaseLM:
    """A run-specific copy of ``lm``: the cache setting of the run, and no history.

    The copy shares the LM's engine and connection pools; the caller's LM is unchanged.
    A run passes it to every call (``EmbeddingTaskGenerator.caller(seed, lm=...)``).

    Args:
        lm: The generator's LM.
        cache: Read and write DSPy's response cache.
        on_cost: Called from worker threads with each call's reported cost (or ``None``).

    Returns:
        The LM the run's calls use.
    """
    run_lm = lm.copy(cache=cache)
    run_lm.update_history = _CostOnlyHistory(on_cost)
    return run_lm


class _MemoFormat:
    """``adapter.format`` memoised per (signature, demos, inputs), for plain-JSON values.

    Calls whose demos or inputs are not plain JSON (images, custom types) are formatted
    afresh every time. Thread-safe enough: a race formats the same prompt twice.
    """

    def __init__(self, format_: Callable[..., list[dict[str, Any]]], maxsize: int = 256) -> None:
        self._format = format_
        self._maxsize = maxsize
        self._memo: OrderedDict[tuple[Any, str], list[dict[str, Any]]] = OrderedDict()

    def __call__(self, signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            key = (signature, json.dumps([demos, inputs], sort_keys=True, allow_nan=False))
        except (TypeError, ValueError):
            return self._format(signature, demos, inputs)
        messages = self._memo.get(key)
        if messages is None:
            messages = self._format(signature, demos, inputs)
            if not all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
                return messages  # multimodal content: not memoised
            self._memo[key] = messages
            while len(self._memo) > self._maxsize:
                self._memo.popitem(last=False)
        return [dict(message) for message in messages]


def run_settings() -> dict[str, Any]:
    """DSPy settings to enter (``dspy.context(**run_settings())``) around a run.

    No trace (``max_trace_size=0``), and the adapter DSPy would use anyway, with its
    system message memoised per signature and its messages per (signature, demos,
    inputs) when it is a Chat or JSON adapter. A
    generator that picks its own adapter (the embedded model's) still overrides it per
    call.
    """
    settings: dict[str, Any] = {"max_trace_size": 0}
    base = dspy.settings.adapter or ChatAdapter()
    if type(base) in _PURE_SYSTEM_MESSAGE:
        adapter = copy.copy(base)
        adapter.format_system_message = functools.lru_cache(maxsize=64)(adapter.format_system_message)
        memoise_pieces(adapter)  # each user / assistant message text, per values (topics, demos repeat)
        adapter.format = _MemoFormat(adapter.format)
        settings["adapter"] = adapter
    return settings
