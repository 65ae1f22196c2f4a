"""The HTTP transport of served models: a whole-request deadline, an answer-size cap, replica failover.

DSPy's native client bounds each wait (the next byte), so a server that drips one byte a
second never times out and a huge answer is read whole. This transport (passed to DSPy's
native engine through ``RouterConfig(transport=...)``) ends an attempt once ``timeout``
seconds passed since it started, connecting included (a transient ``TransportError``: retried);
the deadline is checked as each piece of the answer arrives and no wait for one lasts longer
than ``timeout``, so a silent server is cut off at ``timeout``, any other by ``2 * timeout``.
An answer is cut off as it streams in once it passes ``max_bytes``
(:class:`~embtaskgen.errors.ResponseTooLarge`: not retried, never cached). Over replicas, each attempt of a call goes to the next one,
and a replica that failed :data:`BENCH_AFTER` attempts in a row is left out for
:data:`BENCH_SECONDS` (unless all are).
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import importlib
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from embtaskgen.errors import ResponseTooLarge

# lm15's transport API, which DSPy vendors without a name in dspy.lm15 (imported by name, mypy
# would read the typed vendored package as the whole of the untyped dspy).
_lm15_transports: Any = importlib.import_module("dspy._vendor.lm15.transports")
ReadTimeout, StdlibTransport = _lm15_transports.ReadTimeout, _lm15_transports.StdlibTransport
TransportError, TransportResponse = _lm15_transports.TransportError, _lm15_transports.TransportResponse

__all__ = [
    "BENCH_AFTER",
    "BENCH_SECONDS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "GuardedTransport",
    "InThread",
    "first_replica",
]

#: Seconds an attempt of a served model may take (a long answer of a slow server fits).
DEFAULT_TIMEOUT = 120.0
#: Longest answer body of a served model (a long answer is a few kB).
DEFAULT_MAX_RESPONSE_BYTES = 4 * 2**20

#: Failed attempts in a row after which a replica is left out.
BENCH_AFTER = 2
#: Seconds a failing replica is left out.
BENCH_SECONDS = 60.0

#: The replica a call starts at and its attempts so far (set per call by ``ReplicaLM``).
_call: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("embtaskgen_replica_call", default=None)


def first_replica(index: int) -> contextvars.Token[list[int] | None]:
    """Start this thread's next call at replica ``index``; reset the token after the call."""
    return _call.set([index, 0])


class GuardedTransport:
    """An lm15 sync transport over ``bases`` (URLs the engine's base URL ``bases[0]`` is mapped to)."""

    def __init__(self, bases: Sequence[str], *, timeout: float, max_bytes: int) -> None:
        self.bases = tuple(url.strip().rstrip("/") for url in bases)
        self.timeout, self.max_bytes = timeout, max_bytes
        self._inner = StdlibTransport(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
        self._fails = [0] * len(self.bases)
        self._benched = [0.0] * len(self.bases)
        self._lock = threading.Lock()

    def _choose(self) -> int:
        state, count = _call.get(), len(self.bases)
        if count < 2 or state is None:
            return 0 if state is None else state[0] % max(count, 1)
        start, state[1] = state[0] + state[1], state[1] + 1
        now = time.monotonic()
        with self._lock:
            free = [i % count for i in range(start, start + count) if self._benched[i % count] <= now]
        return free[0] if free else start % count

    def _outcome(self, index: int, ok: bool) -> None:
        if self.bases:
            with self._lock:
                self._fails[index] = 0 if ok else self._fails[index] + 1
                if self._fails[index] >= BENCH_AFTER:
                    self._benched[index] = time.monotonic() + BENCH_SECONDS

    def stream(self, request: Any) -> Any:
        """Send ``request`` (an lm15 ``TransportRequest``) to the chosen replica; its body is guarded as read."""
        index, url = self._choose(), request.url
        if len(self.bases) > 1 and url.startswith(self.bases[0]):
            url = self.bases[index] + url[len(self.bases[0]) :]
        request = dataclasses.replace(request, url=url)
        deadline = time.monotonic() + self.timeout
        try:
            response = self._inner.stream(request)
        except TransportError:
            self._outcome(index, ok=False)
            raise
        chunks = self._guard(response, index, deadline)
        return TransportResponse(
            status=response.status,
            reason=response.reason,
            headers=response.headers,
            http_version=response.http_version,
            chunks=chunks,
            release=lambda _consumed: response.close(),
        )

    def _guard(self, response: Any, index: int, deadline: float) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in response:
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(f"answer over {self.max_bytes} bytes (--max-response-bytes); cut off")
                if time.monotonic() > deadline:
                    raise ReadTimeout(f"no whole answer within {self.timeout:g} s (--timeout)")
                yield chunk
        except Exception:
            self._outcome(index, ok=False)
            raise
        self._outcome(index, ok=response.status < 500)

    def close(self) -> None:
        """Close the pooled connections."""
        self._inner.close()


class InThread:
    """The async engine DSPy asks of a custom engine: the sync ``engine``, in a thread."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def complete(self, request: Any) -> Any:
        """``engine.complete(request)`` in a thread (with this context: the replica choice)."""
        return await asyncio.to_thread(self.engine.complete, request)
