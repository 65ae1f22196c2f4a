"""The DSPy 3.4 engines over llama-cpp-python: one GGUF file, in-process, no network.

DSPy calls a custom model through an *engine* (``complete(Request) -> Response``) and
keeps its cache, retries and history; the engine makes exactly one attempt. The llama.cpp
context of a file is loaded on first use and shared (:mod:`embtaskgen.embedded.registry`);
it is not thread-safe, so each call holds its lock for the whole generation
(``max_concurrency = 1``), and starts from an empty KV cache, so that its answer depends
only on its request and seed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeAlias

from dspy import lm15
from dspy.lm15 import Request, Response, response_to_events

from embtaskgen.embedded.grammar import format_options
from embtaskgen.embedded.llama_log import route_llama_logs
from embtaskgen.embedded.registry import SharedModel, acquire, model_fingerprint, release, usable_cpus
from embtaskgen.embedded.repetition import NoRepeat
from embtaskgen.embedded.requests import chat_messages, map_error, plain_prompt, refuse_unsupported, to_response
from embtaskgen.embedded.sampler import default_llama_factory
from embtaskgen.errors import ConfigError

__all__ = ["AsyncLlamaCppEngine", "LlamaCppEngine", "PromptStyle"]

logger = logging.getLogger(__name__)

#: One event of a stream (dspy.lm15's public event classes).
StreamEvent: TypeAlias = "lm15.StreamStartEvent | lm15.StreamDeltaEvent | lm15.StreamEndEvent | lm15.StreamErrorEvent"

#: How the messages reach the model: its chat template, or one text it continues.
PromptStyle = Literal["chat", "completion"]
_PROMPT_STYLES: tuple[str, ...] = ("chat", "completion")

#: Config fields this engine honours (``response_format``: a JSON schema enforced as a grammar).
_SUPPORTED_PARAMS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "max_tokens",
        "stop",
        "seed",
        "response_format",
        "frequency_penalty",
        "presence_penalty",
    }
)


#: The settings :meth:`LlamaCppEngine.dump_state` records, besides the penalty's.
_STATE = ("model_path", "model_id", "prompt_style", "n_ctx", "n_threads", "top_k", "min_p", "repeat_penalty")


class _Declared:
    """What both engines declare to DSPy: one generation at a time, schemas, no tools or reasoning."""

    supported_params = _SUPPORTED_PARAMS
    supports_response_schema = True
    supports_function_calling = False
    supports_reasoning = False
    max_concurrency = 1


class LlamaCppEngine(_Declared):
    """A DSPy engine that runs one GGUF model in-process through llama-cpp-python.

    Args:
        model_path: The ``.gguf`` file.
        model_id: DSPy's model id and cache namespace (default: file stem and fingerprint).
        prompt_style: ``"chat"`` (the model's chat template) or ``"completion"`` (one
            text the model continues, for base models).
        n_ctx: Context window in tokens.
        n_threads: CPU threads; ``None`` uses every usable CPU (llama-cpp-python's default,
            half of them, nearly doubles the time per token on 2 cores).
        top_k: Default top-k when a request sets none (0 disables it).
        min_p: Min-p sampling floor (0 disables it).
        repeat_penalty: llama.cpp's repetition penalty (1.0 disables it).
        no_repeat_multiplier: Strength of the DRY repeated-phrase penalty (0 disables it).
        no_repeat_base: Its growth per extra repeated token.
        no_repeat_allowed_length: Repeats up to this many tokens go unpenalised.
        llama_factory: Builds the llama object as ``factory(model_path, **settings)``
            (tests pass a fake).

    Example:
        >>> import dspy
        >>> engine = LlamaCppEngine("model.gguf", model_id="my-model")  # loads nothing yet
        >>> lm = dspy.LM("local/my-model", engine=engine, async_engine=AsyncLlamaCppEngine(engine))
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        model_id: str | None = None,
        prompt_style: PromptStyle = "chat",
        n_ctx: int = 4096,
        n_threads: int | None = None,
        top_k: int = 40,
        min_p: float = 0.05,
        repeat_penalty: float = 1.0,
        no_repeat_multiplier: float = 0.0,
        no_repeat_base: float = 1.75,
        no_repeat_allowed_length: int = 2,
        llama_factory: Callable[..., Any] | None = None,
    ) -> None:
        if prompt_style not in _PROMPT_STYLES:
            raise ConfigError(f"unknown prompt_style {prompt_style!r}; choose from {', '.join(_PROMPT_STYLES)}")
        if isinstance(n_ctx, bool) or not isinstance(n_ctx, int) or n_ctx < 256:
            raise ConfigError(f"n_ctx must be an int of at least 256, got {n_ctx!r}")
        if repeat_penalty <= 0:
            raise ConfigError(f"repeat_penalty must be positive, got {repeat_penalty!r}")
        if n_threads is not None and (isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1):
            raise ConfigError(f"n_threads must be a positive int or None, got {n_threads!r}")
        self.model_path = str(Path(model_path).expanduser().resolve())
        self.model_id = model_id or f"{Path(self.model_path).stem}-{model_fingerprint(self.model_path)}"
        self.prompt_style: PromptStyle = prompt_style
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.top_k = top_k
        self.min_p = min_p
        self.repeat_penalty = repeat_penalty
        self.no_repeat = NoRepeat(no_repeat_multiplier, no_repeat_base, no_repeat_allowed_length)
        self._factory = llama_factory or default_llama_factory
        self._shared: SharedModel | None = None
        self._handle_lock = threading.Lock()

    @property
    def threads(self) -> int:
        """The thread count the context is loaded with."""
        return self.n_threads or usable_cpus()

    def _model(self) -> SharedModel:
        with self._handle_lock:
            if self._shared is None:
                settings: dict[str, Any] = {
                    "n_ctx": self.n_ctx,
                    "n_threads": self.threads,
                    "n_threads_batch": self.threads,
                }
                route_llama_logs()  # llama.cpp's lines go to logging, not into the user's stderr
                self._shared = acquire(self.model_path, settings, self._factory)
            return self._shared

    def load(self) -> None:
        """Load the model now instead of on the first call."""
        self._model()

    @property
    def loaded(self) -> bool:
        """Whether this engine holds the llama.cpp context."""
        return self._shared is not None

    def close(self) -> None:
        """Release this engine's hold on the context; the last holder frees it."""
        with self._handle_lock:
            shared, self._shared = self._shared, None
        if shared is not None:
            release(self.model_path, shared)

    def dump_state(self) -> dict[str, Any]:
        """JSON state for ``dspy.LM.dump_state`` (no secrets: a path and settings)."""
        state = {name: getattr(self, name) for name in _STATE}
        for name in ("multiplier", "base", "allowed_length"):
            state[f"no_repeat_{name}"] = getattr(self.no_repeat, name)
        return state

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> LlamaCppEngine:
        """Rebuild an engine from :meth:`dump_state`."""
        return cls(**state)

    def complete(self, request: Request) -> Response:
        """Run one generation; lm15 errors for a prompt over the context or an unsupported feature."""
        if not isinstance(request, Request):
            raise TypeError("LlamaCppEngine.complete takes a dspy.lm15.Request")
        options = self._options(request.config)
        messages = chat_messages(request)
        shared = self._model()
        started = time.perf_counter()
        with shared.lock:
            # The context is shared by every engine over this file: this engine's penalty, now.
            shared.llama.no_repeat = self.no_repeat if self.no_repeat.enabled else None
            # An empty KV cache: a prefix reused from the previous call gives logits of another
            # batch shape, which differ in the last bits, so the same seed gave another answer.
            shared.llama.reset()
            try:
                if self.prompt_style == "chat":
                    raw = shared.llama.create_chat_completion(messages=messages, **options)
                else:
                    raw = shared.llama.create_completion(prompt=plain_prompt(messages), **options)
            except lm15.LM15Error:
                raise
            except Exception as exc:
                raise map_error(exc) from exc
        elapsed = time.perf_counter() - started
        response = to_response(raw, self.model_id, chat=self.prompt_style == "chat")
        logger.debug(
            "%s: %s tokens in, %s out, %.2f s",
            self.model_id,
            response.usage.input_tokens,
            response.usage.output_tokens,
            elapsed,
        )
        return response

    def stream(self, request: Request) -> Iterator[StreamEvent]:
        """Stream one generation (as one text delta between start and end events)."""
        return response_to_events(self.complete(request))

    def _options(self, config: lm15.Config) -> dict[str, Any]:
        refuse_unsupported(config)
        options: dict[str, Any] = {
            "temperature": 1.0 if config.temperature is None else config.temperature,
            "top_p": 1.0 if config.top_p is None else config.top_p,
            "top_k": self.top_k if config.top_k is None else config.top_k,
            "min_p": self.min_p,
            "repeat_penalty": self.repeat_penalty,
            "max_tokens": config.max_tokens,
            "stop": list(config.stop),
            "seed": config.seed,
            "frequency_penalty": config.frequency_penalty or 0.0,
            "presence_penalty": config.presence_penalty or 0.0,
        }
        options.update(format_options(config.response_format, self.prompt_style))
        return options


class AsyncLlamaCppEngine(_Declared):
    """The async counterpart of :class:`LlamaCppEngine` (its context and lock), run off the event loop."""

    def __init__(self, engine: LlamaCppEngine) -> None:
        if not isinstance(engine, LlamaCppEngine):
            raise TypeError(f"AsyncLlamaCppEngine wraps a LlamaCppEngine, not {type(engine).__name__}")
        self.engine = engine

    async def complete(self, request: Request) -> Response:
        """Run one generation in a worker thread."""
        return await asyncio.to_thread(self.engine.complete, request)

    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Stream one generation (start, one text delta, end)."""
        response = await self.complete(request)
        for event in response_to_events(response):
            yield event

    async def aclose(self) -> None:
        """Nothing to do: the sync engine owns the context (close it there)."""

    def dump_state(self) -> dict[str, Any]:
        """JSON state: the sync engine's."""
        return self.engine.dump_state()

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> AsyncLlamaCppEngine:
        """Rebuild from :meth:`dump_state` (with a fresh sync engine)."""
        return cls(LlamaCppEngine.load_state(state))
