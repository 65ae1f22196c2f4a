"""A DSPy 3.4 engine over llama-cpp-python: one GGUF file, in-process, no network.

DSPy 3.4 calls a custom model through an *engine*: an object with
``complete(request: dspy.lm15.Request) -> dspy.lm15.Response``, passed as
``dspy.LM("local/<model-id>", engine=..., async_engine=...)``. DSPy keeps its cache,
retries, history and usage tracking; the engine makes exactly one attempt.

One llama.cpp context exists per model file per process. It is loaded on first use
(constructing an engine costs nothing) and shared by every engine over the same file.
A llama.cpp context is not thread-safe, so each call holds that file's lock for the whole
generation: ``dspy.Parallel`` and ``module.batch`` work, but calls run one at a time
(``max_concurrency = 1`` says so to callers). Each call starts from an empty KV cache, so
its answer depends only on its request and seed, never on the call that ran before.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dspy import lm15
from dspy.lm15 import Message, Request, Response, TextPart, Usage, response_to_events

from embtaskgen.lm.local.repetition import NoRepeat, NoRepeatPenalty
from embtaskgen.errors import ConfigError

if TYPE_CHECKING:
    from dspy._vendor.lm15.types import StreamEvent

__all__ = ["AsyncLlamaCppEngine", "LlamaCppEngine", "model_fingerprint", "usable_cpus"]

logger = logging.getLogger(__name__)

PromptStyle = Literal["chat", "completion"]
_PROMPT_STYLES: tuple[str, ...] = ("chat", "completion")
_PROVIDER = "llama.cpp"
_INSTALL_HINT = "pip install 'embtaskgen[local]'"

#: Config fields this engine honours. ``response_format`` carries a JSON schema that
#: llama.cpp enforces with a grammar.
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


# --------------------------------------------------------------------------- loading


@dataclass
class _SharedModel:
    """One loaded llama.cpp context, its lock, and how many engines hold it."""

    llama: Any
    settings: dict[str, Any]
    lock: threading.Lock = field(default_factory=threading.Lock)
    holders: int = 0


_registry_lock = threading.Lock()
_loaded: dict[str, _SharedModel] = {}


@atexit.register
def _close_all() -> None:
    """Free every context before interpreter teardown (llama-cpp-python's own
    finaliser fails noisily once its module globals are gone)."""
    with _registry_lock:
        models = list(_loaded.values())
        _loaded.clear()
    for shared in models:
        close = getattr(shared.llama, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # pragma: no cover - best effort at exit
                logger.debug("closing a llama.cpp context at exit failed", exc_info=True)


def _default_llama_factory(model_path: str, **settings: Any) -> Any:
    try:
        from llama_cpp import Llama  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"the embedded model needs llama-cpp-python; install it with {_INSTALL_HINT}"
        ) from exc
    return _lazy_grammar_llama_class()(model_path=model_path, verbose=False, **settings)


class _LazyGrammarSampler:
    """Sample first without the grammar; check only the sampled token against it.

    llama-cpp-python puts the grammar at the head of its sampler chain, so the grammar
    is matched against every token of the vocabulary at every step (262k tokens for
    Gemma 3: half of the generation time). llama.cpp's own ``common_sampler`` samples
    from the unconstrained chain (top-k, min-p, temperature) and checks only the chosen
    token; when the grammar rejects it, it resamples. Here the resample is first drawn
    among the ``top`` most likely tokens the grammar allows, and only when none is allowed
    from the full chain with the grammar over the whole vocabulary. The output is exactly
    as constrained as before; only the cost changes.

    With a :class:`NoRepeatPenalty`, the logits are lowered for repeated phrases before
    any of this, and the penalty learns each token kept. Without a grammar (``full`` and
    ``grammar`` ``None``) it samples from ``fast`` alone.
    """

    def __init__(
        self,
        fast: Any,
        full: Any,
        grammar: Any,
        n_vocab: int,
        top: int = 64,
        penalty: NoRepeatPenalty | None = None,
    ) -> None:
        self.fast = fast  # the chain without the grammar
        self.full = full  # the same chain with the grammar first (it owns ``grammar``); None without one
        self.grammar = grammar
        self.n_vocab = n_vocab
        self.top = max(1, min(top, n_vocab))
        self.penalty = penalty  # lowers repeated phrases' logits before any sampling
        self.resampled = 0  # the sampled token broke the grammar: resampled from the top
        self.fell_back = 0  # no top token fits the grammar: sampled over the whole vocabulary

    def sample(self, ctx: Any, idx: int = -1) -> int:
        if self.penalty is not None:
            self.penalty.penalize(ctx, idx)
        token = self._sample(ctx, idx)
        if self.penalty is not None:
            self.penalty.accept(token)
        return token

    def _sample(self, ctx: Any, idx: int) -> int:
        import ctypes

        from llama_cpp import llama_cpp as C

        token = C.llama_sampler_sample(self.fast.sampler, ctx.ctx, idx)
        if self.grammar is None:
            return token
        one = (C.llama_token_data * 1)()
        one[0].id, one[0].logit, one[0].p = token, 0.0, 0.0
        candidates = C.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
        C.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
        if one[0].logit != float("-inf"):
            C.llama_sampler_accept(self.full.sampler, token)  # grammar (and penalties) advance
            return token
        self.resampled += 1
        token = self._sample_top(ctx, idx)
        if token is not None:
            C.llama_sampler_accept(self.full.sampler, token)
            return token
        return C.llama_sampler_sample(self.full.sampler, ctx.ctx, idx)

    def _sample_top(self, ctx: Any, idx: int) -> int | None:
        """Resample among the ``top`` most likely tokens the grammar allows, if any."""
        import ctypes

        import numpy as np
        from llama_cpp import llama_cpp as C

        logits = np.ctypeslib.as_array(C.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        top = np.argpartition(logits, -self.top)[-self.top :]
        data = (C.llama_token_data * len(top))()
        for slot, token in enumerate(top.tolist()):
            data[slot].id, data[slot].logit, data[slot].p = token, float(logits[token]), 0.0
        candidates = C.llama_token_data_array(data=data, size=len(top), selected=-1, sorted=False)
        C.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
        if all(data[slot].logit == float("-inf") for slot in range(len(top))):
            self.fell_back += 1
            return None
        C.llama_sampler_apply(self.fast.sampler, ctypes.byref(candidates))  # top-k, min-p, temp, dist
        if not 0 <= candidates.selected < candidates.size:  # pragma: no cover - defensive
            return None
        return int(candidates.data[candidates.selected].id)

    def accept(self, token: int) -> None:
        for part in (self.fast, self.full, self.penalty):
            if part is not None:
                part.accept(token)

    def reset(self) -> None:
        for part in (self.fast, self.full, self.penalty):
            if part is not None:
                part.reset()

    def close(self) -> None:
        for part in (self.fast, self.full, self.penalty):
            if part is not None:
                part.close()


@lru_cache(maxsize=1)
def _lazy_grammar_llama_class() -> type:
    """``llama_cpp.Llama`` with :class:`_LazyGrammarSampler` when a grammar is given."""
    from llama_cpp import Llama
    from llama_cpp import llama_cpp as C

    class LazyGrammarLlama(Llama):
        #: The repeated-phrase penalty of the next generation; the engine sets it per
        #: call while it holds the context's lock.
        no_repeat: NoRepeat | None = None

        def _init_sampler(self, *args: Any, **kwargs: Any) -> Any:
            grammar = kwargs.get("grammar")
            full = super()._init_sampler(*args, **kwargs)
            settings = self.no_repeat
            penalty = None
            if settings is not None and settings.enabled:
                penalty = NoRepeatPenalty(self._model.vocab, self.n_vocab(), settings, window=self.n_ctx())
            if grammar is None:
                return full if penalty is None else _LazyGrammarSampler(full, None, None, self.n_vocab(), penalty=penalty)
            found = None
            for index in range(C.llama_sampler_chain_n(full.sampler)):
                member = C.llama_sampler_chain_get(full.sampler, index)
                if C.llama_sampler_name(member) == b"grammar":
                    found = member
                    break
            if found is None:  # pragma: no cover - another llama-cpp-python layout
                if penalty is not None:
                    penalty.close()
                return full
            fast = super()._init_sampler(*args, **{**kwargs, "grammar": None})
            return _LazyGrammarSampler(fast, full, found, n_vocab=self.n_vocab(), penalty=penalty)

    return LazyGrammarLlama


def _acquire(path: str, settings: dict[str, Any], factory: Callable[..., Any]) -> _SharedModel:
    """Return the process-wide context of ``path``, loading it on first use."""
    with _registry_lock:
        shared = _loaded.get(path)
        if shared is None:
            started = time.perf_counter()
            try:
                llama = factory(path, **settings)
            except (ValueError, RuntimeError, OSError) as exc:
                raise lm15.UnsupportedModelError(
                    f"llama.cpp could not load {path}: {exc}", provider=_PROVIDER
                ) from exc
            logger.info("loaded %s in %.1f s", path, time.perf_counter() - started)
            shared = _loaded[path] = _SharedModel(llama=llama, settings=dict(settings))
        elif shared.settings != settings:
            logger.warning(
                "%s is already loaded with %s; ignoring the different settings %s",
                path,
                shared.settings,
                settings,
            )
        shared.holders += 1
        return shared


def _release(path: str, shared: _SharedModel) -> None:
    with _registry_lock:
        shared.holders -= 1
        if shared.holders > 0 or _loaded.get(path) is not shared:
            return
        del _loaded[path]
    with shared.lock:  # let a running generation finish first
        close = getattr(shared.llama, "close", None)
        if callable(close):
            close()


def usable_cpus() -> int:
    """How many CPUs this process may run on (its affinity mask where the OS has one).

    Returns:
        At least 1.

    Example:
        >>> usable_cpus() >= 1
        True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def model_fingerprint(path: str | os.PathLike[str]) -> str:
    """A short, cheap identity of a model file: its size and its first and last MiB.

    Args:
        path: The GGUF file.

    Returns:
        Eight hex digits; equal files give equal fingerprints.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile() as f:
        ...     len(model_fingerprint(f.name))
        8
    """
    file = Path(path)
    size = file.stat().st_size
    digest = hashlib.blake2b(str(size).encode(), digest_size=4)
    with file.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        if size > 2 << 20:
            handle.seek(-(1 << 20), os.SEEK_END)
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()


