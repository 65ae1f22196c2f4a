"""The prompts a batch session formats once: kept when a call's request is rendered, handed back on its replay.

A call formats the same messages when its request is rendered and when its answer is
replayed (same signature, demos and inputs, all derived from the seed and the call's key),
so within one session the replay takes the rendered messages instead of formatting them
again. A resumed session, whose requests were rendered by an earlier process, formats
them as usual.

Example:
    >>> from embtaskgen.runs.batch.calls import KeyedStage
    >>> formatted = []
    >>> class Adapter:
    ...     def format(self, signature, demos, inputs):
    ...         formatted.append(inputs)
    ...         return [{"role": "user", "content": str(inputs)}]
    >>> prompts = RenderedPrompts()
    >>> render, replay = prompts.recording({"adapter": Adapter()}), prompts.replaying({"adapter": Adapter()})
    >>> class Stage:
    ...     def caller(self, seed, lm):
    ...         return lambda label, index: lm["adapter"].format(str, [], {"n": index})
    >>> KeyedStage(Stage()).caller(1, render)("sts", 3) == KeyedStage(Stage()).caller(1, replay)("sts", 3)
    True
    >>> formatted
    [{'n': 3}]
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from embtaskgen.runs.batch.calls import current_call

__all__ = ["RenderedPrompts"]


class RenderedPrompts:
    """Messages by ``(custom_id, signature)``, kept while rendering and taken (once) while replaying."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, Any], list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def recording(self, settings: dict[str, Any]) -> dict[str, Any]:
        """``settings`` (DSPy's, as ``run_settings`` gives them) whose adapter keeps what it formats."""
        return self._wrapped(settings, self._keep)

    def replaying(self, settings: dict[str, Any]) -> dict[str, Any]:
        """``settings`` whose adapter hands back a call's kept messages instead of formatting them again."""
        return self._wrapped(settings, self._take)

    def _wrapped(self, settings: dict[str, Any], how: Callable[..., list[dict[str, Any]]]) -> dict[str, Any]:
        adapter = settings.get("adapter")
        if adapter is None:
            return settings
        adapter = copy.copy(adapter)
        inner = adapter.format

        def format_(signature: Any, demos: list[dict[str, Any]], inputs: dict[str, Any]) -> list[dict[str, Any]]:
            return how(inner, signature, demos, inputs)

        adapter.format = format_
        return {**settings, "adapter": adapter}

    def _keep(self, inner: Callable[..., list[dict[str, Any]]], signature: Any, demos: Any, inputs: Any) -> Any:
        messages = inner(signature, demos, inputs)
        name = current_call()
        if name is not None:
            with self._lock:
                self._kept[(name, signature)] = [dict(message) for message in messages]
        return messages

    def _take(self, inner: Callable[..., list[dict[str, Any]]], signature: Any, demos: Any, inputs: Any) -> Any:
        name = current_call()
        with self._lock:
            kept = self._kept.pop((name, signature), None) if name is not None else None
        if kept is None:
            return inner(signature, demos, inputs)
        return kept
