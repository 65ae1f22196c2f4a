"""One served model behind several OpenAI-compatible replicas: each call goes to one of them.

A call goes to replica ``rollout_id % n`` (the ids are hashes of the planned call, so
any executor sends it to the same replica and each gets about ``1/n``); a call without
one takes the next in turn. A retried attempt goes to the next replica, and one that keeps
failing is left out for a while (:mod:`embtaskgen.lm.guarded_transport`). The replicas
share one DSPy cache namespace on purpose (:func:`replica_key` hashes the set of URLs),
so a cached answer is found whichever replica a call goes to.

Example:
    >>> lm = ReplicaLM("openai/m", ["http://127.0.0.1:8000/v1", "http://127.0.0.1:8001/v1"])
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

from embtaskgen.lm.guarded_transport import first_replica

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
    """A ``dspy.LM`` whose engine's transport (:class:`~embtaskgen.lm.guarded_transport.GuardedTransport`)
    sends each call to one of several checked ``api_base`` URLs; a retried attempt goes to the next one."""

    def __init__(self, model: str, api_bases: Sequence[str], **kwargs: Any) -> None:
        self.api_bases = tuple(api_bases)
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()
        super().__init__(model, **kwargs)

    def replica_for(self, rollout_id: object) -> str:
        """The URL a call with this ``rollout_id`` goes first to (``None``: the next in turn)."""
        if isinstance(rollout_id, int) and not isinstance(rollout_id, bool):
            return self.api_bases[rollout_id % len(self.api_bases)]
        with self._turn_lock:
            turn = next(self._turn)
        return self.api_bases[turn % len(self.api_bases)]

    def _first(self, kwargs: dict[str, Any]) -> Any:
        url = self.replica_for(kwargs.get("rollout_id", self.kwargs.get("rollout_id")))
        return first_replica(self.api_bases.index(url))

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        token = self._first(kwargs)
        try:
            return dspy.LM.__call__(self, prompt, messages=messages, **kwargs)
        finally:
            token.var.reset(token)

    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        token = self._first(kwargs)
        try:
            return await dspy.LM.acall(self, prompt, messages=messages, **kwargs)
        finally:
            token.var.reset(token)
