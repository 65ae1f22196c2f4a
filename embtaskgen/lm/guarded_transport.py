"""The HTTP transport of served models: a whole-request deadline, an answer-size cap, replica
failover, rate-limit news.

DSPy's native client bounds each wait, not a request: a server that drips a byte a second
never times out, and an answer is read whole. Given to DSPy's native engine through
``RouterConfig(transport=...)``, this transport ends an attempt ``timeout`` seconds after it
started (a silent server; one that keeps sending: by ``2 * timeout``) with a transient
``TransportError`` (retried), and cuts an answer off as it streams in once it passes
``max_bytes`` (:class:`~embtaskgen.errors.ResponseTooLarge`: not retried, never cached).
Each attempt of a call goes to the next replica; one that failed :data:`BENCH_AFTER`
attempts in a row is left out for :data:`BENCH_SECONDS` (unless all are). Every request
and answer's status and headers are reported to the run's pacer
(:mod:`embtaskgen.lm.rate_signals`: rate-limit headers, ``Retry-After``, 429s). The keys the run
holds are redacted from the body as it streams in, before DSPy parses or caches it.
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
from embtaskgen.lm.rate_signals import report_answer, report_request
from embtaskgen.lm.untrusted import REDACTED, held_secrets

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
    """An lm15 sync transport over ``bases`` (URLs the engine's base URL ``bases[0]`` is mapped to).

    No ``bases``: requests go where the engine sends them (a provider's own endpoint).
    """

    def __init__(self, bases: Sequence[str], *, timeout: float, max_bytes: int, key: str | None = None) -> None:
        self.bases = tuple(url.strip().rstrip("/") for url in bases)
        self.secrets = [secret.encode() for secret in held_secrets([key])]  # the environment's too
        self.timeout, self.max_bytes = timeout, max_bytes
        self._inner = StdlibTransport(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
        slots = max(1, len(self.bases))
        self._fails, self._benched = [0] * slots, [0.0] * slots
        self._lock = threading.Lock()

    def _choose(self) -> int:
        state, count = _call.get(), len(self.bases)
        if state is None or count < 2:
            return 0
        order = [(state[0] + state[1] + i) % count for i in range(count)]  # attempt k starts k replicas on
        state[1] += 1
        with self._lock:
            return next((i for i in order if self._benched[i] <= time.monotonic()), order[0])

    def _outcome(self, index: int, ok: bool) -> None:
        with self._lock:
            self._fails[index] = 0 if ok else self._fails[index] + 1
            if self._fails[index] >= BENCH_AFTER:
                self._benched[index] = time.monotonic() + BENCH_SECONDS

    def stream(self, request: Any) -> Any:
        """Send ``request`` (an lm15 ``TransportRequest``) to the chosen replica; its body is guarded as read."""
        index, url, deadline = self._choose(), request.url, time.monotonic() + self.timeout
        if len(self.bases) > 1 and url.startswith(self.bases[0]):
            request = dataclasses.replace(request, url=self.bases[index] + url[len(self.bases[0]) :])
        report_request(request.body)
        try:
            response = self._inner.stream(request)
        except TransportError as exc:
            self._outcome(index, ok=False)
            if isinstance(exc, ReadTimeout):
                raise self._late() from exc
            raise
        head = {name: getattr(response, name) for name in ("status", "reason", "headers", "http_version")}
        report_answer(response.status, response.headers)  # the run's pacer reads its rate limits
        chunks = _redacted(self._guard(response, index, deadline), self.secrets)
        return TransportResponse(**head, chunks=chunks, release=lambda _consumed: response.close())

    def _guard(self, response: Any, index: int, deadline: float) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in response:
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(f"answer over {self.max_bytes} bytes (--max-response-bytes); cut off")
                if time.monotonic() > deadline:
                    raise ReadTimeout("deadline")
                yield chunk
        except ReadTimeout as exc:  # lm15's says to raise Timeouts(read=...)
            self._outcome(index, ok=False)
            raise self._late() from exc
        except Exception:
            self._outcome(index, ok=False)
            raise
        self._outcome(index, ok=response.status < 500)

    def _late(self) -> Exception:
        return ReadTimeout(f"no whole answer within {self.timeout:g} s (--timeout, a transient failure)")


def _redacted(chunks: Iterator[bytes], secrets: Sequence[bytes]) -> Iterator[bytes]:
    """``chunks`` with each of ``secrets`` replaced, also where one spans two chunks."""
    if not secrets:
        yield from chunks
        return
    keep, buffer = max(map(len, secrets)) - 1, b""
    for chunk in chunks:
        buffer += chunk
        for secret in secrets:
            buffer = buffer.replace(secret, REDACTED.encode())
        if len(buffer) > keep:  # a secret not yet whole starts within the last `keep` bytes
            yield buffer[: len(buffer) - keep]
            buffer = buffer[len(buffer) - keep :]
    if buffer:
        yield buffer


class InThread:
    """The async engine DSPy asks of a custom engine: the sync ``engine``, in a thread."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def complete(self, request: Any) -> Any:
        """``engine.complete(request)`` in a thread (with this context: the replica choice)."""
        return await asyncio.to_thread(self.engine.complete, request)
