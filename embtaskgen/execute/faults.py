"""Classify a failed model call and decide whether the run tries it again.

DSPy's ``LM`` retries a call's transient failures for a few seconds; a legacy
``BaseLM.forward`` gets none, and a rate-limit storm or outage lasts longer: the run
re-queues such a generation after a longer pause (:class:`RetryPolicy`), holding no
thread. An error's text is untrusted: API keys redacted, made storable, capped.

Example:
    >>> from dspy.utils.exceptions import LMRateLimitError, LMAuthError
    >>> is_transient(LMRateLimitError("slow down")), is_transient(LMAuthError("bad key"))
    (True, False)
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from dspy import lm15
from dspy.utils.exceptions import LMRateLimitError, is_retryable_lm_error

from embtaskgen.errors import ConfigError, EmbtaskgenError
from embtaskgen.lm.resolve import known_secrets
from embtaskgen.lm.untrusted import redact, sanitize_text

__all__ = ["ERROR_TEXT_LIMIT", "RetryPolicy", "describe_error", "error_text", "is_rate_limit", "is_transient"]

#: Longest error message kept (a server may answer an error with a whole web page).
ERROR_TEXT_LIMIT = 4000

_TRANSIENT_LM15 = (lm15.RateLimitError, lm15.TimeoutError, lm15.ServerError, lm15.TransportError)
_TRANSIENT_BUILTIN = (builtins.TimeoutError, builtins.ConnectionError)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is worth another attempt later: DSPy's retryable LM errors, their
    lm15 counterparts (engines outside a DSPy boundary), ``TimeoutError``, ``ConnectionError``."""
    if not isinstance(error, Exception):
        return False
    return is_retryable_lm_error(error) or isinstance(error, _TRANSIENT_LM15 + _TRANSIENT_BUILTIN)


def is_rate_limit(error: BaseException) -> bool:
    """Whether ``error`` says the server refused the call for its rate limits (a 429).

    Example:
        >>> is_rate_limit(LMRateLimitError("slow down")), is_rate_limit(TimeoutError())
        (True, False)
    """
    return isinstance(error, (LMRateLimitError, lm15.RateLimitError))


def error_text(error: BaseException, max_chars: int | None = ERROR_TEXT_LIMIT) -> str:
    """What ``error`` says, safe to store and show: secrets redacted, storable, capped.

    Example:
        >>> error_text(RuntimeError("401: Incorrect API key provided: sk-abcdefghijklmnop1234"))
        '401: Incorrect API key provided: [REDACTED]'
    """
    text = str(error) or repr(error)
    return sanitize_text(redact(text, secrets=known_secrets()), max_chars=max_chars)


def describe_error(error: BaseException) -> dict[str, object]:
    """A JSON-ready description of ``error`` (type, message, status, provider), keys redacted.

    Example:
        >>> describe_error(ValueError("bad key sk-abcdefghijklmnop1234"))
        {'error_type': 'ValueError', 'error': 'bad key [REDACTED]'}
    """
    if isinstance(error.__cause__, EmbtaskgenError):  # ours, wrapped by DSPy (ResponseTooLarge)
        error = error.__cause__
    info: dict[str, object] = {"error_type": type(error).__name__, "error": error_text(error)}
    for name in ("status", "provider", "retry_after"):
        value = getattr(error, name, None)
        if isinstance(value, str):
            info[name] = sanitize_text(redact(value, secrets=known_secrets()), max_chars=200)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            info[name] = value
    return info


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how late a run re-queues a generation that failed transiently (on top
    of DSPy's retries inside each call).

    Args:
        attempts: Extra attempts per generation (0: none).
        backoff: Seconds before the first extra attempt; doubles each time.
        max_backoff: Longest pause, in seconds.

    Raises:
        ConfigError: A negative number of attempts or a negative pause.

    Example:
        >>> RetryPolicy(attempts=2, backoff=10).delay(0)
        10.0
    """

    attempts: int = 2
    backoff: float = 10.0
    max_backoff: float = 120.0

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 0:
            raise ConfigError(f"attempts must be an integer >= 0, got {self.attempts!r}")
        for name in ("backoff", "max_backoff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{name} must be a number >= 0, got {value!r}")

    def delay(self, retry: int) -> float:
        """Seconds to wait before extra attempt number ``retry`` (0-based)."""
        return float(min(self.backoff * 2**retry, self.max_backoff))

    def allows(self, error: BaseException, retries_so_far: int) -> bool:
        """Whether a generation that failed with ``error`` gets another attempt."""
        return retries_so_far < self.attempts and is_transient(error)
