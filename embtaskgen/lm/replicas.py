"""One served model behind several OpenAI-compatible replicas: each call goes to one of them.

A call goes to replica ``rollout_id % n`` (the ids are hashes of the planned call, so
any executor sends it to the same replica and each gets about ``1/n``); a call without
one takes the next in turn. The replicas share one DSPy cache namespace on purpose
(:func:`replica_key` hashes the set of URLs), so a cached answer is found whichever
replica a call goes to.

Example:
    >>> lm = ReplicaLM("openai/m", ["http://127.0.0.1:8000/v1", "http://127.0.0.1:8001/v1"], api_key="x")
    >>> lm.replica_for(4), lm.replica_for(7)
    ('http://127.0.0.1:8000/v1', 'http://127.0.0.1:8001/v1')
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Sequence
from typing import Any

import dspy
from dspy.lm15 import Request

__all__ = ["ReplicaLM", "replica_key"]


def replica_key(prefix: str, api_bases: Sequence[str]) -> str:
    """The cache marker shared by a set of replicas (order and trailing ``/`` do not matter).

    Example:
        >>> replica_key("k_", ["http://a/v1/", "http://b/v1"]) == replica_key("k_", ["http://b/v1", "http://a/v1"])
        True
    """
    normalised = "\n".join(sorted({url.strip().rstrip("/") for url in api_bases}))
    return prefix + hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


class ReplicaLM(dspy.LM):
    """A ``dspy.LM`` that sends each call to one of several checked ``api_base`` URLs."""

    def __init__(self, model: str, api_bases: Sequence[str], **kwargs: Any) -> None:
        self.api_bases = tuple(api_bases)
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()
        super().__init__(model, api_base=self.api_bases[0], **kwargs)

    def replica_for(self, rollout_id: object) -> str:
        """The URL a call with this ``rollout_id`` goes to (``None``: the next in turn)."""
        if isinstance(rollout_id, int) and not isinstance(rollout_id, bool):
            return self.api_bases[rollout_id % len(self.api_bases)]
        with self._turn_lock:
            turn = next(self._turn)
        return self.api_bases[turn % len(self.api_bases)]

    def _route(self, prompt: Any, kwargs: dict[str, Any]) -> tuple[dspy.LM, dict[str, Any]]:
        """This LM with the replica's ``api_base``; a copy pinned to it for a ``Request`` (no call options)."""
        url = self.replica_for(kwargs.get("rollout_id", self.kwargs.get("rollout_id")))
        if isinstance(prompt, Request) or "request" in kwargs:
            pinned = self.copy(api_base=url)
            pinned.history = self.history
            return pinned, kwargs
        return self, {**kwargs, "api_base": url}

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        target, kwargs = self._route(prompt, kwargs)
        return dspy.LM.__call__(target, prompt, messages=messages, **kwargs)

    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        target, kwargs = self._route(prompt, kwargs)
        return await dspy.LM.acall(target, prompt, messages=messages, **kwargs)
