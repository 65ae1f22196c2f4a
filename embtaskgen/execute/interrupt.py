"""Turn Ctrl-C into a request to stop, so that no write is ever cut in half: in
:class:`StopSignal` (main thread) the first SIGINT drains the calls in flight (for at most
``grace`` seconds, the model's timeout), the second abandons them, a third raises
``KeyboardInterrupt``. Elsewhere only ``request`` stops.

Example:
    >>> with StopSignal() as stop:
    ...     stop.request()
    ...     stop.draining, stop.abandon
    (True, False)
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

__all__ = ["StopSignal"]

logger = logging.getLogger(__name__)


class StopSignal:
    """Flags a run polls: ``draining`` (stop starting calls) and ``abandon`` (stop now)."""

    def __init__(self, grace: float | None = None) -> None:
        self.grace = grace  # seconds the first request waits for the calls in flight (None: as long as they take)
        self.draining = False
        self.abandon = False
        self.reason = ""
        self._presses = 0
        self._previous: Any = None
        self._installed = False

    def request(self, reason: str = "interrupted") -> None:
        """Ask the run to stop: the first request drains, the second abandons."""
        self._presses += 1
        if not self.reason:
            self.reason = reason
        self.draining = True
        self.abandon = self._presses > 1
        if self._presses == 1 and self.grace is not None:
            timer = threading.Timer(self.grace, setattr, (self, "abandon", True))  # past their deadline
            timer.daemon = True
            timer.start()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.request("interrupted (Ctrl-C)")
        if self.abandon:
            logger.warning("second Ctrl-C: abandoning the calls in flight")
            self._restore()
        else:
            logger.warning("Ctrl-C: finishing the calls in flight, then stopping (Ctrl-C again to stop now)")

    def _restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def __enter__(self) -> StopSignal:
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                self._installed = True
            except ValueError:  # pragma: no cover - e.g. an embedded interpreter
                self._installed = False
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()
