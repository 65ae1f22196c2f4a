"""The lm15 side of the llama.cpp engine: the request as messages, refused options, the response, errors."""

from __future__ import annotations

from typing import Any

from dspy import lm15
from dspy.lm15 import Message, Request, Response, TextPart, Usage

__all__ = ["PROVIDER", "chat_messages", "map_error", "plain_prompt", "refuse_unsupported", "to_response"]

#: The provider name every lm15 error of the embedded engine carries.
PROVIDER = "llama.cpp"


def refuse_unsupported(config: lm15.Config) -> None:
    """Refuse, never drop, what llama.cpp cannot do here (reasoning, logprobs, tool choice, ...)."""
    unsupported = {
        "config.reasoning": config.reasoning,
        "config.logprobs": config.logprobs,
        "config.probabilities": config.probabilities,
        "config.tool_choice": config.tool_choice,
        "config.cache": config.cache,
        "config.extensions": config.extensions,
    }
    for name, value in unsupported.items():
        if value is not None and value != {}:
            raise lm15.UnsupportedFeatureError(
                f"the local llama.cpp engine does not support {name}", provider=PROVIDER, feature=name
            )


def _text_of(parts: Any, where: str) -> str:
    """Join the text parts of a message; refuse any other part (images, tool calls...)."""
    texts = []
    for index, part in enumerate(parts):
        if not isinstance(part, TextPart):
            raise lm15.UnsupportedFeatureError(
                f"the local llama.cpp engine takes text only; {where}.parts[{index}] is {type(part).__name__}",
                provider=PROVIDER,
                feature=f"{where}.parts[{index}]",
            )
        texts.append(part.text)
    return "".join(texts)


def chat_messages(request: Request) -> list[dict[str, str]]:
    """The request as OpenAI-style chat messages (system first); tools or non-text parts are refused."""
    if request.tools:
        raise lm15.UnsupportedFeatureError(
            "the local llama.cpp engine does not call tools", provider=PROVIDER, feature="tools"
        )
    messages: list[dict[str, str]] = []
    if request.system is not None:
        system = request.system if isinstance(request.system, str) else _text_of(request.system, "system")
        messages.append({"role": "system", "content": system})
    for index, message in enumerate(request.messages):
        role = {"developer": "system"}.get(message.role, message.role)
        if role not in ("system", "user", "assistant"):
            raise lm15.UnsupportedFeatureError(
                f"the local llama.cpp engine has no {message.role!r} messages",
                provider=PROVIDER,
                feature=f"messages[{index}]",
            )
        messages.append({"role": role, "content": _text_of(message.parts, f"messages[{index}]")})
    return messages


def plain_prompt(messages: list[dict[str, str]]) -> str:
    """Join messages into one text for a base model; the model continues the last one."""
    return "\n\n".join(message["content"] for message in messages if message["content"])


def to_response(raw: Any, model_id: str, chat: bool) -> Response:
    """The canonical response of one ``create_chat_completion`` (``chat``) or ``create_completion`` result."""
    try:
        choice = raw["choices"][0]
        text = choice["message"]["content"] if chat else choice["text"]
        usage = raw.get("usage") or {}
    except (KeyError, IndexError, TypeError) as exc:
        raise lm15.ServerError(f"llama.cpp returned an unexpected result: {exc!r}", provider=PROVIDER) from exc
    reason = choice.get("finish_reason")
    return Response(
        id=raw.get("id") or None,
        model=model_id,
        message=Message.assistant([TextPart(text or "")]),
        finish_reason="length" if reason == "length" else "stop",
        usage=Usage(
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            total_tokens=usage.get("total_tokens"),
        ),
    )


def map_error(exc: Exception) -> lm15.LM15Error:
    """Translate a llama-cpp-python failure into the lm15 taxonomy DSPy understands."""
    message = str(exc)
    lowered = message.lower()
    if "context window" in lowered and "exceed" in lowered:
        return lm15.ContextLengthError(message, provider=PROVIDER)
    if isinstance(exc, (ValueError, TypeError)):
        return lm15.InvalidRequestError(message, provider=PROVIDER)
    if isinstance(exc, MemoryError):
        return lm15.ServerError(f"llama.cpp ran out of memory: {message}", provider=PROVIDER)
    return lm15.ProviderError(f"llama.cpp failed: {type(exc).__name__}: {message}", provider=PROVIDER)
