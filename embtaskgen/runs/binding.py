"""Prepare an LM for a large run without changing the caller's objects.

A run that streams its rows needs, per call, none of DSPy's response cache (each call
has its own ``rollout_id``; resume, not the cache, continues a run), LM history, trace,
nor a prompt rebuilt from scratch (memoised): measured on 2 cores, 2.1 ms of CPU per
call down to 0.6 ms. A run's answers therefore never enter DSPy's cache.

Example:
    >>> import dspy
    >>> lm = dspy.LM("openai/m")
    >>> run_lm = bind_for_run(lm, on_cost=lambda cost: None)
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
from embtaskgen.lm.strict_adapters import ONE_REQUEST, default_adapter

__all__ = ["bind_for_run", "run_settings"]

_PURE_SYSTEM_MESSAGE = (ChatAdapter, JSONAdapter)


class _CostOnlyHistory:
    """Replaces ``update_history`` on the run's LM copy: keep nothing, sum the cost."""

    def __init__(self, on_cost: Callable[[object], None]) -> None:
        self._on_cost = on_cost

    def __call__(self, entry: dict[str, Any]) -> None:
        self._on_cost(entry.get("cost"))


def bind_for_run(lm: dspy.BaseLM, *, on_cost: Callable[[object], None]) -> dspy.BaseLM:
    """A run-specific copy of ``lm`` (sharing its engine and pools): no cache, no history.

    ``on_cost`` is called from worker threads with each call's reported cost (or ``None``).
    """
    run_lm = lm.copy(cache=False)
    run_lm.update_history = _CostOnlyHistory(on_cost)
    return run_lm


class _MemoFormat:
    """``adapter.format`` memoised per (signature, demos, inputs) of plain JSON (a race formats twice)."""

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


def run_settings(lm: Any = None, *, one_request: bool = False) -> dict[str, Any]:
    """DSPy settings around a run on ``lm``: no trace, and a Chat or JSON adapter with its prompts memoised.

    With no adapter in ``dspy.settings``, the run's is the default for ``lm``
    (:func:`~embtaskgen.lm.strict_adapters.default_adapter`: JSON where LiteLLM says the model
    takes a schema). A generator that picks its own adapter (the embedded model's) still
    overrides it per call. ``one_request`` (a batch replay: one answer per call): the Chat
    adapter (the run's, or one the generator picks, in ``predict``) does not ask again with
    the JSON adapter after an answer that did not parse (a parse failure then).
    """
    settings: dict[str, Any] = {"max_trace_size": 0}
    if one_request:  # an adapter a generator picks per call is told too (call_result.predict)
        settings[ONE_REQUEST] = True
    base = dspy.settings.adapter or default_adapter(lm)
    if type(base) in _PURE_SYSTEM_MESSAGE:
        adapter = copy.copy(base)
        if one_request and isinstance(adapter, ChatAdapter):
            adapter.use_json_adapter_fallback = False
        adapter.format_system_message = functools.lru_cache(maxsize=64)(adapter.format_system_message)
        memoise_pieces(adapter)  # each user / assistant message text, per values (topics, demos repeat)
        adapter.format = _MemoFormat(adapter.format)
        settings["adapter"] = adapter
    return settings
