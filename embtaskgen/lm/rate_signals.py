"""What a server says about its rate limits, read from each answer, and who hears it.

OpenAI-compatible servers send ``x-ratelimit-limit-requests`` / ``-tokens`` (the limit per
minute), ``x-ratelimit-remaining-requests`` / ``-tokens`` and ``x-ratelimit-reset-requests``
/ ``-tokens`` (a duration such as ``1s``, ``250ms`` or ``6m0s``: until the budget is whole
again), and ``Retry-After`` (seconds or an HTTP date) on a 429. :func:`read_signal` turns an
answer's status and headers into a :class:`RateSignal`; :func:`report_answer` hands it to the
listener of the current context (:func:`listening`; a run's pacer), if any. Any transport
calls it, so reading does not depend on where the model is served (``--api-base`` or not).

Example:
    >>> signal = read_signal(429, [("Retry-After", "2"), ("x-ratelimit-reset-requests", "1m30s")])
    >>> signal.rate_limited, signal.retry_after, signal.reset_requests
    (True, 2.0, 90.0)
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import json
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "CHARS_PER_TOKEN",
    "RateListener",
    "RateSignal",
    "estimate_tokens",
    "listening",
    "parse_duration",
    "read_signal",
    "report_answer",
    "report_request",
]

#: One part of a duration header: a number and its unit (``ms``, ``s``, ``m``, ``h``, ``d``).
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
#: Characters per token of the estimate (a stated approximation: English text, BPE tokenizers).
CHARS_PER_TOKEN = 4


def parse_duration(value: str | None) -> float | None:
    """Seconds of a rate-limit duration header (``6m0s``, ``1.5s``, ``250ms``, ``20``); ``None`` if unreadable.

    Example:
        >>> parse_duration("6m0s"), parse_duration("250ms"), parse_duration("20"), parse_duration("soon")
        (360.0, 0.25, 20.0, None)
    """
    if value is None:
        return None
    text = value.strip().lower()
    try:
        number = float(text)
    except ValueError:
        parts = _PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            return None
        return sum(float(n) * _UNIT[u] for n, u in parts)
    return number if math.isfinite(number) and number >= 0 else None


def _retry_after(value: str | None) -> float | None:
    """``Retry-After``: delta seconds, or an HTTP date (seconds from now)."""
    seconds = parse_duration(value)
    if seconds is not None or value is None:
        return seconds
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


@dataclass(frozen=True)
class RateSignal:
    """One answer's news about the rate limits (``None``: not said).

    Attributes:
        status: The HTTP status (429: rate limited).
        retry_after: Seconds the server asks to wait (``Retry-After``, ``retry-after-ms``).
        limit_requests: Requests allowed per minute.
        remaining_requests: Requests left now.
        reset_requests: Seconds until the request budget is whole again.
        limit_tokens: Tokens allowed per minute.
        remaining_tokens: Tokens left now.
        reset_tokens: Seconds until the token budget is whole again.
    """

    status: int
    retry_after: float | None = None
    limit_requests: float | None = None
    remaining_requests: float | None = None
    reset_requests: float | None = None
    limit_tokens: float | None = None
    remaining_tokens: float | None = None
    reset_tokens: float | None = None

    @property
    def rate_limited(self) -> bool:
        """Whether the answer was a 429 (too many requests)."""
        return self.status == 429


def read_signal(status: int, headers: Iterable[tuple[str, str]]) -> RateSignal:
    """The rate-limit news of an answer with ``status`` and ``headers`` (names in any case)."""
    found: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered.startswith(("x-ratelimit-", "retry-after")) and isinstance(value, str):
            found.setdefault(lowered, value)
    if not found:
        return RateSignal(status)
    retry_after = _retry_after(found.get("retry-after"))
    if retry_after is None and (ms := _number(found.get("retry-after-ms"))) is not None:
        retry_after = ms / 1000
    return RateSignal(
        status,
        retry_after=retry_after,
        limit_requests=_number(found.get("x-ratelimit-limit-requests")),
        remaining_requests=_number(found.get("x-ratelimit-remaining-requests")),
        reset_requests=parse_duration(found.get("x-ratelimit-reset-requests")),
        limit_tokens=_number(found.get("x-ratelimit-limit-tokens")),
        remaining_tokens=_number(found.get("x-ratelimit-remaining-tokens")),
        reset_tokens=parse_duration(found.get("x-ratelimit-reset-tokens")),
    )


def estimate_tokens(body: bytes) -> int:
    """Tokens a chat request will count against a limit before it is answered: the characters
    of its messages / 4 + its ``max_tokens`` (as OpenAI counts a request when it arrives).

    Example:
        >>> estimate_tokens(b'{"messages": [{"role": "user", "content": "' + b"x" * 400 + b'"}], "max_tokens": 50}')
        150
    """
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return len(body) // CHARS_PER_TOKEN
    if not isinstance(request, dict):
        return len(body) // CHARS_PER_TOKEN
    chars = 0
    for message in request.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            chars += len(content)
        elif content is not None:
            chars += len(json.dumps(content))
    budget = request.get("max_completion_tokens") or request.get("max_tokens") or 0
    return chars // CHARS_PER_TOKEN + (budget if isinstance(budget, int) and budget > 0 else 0)


class RateListener(Protocol):
    """Hears every answer of the calls made in its context (a run's pacer)."""

    def sent(self, body: bytes) -> None:
        """A request with ``body`` is about to be sent."""

    def answered(self, signal: RateSignal) -> None:
        """An answer came back with ``signal``."""


_listener: contextvars.ContextVar[RateListener | None] = contextvars.ContextVar(
    "embtaskgen_rate_listener", default=None
)


@contextlib.contextmanager
def listening(listener: RateListener | None) -> Iterator[None]:
    """Within this block (and threads started in a copy of its context), answers go to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def report_request(body: bytes) -> None:
    """Tell the current listener that a request with ``body`` is being sent (no-op without one)."""
    listener = _listener.get()
    if listener is not None:
        listener.sent(body)


def report_answer(status: int, headers: Iterable[tuple[str, str]]) -> None:
    """Tell the current listener what an answer said about the rate limits (no-op without one)."""
    listener = _listener.get()
    if listener is not None:
        listener.answered(read_signal(status, headers))
