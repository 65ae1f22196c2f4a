"""Which planned call a batch line belongs to, and the LM whose HTTP is a batch file instead of a server.

A batch line names its call by ``custom_id`` (:func:`custom_id`: ``"<label>#<index>"``, the
call's key). :class:`KeyedStage` runs a stage's calls with that id set for the thread, and
:func:`batch_lm` copies the run's LM onto DSPy's native engine over a transport that reads
it: the same adapter, messages and sampling settings as online, but the request body is
recorded (:mod:`.requests`) or answered from a results file (:mod:`.results`).

Example:
    >>> custom_id(("text-retrieval", 12))
    'text-retrieval#12'
    >>> key_of("text-retrieval#12")
    ('text-retrieval', 12)
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import dspy
from dspy import lm15
from dspy.clients.engines.lm15_engine import LM15Engine
from dspy.lm15 import RouterConfig

from embtaskgen.errors import ConfigError
from embtaskgen.lm.guarded_transport import InThread
from embtaskgen.lm.resolve import PLACEHOLDER_KEY, accepts_seed
from embtaskgen.stage import Key, Stage

__all__ = ["KeyedStage", "batch_lm", "current_call", "custom_id", "key_of"]

#: The ``custom_id`` of the call this thread is making (set by :class:`KeyedStage`).
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("embtaskgen_batch_call", default=None)

#: Settings that configure a connection DSPy owns; a custom engine refuses them (dropped on the copy).
_CLIENT_KEYS = ("api_key", "api_base", "base_url", "timeout", "headers", "extra_headers")


def custom_id(key: Key) -> str:
    """The ``custom_id`` of the call ``key`` in a batch file."""
    return f"{key[0]}#{key[1]}"


def key_of(name: str) -> Key:
    """The call key a ``custom_id`` names (a ``ConfigError`` for one embtaskgen did not write)."""
    label, _, index = str(name).rpartition("#")
    if not label or not index.isdigit():
        raise ConfigError(f"custom_id {name!r} is not one embtaskgen wrote ('<category or kind>#<index>')")
    return label, int(index)


def current_call() -> str | None:
    """The ``custom_id`` of the call this thread is making (``None``: outside a batch call)."""
    return _current.get()


class KeyedStage:
    """A stage whose calls run with their ``custom_id`` set (everything else is the stage's).

    Example:
        >>> class Two:
        ...     unit = "generations"
        ...     def caller(self, seed, lm):
        ...         return lambda label, index: current_call()
        >>> KeyedStage(Two()).caller(1, None)("sts", 3), KeyedStage(Two()).unit
        ('sts#3', 'generations')
    """

    def __init__(self, stage: Stage) -> None:
        self._stage = stage

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stage, name)

    def caller(self, seed: int, lm: Any) -> Callable[[str, int], Any]:
        """The stage's caller, with the call's ``custom_id`` set while it runs."""
        inner = self._stage.caller(seed, lm)

        def call(label: str, index: int) -> Any:
            token = _current.set(custom_id((label, index)))
            try:
                return inner(label, index)
            finally:
                _current.reset(token)

        return call


def batch_lm(lm: dspy.BaseLM, transport: Any) -> dspy.BaseLM:
    """A copy of the served ``lm`` on DSPy's native engine over ``transport``; no retries, no real key.

    The engine builds exactly the request the online path sends (model, messages, sampling
    settings, seed); the transport sees it instead of a server. The key it is given is a
    placeholder: the run's key never reaches a batch file.

    Raises:
        ConfigError: ``lm`` is not a served model DSPy's native engine can reach (an
            embedded model, or a provider it has no route for).
    """
    model = str(getattr(lm, "model", ""))
    engine = getattr(lm, "engine", None)
    if not isinstance(lm, dspy.LM) or (engine is not None and not isinstance(engine, (str, LM15Engine))):
        raise ConfigError(
            "batch mode needs a served model (e.g. --model openai/<name>, with --api-base for your own "
            f"server); {model or type(lm).__name__} runs in this process"
        )
    try:
        provider = LM15Engine(RouterConfig(env={})).resolve(model).provider
    except lm15.LM15Error as exc:
        raise ConfigError(f"batch mode: no OpenAI-style route for model {model!r} ({exc})") from None
    recording = LM15Engine(RouterConfig(api_keys={provider: PLACEHOLDER_KEY}, env={}, transport=transport))
    recording.accepts_seed = accepts_seed(lm)  # as the online call decides
    dropped = {name: None for name in _CLIENT_KEYS if lm.kwargs.get(name) is not None}
    return lm.copy(engine=recording, async_engine=InThread(recording), num_retries=0, **dropped)
