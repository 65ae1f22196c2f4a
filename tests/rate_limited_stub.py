"""A loopback OpenAI-compatible chat server with rate limits, for tests and ``benchmarks/rate_limits.py``.

``RateLimitedStub(rpm=600, tpm=200_000)`` admits a request when both of its token buckets
(requests and tokens, refilled continuously at ``rpm / 60`` and ``tpm / 60`` per second,
holding ``burst`` seconds' worth, full at the start) have room, as OpenAI counts a request
when it arrives: ``1`` request and the characters of its messages / 4 + its ``max_tokens``
(or ``max_completion_tokens``) tokens. An admitted request is answered after ``latency``
seconds with :func:`~openai_stub.chat_tasks_reply`; a refused one at once with a 429, a
``Retry-After`` (whole seconds, at least 1) and ``retry-after-ms``. Every answer carries
``x-ratelimit-limit-requests`` / ``-tokens`` (per minute), ``x-ratelimit-remaining-*`` (what
the bucket holds) and ``x-ratelimit-reset-*`` (until it is full, as ``1.5s``); ``headers=False``
leaves them out (a server that only says 429). The stub counts what it admitted and refused
(``admitted``, ``refused``, ``tokens``, ``first``/``last`` admission times).
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from openai_stub import LoopbackServer, chat_tasks_reply, completion_payload, send_json

__all__ = ["Bucket", "RateLimitedStub", "request_tokens"]


def request_tokens(body: dict[str, Any]) -> int:
    """What a request counts against the token limit: characters of its messages / 4 + its budget."""
    chars = sum(len(str(m.get("content") or "")) for m in body.get("messages") or () if isinstance(m, dict))
    budget = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    return chars // 4 + int(budget)


class Bucket:
    """``per_minute`` units, refilled continuously, holding ``burst`` seconds' worth (full at first)."""

    def __init__(self, per_minute: float, burst: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = self.rate * burst
        self.level = self.capacity
        self.stamp = time.monotonic()

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self, cost: float) -> float:
        """Seconds until ``cost`` fits (0: it does now); a cost above the capacity waits for a full bucket."""
        missing = min(cost, self.capacity) - self.level
        return max(0.0, missing / self.rate)

    def reset(self) -> float:
        return (self.capacity - self.level) / self.rate


class RateLimitedStub(LoopbackServer):
    """A rate-limited loopback chat server (see the module docstring)."""

    request_queue_size = 2048  # a wave of hundreds of connections at once

    def __init__(
        self, rpm: float = 600, tpm: float = 200_000, *, burst: float = 10.0, latency: float = 1.0, headers: bool = True
    ) -> None:
        self.rpm, self.tpm, self.latency, self.headers = rpm, tpm, latency, headers
        self.requests = Bucket(rpm, burst)
        self.tokens = Bucket(tpm, burst)
        self.admitted = self.refused = self.tokens_admitted = 0
        self.first: float | None = None
        self.last: float | None = None
        self._lock = threading.Lock()

    def _admit(self, cost: int) -> tuple[float, list[tuple[str, str]]]:
        """(0 and the headers) if admitted, else (seconds to wait, the headers)."""
        with self._lock:
            now = time.monotonic()
            self.requests.refill(now)
            self.tokens.refill(now)
            wait = max(self.requests.wait(1), self.tokens.wait(cost))
            if wait <= 0:
                self.requests.level -= 1
                self.tokens.level -= cost
                self.admitted += 1
                self.tokens_admitted += cost
                self.first = now if self.first is None else self.first
                self.last = now
            else:
                self.refused += 1
            head = self._headers() if self.headers else []
            return wait, head

    def _headers(self) -> list[tuple[str, str]]:
        head = []
        for unit, bucket, limit in (("requests", self.requests, self.rpm), ("tokens", self.tokens, self.tpm)):
            head += [
                (f"x-ratelimit-limit-{unit}", f"{limit:.0f}"),
                (f"x-ratelimit-remaining-{unit}", f"{max(0, math.floor(bucket.level))}"),
                (f"x-ratelimit-reset-{unit}", f"{bucket.reset():.3f}s"),
            ]
        return head

    def start(self) -> RateLimitedStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {}
                wait, head = stub._admit(request_tokens(body))
                if wait > 0:
                    head += [("Retry-After", str(max(1, math.ceil(wait)))), ("retry-after-ms", f"{wait * 1000:.0f}")]
                    error = {"message": "Rate limit reached; try again later", "type": "requests", "code": "429"}
                    send_json(self, 429, {"error": error}, head)
                    return
                time.sleep(stub.latency)
                send_json(self, 200, completion_payload(body, chat_tasks_reply(body)), head)

        return self.serve(Handler, "rate-limited-stub")
