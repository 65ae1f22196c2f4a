"""One served model behind several OpenAI-compatible replicas: each call goes to one of them.

``--api-base`` given more than once (``api_base=[url, url, ...]`` in Python) names
replicas of the same served model (vLLM, llama.cpp's server). :class:`ReplicaLM` is a
``dspy.LM`` whose calls are spread over them round-robin, by the call's ``rollout_id``:
a planned call (seed, category or kind, generation) always goes to replica
``rollout_id % n``, whichever executor runs it (the local runner, or any Ray actor, which
builds the same LM from the same settings). The same seed gives the same assignment; the
ids are hashes, so each replica gets about ``1/n`` of the calls. A call without a
``rollout_id`` (an optimiser's) takes the next replica in turn.

The replicas share one entry in DSPy's response cache on purpose: DSPy leaves
``api_base`` out of its cache key, and the endpoint marker (:func:`replica_key`) is
made from the *set* of URLs, so an answer cached from one replica is found whichever
replica the call is sent to. A run with another set of replicas uses another cache
namespace; one URL keeps the single-endpoint key it always had.

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
    """A ``dspy.LM`` that sends each call to one of several ``api_base`` URLs (see the module docstring).

    Args:
        model: The served model id (``openai/<name>``), the same on every replica.
        api_bases: Two or more checked http(s) URLs.
        **kwargs: Everything else ``dspy.LM`` takes (``api_key``, ``max_tokens``, ...).
    """

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
        """The LM to call and its call arguments: this one with the replica's ``api_base``.

        An explicit ``lm15.Request`` takes no call options, so it goes to a copy of this LM
        pinned to the replica (sharing its history).
        """
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
