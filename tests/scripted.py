"""A scripted DSPy engine that stands in for a model in the offline tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence

import dspy
from dspy.lm15 import Message, Request, Response, TextPart, Usage

__all__ = ["ScriptedEngine", "chat_reply", "prompt_text", "scripted_lm"]

Reply = Callable[[Request], str]


def prompt_text(request: Request) -> str:
    """Everything the model would read: system prompt and messages."""
    parts: list[str] = []
    if request.system is not None:
        system = request.system
        parts.append(system if isinstance(system, str) else "".join(p.text for p in system))
    parts.extend(m.text or "" for m in request.messages)
    return "\n".join(parts)


def chat_reply(tasks: object) -> str:
    """A ChatAdapter-formatted answer whose ``tasks`` field is ``tasks`` (JSON-encoded)."""
    body = tasks if isinstance(tasks, str) else json.dumps(tasks)
    return f"[[ ## tasks ## ]]\n{body}\n\n[[ ## completed ## ]]"


class ScriptedEngine:
    """Answers every request with ``reply(request)``; records requests and configs."""

    def __init__(self, reply: Reply | Sequence[str]) -> None:
        if callable(reply):
            self._reply = reply
        else:
            answers = iter(list(reply))
            self._reply = lambda _request: next(answers)
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            text = self._reply(request)
        return Response(
            id=None,
            model="scripted",
            message=Message.assistant([TextPart(text)]),
            finish_reason="stop",
            usage=Usage(input_tokens=len(prompt_text(request)) // 4, output_tokens=len(text) // 4),
        )

    def stream(self, request: Request):  # pragma: no cover - not used by the tests
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass


def scripted_lm(reply: Reply | Sequence[str], model: str = "scripted/test") -> dspy.LM:
    """A ``dspy.LM`` over a :class:`ScriptedEngine` (reach it as ``lm.engine``)."""
    return dspy.LM(model, engine=ScriptedEngine(reply))
