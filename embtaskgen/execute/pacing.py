"""Pace a run's calls to the rate limits of the model's server: the one place calls wait for them.

The scheduler asks :meth:`Pacer.admit` before it starts a call and keeps at most
:attr:`Pacer.in_flight_cap` calls in flight; the pacer hears every answer (a
:class:`~embtaskgen.lm.rate_signals.RateListener`, fed by the transport):

* **Rates.** Requests and tokens per minute, each the lower of the user's limit
  (``max_rpm``, ``max_tpm``) and the server's (``x-ratelimit-limit-requests`` /
  ``-tokens``, read as per minute), are kept by a virtual-time bucket that lets at most
  :data:`BURST_SECONDS` of budget go at once. A call is charged before it starts with what
  the calls so far cost: their requests per call (an adapter's fallback, DSPy's retries
  send more than one) and the tokens of a request (characters of the messages / 4 +
  ``max_tokens``, :func:`~embtaskgen.lm.rate_signals.estimate_tokens`; at first
  :data:`FIRST_CALL_TOKENS`).
* **Pauses.** A 429 stops new calls until its ``Retry-After`` (else 1 s); an answer whose
  ``x-ratelimit-remaining-*`` is spent stops them until a request's (or a call's tokens')
  worth has come back.
* **Concurrency.** A 429 halves the calls in flight (at most once per pause); every answer
  after :data:`CALM_SECONDS` without a 429 adds one back, up to the run's concurrency.
  Against a served model that reports its limits, the first :data:`PROBE` calls go alone
  until one answers (a wave of 256 calls would otherwise meet a limit it has not read yet).

Pacing changes when calls start, never which calls or their order of recording: a seed
gives the same rows paced or not.

Example:
    >>> clock = [0.0]
    >>> pacer = Pacer(workers=4, max_rpm=60, clock=lambda: clock[0])
    >>> pacer.admit(), pacer.admit()  # one request a second: the second may start 0.25 s early
    (0.0, 0.75)
    >>> clock[0] = 0.75
    >>> pacer.admit()
    0.0
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

from embtaskgen.errors import ConfigError
from embtaskgen.lm.rate_signals import RateSignal, estimate_tokens

__all__ = ["BURST_SECONDS", "CALM_SECONDS", "FIRST_CALL_TOKENS", "PROBE", "Pacer", "check_limit"]

#: Seconds of budget the pacer lets go at once (less than any server's own burst, as far as known).
BURST_SECONDS = 0.25
#: A 429-free stretch after which each answer adds one call in flight back.
CALM_SECONDS = 5.0
#: Calls in flight against a served model until its first answer says what its limits are.
PROBE = 8
#: Tokens charged per call before any request was sent (then: the mean of those sent).
FIRST_CALL_TOKENS = 1000
#: Seconds a 429 without ``Retry-After`` pauses new calls.
DEFAULT_PAUSE = 1.0
#: Seconds over which the progress bar's pace is measured.
PACE_WINDOW = 10.0


def check_limit(name: str, value: object) -> float | None:
    """``value`` as a per-minute limit (a number > 0) or ``None`` (no limit).

    Example:
        >>> check_limit("max_rpm", 600), check_limit("max_tpm", None)
        (600.0, None)
        >>> check_limit("max_rpm", 0)
        Traceback (most recent call last):
        ...
        embtaskgen.errors.ConfigError: max_rpm must be a number > 0 (per minute) or None, got 0
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a number > 0 (per minute) or None, got {value!r}")
    return float(value)


class _Budget:
    """Units per minute as a virtual clock: ``due`` is when the budget spent so far is earned back."""

    def __init__(self) -> None:
        self.user: float | None = None
        self.server: float | None = None
        self.due = 0.0

    @property
    def per_minute(self) -> float | None:
        known = [rate for rate in (self.user, self.server) if rate]
        return min(known) if known else None

    def wait(self, now: float) -> float:
        """Seconds until more may be spent (0: now): the budget spent so far is earned back
        but for :data:`BURST_SECONDS` (a call dearer than that just pushes ``due`` further)."""
        if self.per_minute is None:
            return 0.0
        return max(0.0, self.due - BURST_SECONDS - now)

    def spend(self, now: float, units: float) -> None:
        rate = self.per_minute
        if rate is not None:
            self.due = max(self.due, now) + units * 60.0 / rate


