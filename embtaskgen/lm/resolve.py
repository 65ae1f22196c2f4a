"""Choose the language model a generator runs on.

``lm=None`` is the embedded default (llama.cpp, in-process, offline); ``"local"`` or
``"local:<name-or-path.gguf>"`` picks another embedded model; any other string is a
LiteLLM / DSPy model id (``openai/gpt-4o-mini``, ``openai/<served-name>`` with
``api_base`` for vLLM or llama.cpp's server, ``ollama_chat/llama3.2``); a ``dspy.BaseLM``
is used as is. The library never calls ``dspy.configure``.

Example:
    >>> lm = resolve_lm("openai/my-model", api_base="http://127.0.0.1:8000/v1")
    >>> lm.model
    'openai/my-model'
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import dspy
from embtaskgen.errors import ConfigError
from embtaskgen.lm.spec import LOCAL_PREFIX, check_no_repeat, is_local_spec

__all__ = ["LazyLM", "accepts_seed", "lm_concurrency", "resolve_lm"]

logger = logging.getLogger(__name__)

def resolve_lm(
    lm: str | dspy.BaseLM | None = None,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
    max_tokens: int | None = None,
    no_repeat: float | None = None,
) -> dspy.BaseLM:
    """Turn a model choice into a ``dspy.BaseLM``.

    Args:
        lm: ``None`` (embedded default), ``"local:<name|path>"``, a LiteLLM model id, or
            a ``dspy.BaseLM``.
        api_base: Base URL of an OpenAI-compatible server (only with a model id string).
        api_key: API key for the served model; defaults to the provider's environment
            variable, or a placeholder when ``api_base`` points at a keyless local server.
        max_tokens: Default completion budget for string models.
        no_repeat: The embedded model's repeated-phrase penalty (``0`` turns it off;
            ``None`` keeps the model's default); embedded models only.

    Returns:
        The LM to use; sampling settings are passed per call by the generator.

    Raises:
        ValueError: ``api_base`` given with an embedded model or an LM object;
            ``no_repeat`` given with anything but an embedded model spec.
        TypeError: ``lm`` is of an unsupported type.
    """
    no_repeat = check_no_repeat(no_repeat, lm)
    if isinstance(lm, dspy.BaseLM):
        if api_base is not None:
            raise ConfigError("api_base applies to a model id string, not to a dspy.LM object")
        return lm
    if is_local_spec(lm):
        if api_base is not None:
            raise ConfigError(
                "api_base applies to served models; use --model openai/<name> with --api-base"
            )
        from embtaskgen.lm.local.catalog import load_local_lm

        spec = None if lm in (None, LOCAL_PREFIX) else lm.split(":", 1)[1]
        return load_local_lm(spec, max_tokens=max_tokens, no_repeat=no_repeat)
    if isinstance(lm, str):
        if not lm.strip():
            raise ConfigError("model id is empty; give a LiteLLM id such as 'openai/gpt-4o-mini'")
        kwargs: dict[str, Any] = {}
        if api_base is not None:
            kwargs["api_base"] = api_base
            provider = lm.split("/", 1)[0].upper()
            if api_key is None and not os.environ.get(f"{provider}_API_KEY"):
                api_key = "not-needed"
        if api_key is not None:
            kwargs["api_key"] = api_key
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        logger.debug("using served model %s (api_base=%s)", lm, api_base)
        return dspy.LM(lm, **kwargs)
    raise TypeError(
        f"lm must be None, a model id string, 'local:<name|path>' or a dspy.BaseLM, "
        f"not {type(lm).__name__}"
    )


def lm_concurrency(lm: dspy.BaseLM, requested: int | None) -> int:
    """How many calls to keep in flight on ``lm``.

    An engine that declares ``max_concurrency`` (the embedded llama.cpp engine declares
    1) caps the request; otherwise ``requested`` or 8.
    """
    if requested is not None and requested < 1:
        raise ConfigError(f"concurrency must be >= 1, got {requested}")
    engine = getattr(lm, "engine", None)
    cap = getattr(engine, "max_concurrency", None)
    value = requested if requested is not None else 8
    if isinstance(cap, int) and cap >= 1:
        value = min(value, cap)
    return value


def accepts_seed(lm: dspy.BaseLM) -> bool:
    """Whether to pass a sampling seed per call: custom engines (llama.cpp) and OpenAI-style servers.

    Example:
        >>> accepts_seed(dspy.LM("openai/m")), accepts_seed(dspy.LM("anthropic/m"))
        (True, False)
    """
    engine = getattr(lm, "engine", None)
    if engine is not None and not isinstance(engine, str):
        return bool(getattr(engine, "accepts_seed", True))
    model = str(getattr(lm, "model", ""))
    return model.startswith(("openai/", "hosted_vllm/"))


class LazyLM:
    """A model choice resolved on first use (the embedded model loads then), once.

    It survives ``copy.deepcopy`` as itself (optimizers copy modules; the LM, its engine
    and connections are never copied).

    Example:
        >>> lazy = LazyLM("openai/m")
        >>> lazy.get() is lazy.get()
        True
    """

    def __init__(self, spec: Any, *, api_base: str | None = None, max_tokens: int | None = None,
                 no_repeat: float | None = None) -> None:
        self._args = (spec, api_base, max_tokens, no_repeat)
        self._lm: dspy.BaseLM | None = None
        self._lock = threading.Lock()

    def get(self) -> dspy.BaseLM:
        """The resolved LM."""
        with self._lock:
            if self._lm is None:
                spec, api_base, max_tokens, no_repeat = self._args
                self._lm = resolve_lm(spec, api_base=api_base, max_tokens=max_tokens, no_repeat=no_repeat)
            return self._lm

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyLM:
        return self