@lru_cache(maxsize=32)
def _grammar_text(schema_json: str) -> str:
    """Compile a JSON schema to GBNF once; refuse (never loosen) a schema that fails."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        return json_schema_to_gbnf(schema_json)
    except Exception as exc:  # llama.cpp's converter raises bare Exceptions
        raise lm15.InvalidRequestError(
            f"llama.cpp cannot turn this JSON schema into a grammar: {exc}", provider=_PROVIDER
        ) from exc


# --------------------------------------------------------------------------- the engine


class LlamaCppEngine:
    """A DSPy engine that runs one GGUF model in-process through llama-cpp-python.

    Args:
        model_path: The ``.gguf`` file.
        model_id: The model id DSPy sees (``dspy.LM("local/<model_id>")``); it is DSPy's
            cache namespace, so it should differ per model file. Defaults to the file
            stem plus :func:`model_fingerprint`.
        prompt_style: ``"chat"`` renders the messages with the model's chat template
            (instruction-tuned models); ``"completion"`` joins them into one plain text
            that the model continues (base models).
        n_ctx: Context window in tokens.
        n_threads: CPU threads; ``None`` uses every CPU this process may run on
            (llama-cpp-python's own default is half of them, which nearly doubles the
            time per token on a 2-core machine).
        top_k: Default top-k when a request sets none (0 disables it).
        min_p: Min-p sampling floor (0 disables it).
        repeat_penalty: llama.cpp's repetition penalty (1.0 disables it).
        no_repeat_multiplier: Strength of the repeated-phrase penalty, llama.cpp's DRY
            sampler (:mod:`embtaskgen.lm.local.repetition`); 0 disables it.
        no_repeat_base: Its growth per extra repeated token.
        no_repeat_allowed_length: Repeats up to this many tokens go unpenalised.
        llama_factory: Builds the llama object as ``factory(model_path, **settings)``;
            tests pass a fake. Defaults to ``llama_cpp.Llama``.

    Example:
        >>> import dspy
        >>> engine = LlamaCppEngine("model.gguf", model_id="my-model")  # loads nothing yet
        >>> lm = dspy.LM("local/my-model", engine=engine, async_engine=AsyncLlamaCppEngine(engine))
    """

    supported_params = _SUPPORTED_PARAMS
    supports_response_schema = True
    supports_function_calling = False
    supports_reasoning = False
    #: A llama.cpp context runs one generation at a time.
    max_concurrency = 1

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
            raise ConfigError(
                f"unknown prompt_style {prompt_style!r}; choose from {', '.join(_PROMPT_STYLES)}"
            )
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
        self._factory = llama_factory or _default_llama_factory
        self._shared: _SharedModel | None = None
        self._handle_lock = threading.Lock()

    @property
    def threads(self) -> int:
        """The thread count the context is loaded with: ``n_threads``, else every usable CPU."""
        return self.n_threads or usable_cpus()

    # -- lifecycle ------------------------------------------------------------------

    def _model(self) -> _SharedModel:
        with self._handle_lock:
            if self._shared is None:
                settings: dict[str, Any] = {
                    "n_ctx": self.n_ctx,
                    "n_threads": self.threads,
                    "n_threads_batch": self.threads,
                }
                self._shared = _acquire(self.model_path, settings, self._factory)
            return self._shared

    def load(self) -> None:
        """Load the model now instead of on the first call (e.g. before timing calls)."""
        self._model()

    @property
    def loaded(self) -> bool:
        """Whether this engine holds the llama.cpp context (it loads on first call)."""
        return self._shared is not None

    def close(self) -> None:
        """Release this engine's hold on the context; the last holder frees it."""
        with self._handle_lock:
            shared, self._shared = self._shared, None
        if shared is not None:
            _release(self.model_path, shared)

    def dump_state(self) -> dict[str, Any]:
        """JSON state for ``dspy.LM.dump_state`` (no secrets: a path and settings)."""
        return {
            "model_path": self.model_path,
            "model_id": self.model_id,
            "prompt_style": self.prompt_style,
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "top_k": self.top_k,
            "min_p": self.min_p,
            "repeat_penalty": self.repeat_penalty,
            "no_repeat_multiplier": self.no_repeat.multiplier,
            "no_repeat_base": self.no_repeat.base,
            "no_repeat_allowed_length": self.no_repeat.allowed_length,
        }

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> LlamaCppEngine:
        """Rebuild an engine from :meth:`dump_state`."""
        return cls(**state)

    # -- one call -------------------------------------------------------------------

    def complete(self, request: Request) -> Response:
        """Run one generation.

        Args:
            request: The canonical request DSPy built from the adapter's messages.

        Returns:
            The canonical response, with token usage.

        Raises:
            dspy.lm15.ContextLengthError: The prompt does not fit the context window
                (DSPy raises it as ``dspy.utils.exceptions.ContextWindowExceededError``).
            dspy.lm15.UnsupportedFeatureError: The request asks for something this
                engine cannot do (tools, images, logprobs, reasoning...).
        """
        if not isinstance(request, Request):
            raise TypeError("LlamaCppEngine.complete takes a dspy.lm15.Request")
        options = self._options(request.config)
        messages = _chat_messages(request)
        shared = self._model()
        started = time.perf_counter()
        with shared.lock:
            # The context is shared by every engine over this file: set this engine's
            # penalty for this generation (read when llama-cpp-python builds its sampler).
            shared.llama.no_repeat = self.no_repeat if self.no_repeat.enabled else None
            # Evaluate every prompt from an empty cache. llama-cpp-python would reuse the
            # longest prefix the previous call left in the KV cache, and logits computed
            # in another batch shape differ in the last bits: the same seed then gave
            # another answer depending on which call ran before it.
            shared.llama.reset()
            try:
                if self.prompt_style == "chat":
                    raw = shared.llama.create_chat_completion(messages=messages, **options)
                else:
                    raw = shared.llama.create_completion(prompt=_plain_prompt(messages), **options)
            except lm15.LM15Error:
                raise
            except Exception as exc:
                raise _map_error(exc) from exc
        elapsed = time.perf_counter() - started
        response = self._response(raw)
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
        _refuse_unsupported(config)
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
        fmt = config.response_format
        if fmt is not None:
            schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
            if self.prompt_style == "chat":
                # llama.cpp's own spelling: json_object, with the schema beside it.
                options["response_format"] = {"type": "json_object"}
                if schema is not None:
                    _grammar_text(json.dumps(schema, sort_keys=True))  # refuse bad schemas loudly
                    options["response_format"]["schema"] = schema
            else:
                from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

                text = JSON_GBNF if schema is None else _grammar_text(json.dumps(schema, sort_keys=True))
                options["grammar"] = LlamaGrammar.from_string(text, verbose=False)
        return options

    def _response(self, raw: Any) -> Response:
        try:
            choice = raw["choices"][0]
            text = choice["message"]["content"] if self.prompt_style == "chat" else choice["text"]
            usage = raw.get("usage") or {}
        except (KeyError, IndexError, TypeError) as exc:
            raise lm15.ServerError(
                f"llama.cpp returned an unexpected result: {exc!r}", provider=_PROVIDER
            ) from exc
        reason = choice.get("finish_reason")
        return Response(
            id=raw.get("id") or None,
            model=self.model_id,
            message=Message.assistant([TextPart(text or "")]),
            finish_reason="length" if reason == "length" else "stop",
            usage=Usage(
                input_tokens=usage.get("prompt_tokens"),
                output_tokens=usage.get("completion_tokens"),
                total_tokens=usage.get("total_tokens"),
            ),
        )


