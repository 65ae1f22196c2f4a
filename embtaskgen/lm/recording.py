"""An engine that records what a call would send and answers nothing: the dry run's model.

:func:`recording_lm` gives a copy of a run's LM (same model id, same declared abilities,
so adapters format exactly as for the real model) whose engine keeps the first request of
each call (:meth:`RecordingEngine.start` names the call) and answers an empty text. No
request leaves the process.

Example:
    >>> import dspy
    >>> lm, engine = recording_lm(dspy.LM("openai/gpt-4o-mini", max_tokens=300))
    >>> engine.start(("text-retrieval", 0))
    >>> lm("Hello")
    ['']
    >>> engine.requests[("text-retrieval", 0)]
    ([{'role': 'user', 'content': 'Hello'}], 300)
"""

from __future__ import annotations

import threading
from typing import Any

import dspy
from dspy.lm15 import Message, Response, TextPart, Usage

from embtaskgen.lm.resolve import accepts_seed

__all__ = ["RecordingEngine", "recording_lm"]

#: A call's key, as the runner names it: ``(label, index)``.
_Key = tuple[str, int]


class RecordingEngine:
    """A DSPy engine that records the first request of each call and answers an empty text.

    It declares what the run's LM declares (schema support, parameters, seeds), so adapters
    format exactly as they would for the real model. :meth:`start` names the call the
    next requests belong to; later requests of the same call (a fallback adapter's) are not kept.
    """

    def __init__(self, lm: dspy.BaseLM) -> None:
        engine = getattr(lm, "engine", None)
        self.wrapped_engine = engine if engine is not None and not isinstance(engine, str) else None
        self.supported_params = frozenset(getattr(lm, "supported_params", ()) or ())
        self.supports_response_schema = bool(getattr(lm, "supports_response_schema", False))
        self.supports_function_calling = False
        self.supports_reasoning = False
        self.accepts_seed = accepts_seed(lm)
        self.requests: dict[_Key, tuple[list[dict[str, str]], int | None]] = {}
        self._current: _Key | None = None
        self._lock = threading.Lock()

    def start(self, key: _Key) -> None:
        """The requests that follow belong to the call ``key``."""
        with self._lock:
            self._current = key

    def complete(self, request: Any) -> Response:
        """Record ``request`` (its chat messages and ``max_tokens``); answer an empty text."""
        messages: list[dict[str, str]] = []
        if request.system is not None:
            system = request.system if isinstance(request.system, str) else "".join(p.text for p in request.system)
            messages.append({"role": "system", "content": system})
        messages += [{"role": m.role, "content": m.text or ""} for m in request.messages]
        with self._lock:
            if self._current is not None and self._current not in self.requests:
                self.requests[self._current] = (messages, request.config.max_tokens)
        return Response(
            id=None,
            model="dry-run",
            message=Message.assistant([TextPart("")]),
            finish_reason="stop",
            usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0),
        )


class _AsyncRecording:
    def __init__(self, engine: RecordingEngine) -> None:
        self.engine = engine

    async def complete(self, request: Any) -> Response:
        return self.engine.complete(request)


def recording_lm(lm: dspy.BaseLM) -> tuple[dspy.LM, RecordingEngine]:
    """A copy of ``lm`` on a :class:`RecordingEngine` (its ``temperature`` and ``max_tokens`` kept), and the engine."""
    engine = RecordingEngine(lm)
    kwargs = {name: value for name, value in lm.kwargs.items() if name in ("temperature", "max_tokens")}
    return dspy.LM(lm.model, engine=engine, async_engine=_AsyncRecording(engine), cache=False, **kwargs), engine