class Pacer:
    """When the next call may start and how many may be in flight (see the module docstring).

    Args:
        workers: The run's concurrency: the most calls in flight.
        max_rpm: The user's limit of requests per minute (``None``: the server's, if it says).
        max_tpm: The user's limit of tokens per minute (``None``: the server's, if it says).
        probe: Calls in flight until the first answer (``None``: ``workers``); a served model
            that reports its limits gets :data:`PROBE`.
        clock: Seconds, monotonic (tests pass their own).

    Raises:
        ConfigError: ``workers`` below 1, or a limit that is not a number > 0.
    """

    def __init__(
        self,
        workers: int,
        *,
        max_rpm: float | None = None,
        max_tpm: float | None = None,
        probe: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
        self.workers = workers
        self._clock = clock
        self._lock = threading.Lock()
        self._requests, self._tokens = _Budget(), _Budget()
        self._requests.user, self._tokens.user = check_limit("max_rpm", max_rpm), check_limit("max_tpm", max_tpm)
        self._cap = workers if probe is None else max(1, min(probe, workers))
        self._probing = probe is not None
        self._paused_until = 0.0
        self._last_429 = -float("inf")
        self._next_cut = -float("inf")
        self._sent_tokens = 0
        self._sent = 0
        self._admitted = 0
        self._finished = 0
        self._started: collections.deque[float] = collections.deque()
        #: Answers that were 429s (every attempt the transport saw).
        self.rate_limited = 0
        #: Answers heard.
        self.answers = 0

    @classmethod
    def for_lm(
        cls, lm: object, workers: int, *, max_rpm: float | None = None, max_tpm: float | None = None
    ) -> Pacer | None:
        """The pacer of a run on ``lm``: ``None`` without limits to keep or to read (an embedded
        model, an engine of one's own), else one that probes first when ``lm`` reports its answers.

        Example:
            >>> import dspy
            >>> Pacer.for_lm(dspy.LM("openai/m"), 8) is None, Pacer.for_lm(dspy.LM("openai/m"), 8, max_rpm=60) is None
            (True, False)
        """
        reports = bool(getattr(getattr(lm, "engine", None), "reports_rate_limits", False))
        if not reports and max_rpm is None and max_tpm is None:
            return None
        return cls(workers, max_rpm=max_rpm, max_tpm=max_tpm, probe=PROBE if reports else None)

    # ------------------------------------------------------------ the scheduler's side
    @property
    def in_flight_cap(self) -> int:
        """Calls that may be in flight now (halved by a 429 storm, grown back after it)."""
        return self._cap

    def call_requests(self) -> float:
        """The requests one call is expected to send: those of the calls finished so far (the calls
        in flight counted as one each), at least one."""
        if not self._finished:
            return 1.0
        in_flight = max(0, self._admitted - self._finished)
        return max(1.0, (self._sent - in_flight) / self._finished)

    def call_tokens(self) -> float:
        """The tokens one call is expected to count: its requests times a request's mean tokens so far."""
        per_request = self._sent_tokens / self._sent if self._sent else float(FIRST_CALL_TOKENS)
        return per_request * self.call_requests()

    def admit(self) -> float:
        """``0.0``: a call may start now (its budget is spent); else seconds to wait before asking again."""
        with self._lock:
            now = self._clock()
            wait = max(self._paused_until - now, self._requests.wait(now), self._tokens.wait(now))
            if wait > 0:
                return wait
            self._requests.spend(now, self.call_requests())
            self._tokens.spend(now, self.call_tokens())
            self._admitted += 1
            self._started.append(now)
            while self._started and self._started[0] < now - PACE_WINDOW:
                self._started.popleft()
            return 0.0

    def finished(self) -> None:
        """A call admitted earlier has its outcome (it sends no more requests)."""
        with self._lock:
            self._finished += 1

    def rate_limited_error(self, retry_after: float | None) -> None:
        """A call ended in a rate-limit error (its answers may not have been heard: no transport)."""
        with self._lock:
            self._limited(self._clock(), retry_after)

    def status(self) -> dict[str, str]:
        """The pace for the progress bar: calls started per minute lately, the limit, the 429s, the cap.

        Example:
            >>> Pacer(workers=2, max_rpm=600).status()
            {'pace': '0/min of 600'}
        """
        with self._lock:
            now = self._clock()
            recent = sum(1 for moment in self._started if moment >= now - PACE_WINDOW)
            span = min(PACE_WINDOW, max(1.0, now - self._started[0])) if self._started else PACE_WINDOW
            pace = f"{recent * 60 / span:.0f}/min"
            limit = self._requests.per_minute
            shown = {"pace": pace + (f" of {limit:.0f}" if limit else "")}
            if self.rate_limited:
                shown["429s"] = str(self.rate_limited)
            if self._cap < self.workers:
                shown["in_flight"] = f"<={self._cap}"
            return shown

    # ---------------------------------------------------------- the transport's side
    def sent(self, body: bytes) -> None:
        """A request is being sent: learn what a call costs in tokens."""
        tokens = estimate_tokens(body)
        with self._lock:
            self._sent_tokens += tokens
            self._sent += 1

    def answered(self, signal: RateSignal) -> None:
        """An answer came back: read the server's limits, pause on a 429 or a spent budget."""
        with self._lock:
            now = self._clock()
            self.answers += 1
            if signal.limit_requests:
                self._requests.server = signal.limit_requests
            if signal.limit_tokens:
                self._tokens.server = signal.limit_tokens
            if signal.rate_limited:
                self.rate_limited += 1
                self._limited(now, signal.retry_after)
                return
            if self._probing:
                self._probing = False
                self._cap = self.workers
            elif now - self._last_429 >= CALM_SECONDS and self._cap < self.workers:
                self._cap += 1
            self._spent(now, signal)

    def _limited(self, now: float, retry_after: float | None) -> None:
        pause = DEFAULT_PAUSE if retry_after is None else retry_after
        self._paused_until = max(self._paused_until, now + pause)
        self._last_429 = now
        self._probing = False
        if now >= self._next_cut:  # one cut per storm: the 429s of one wave arrive together
            self._cap = max(1, self._cap // 2)
            self._next_cut = now + max(pause, DEFAULT_PAUSE)

    def _spent(self, now: float, signal: RateSignal) -> None:
        """The server says a budget is spent: wait until a request's (a call's tokens') worth is back."""
        if signal.remaining_requests is not None and signal.remaining_requests < 1:
            rate = self._requests.per_minute
            wait = 60.0 / rate if rate else signal.reset_requests
            if wait:
                self._paused_until = max(self._paused_until, now + min(wait, signal.reset_requests or wait))
        if signal.remaining_tokens is not None and signal.remaining_tokens < self.call_tokens():
            rate = self._tokens.per_minute
            missing = self.call_tokens() - signal.remaining_tokens
            wait = missing * 60.0 / rate if rate else signal.reset_tokens
            if wait:
                self._paused_until = max(self._paused_until, now + min(wait, signal.reset_tokens or wait))