class AsyncLlamaCppEngine:
    """The async counterpart of :class:`LlamaCppEngine`: same context, run off the loop.

    Args:
        engine: The sync engine whose context and lock this one shares.

    Example:
        >>> engine = LlamaCppEngine("model.gguf", model_id="m")
        >>> async_engine = AsyncLlamaCppEngine(engine)
    """

    supported_params = _SUPPORTED_PARAMS
    supports_response_schema = True
    supports_function_calling = False
    supports_reasoning = False
    max_concurrency = 1

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


# --------------------------------------------------------------------------- mapping


def _refuse_unsupported(config: lm15.Config) -> None:
    """Refuse, never drop, what llama.cpp cannot do here."""
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
                f"the local llama.cpp engine does not support {name}", provider=_PROVIDER, feature=name
            )


def _text_of(parts: Any, where: str) -> str:
    texts = []
    for index, part in enumerate(parts):
        if not isinstance(part, TextPart):
            raise lm15.UnsupportedFeatureError(
                f"the local llama.cpp engine takes text only; {where}.parts[{index}] is "
                f"{type(part).__name__}",
                provider=_PROVIDER,
                feature=f"{where}.parts[{index}]",
            )
        texts.append(part.text)
    return "".join(texts)


def _chat_messages(request: Request) -> list[dict[str, str]]:
    """The request as OpenAI-style chat messages (system first)."""
    if request.tools:
        raise lm15.UnsupportedFeatureError(
            "the local llama.cpp engine does not call tools", provider=_PROVIDER, feature="tools"
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
                provider=_PROVIDER,
                feature=f"messages[{index}]",
            )
        messages.append({"role": role, "content": _text_of(message.parts, f"messages[{index}]")})
    return messages


def _plain_prompt(messages: list[dict[str, str]]) -> str:
    """Join messages into one text for a base model; the model continues the last one."""
    return "\n\n".join(message["content"] for message in messages if message["content"])


def _map_error(exc: Exception) -> lm15.LM15Error:
    """Translate a llama-cpp-python failure into the lm15 taxonomy DSPy understands."""
    message = str(exc)
    lowered = message.lower()
    if "context window" in lowered and "exceed" in lowered:
        return lm15.ContextLengthError(message, provider=_PROVIDER)
    if isinstance(exc, (ValueError, TypeError)):
        return lm15.InvalidRequestError(message, provider=_PROVIDER)
    if isinstance(exc, MemoryError):
        return lm15.ServerError(f"llama.cpp ran out of memory: {message}", provider=_PROVIDER)
    return lm15.ProviderError(f"llama.cpp failed: {type(exc).__name__}: {message}", provider=_PROVIDER)
