"""The run's progress bar: tqdm on stderr with rate, ETA, running counts and the pace.

Example:
    >>> bar = make_bar(total=10, initial=2, enabled=False)
    >>> bar.update(1); bar.close()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Bar", "make_bar"]


class Bar(Protocol):
    """What the run needs from a bar."""

    def update(self, n: int = 1) -> Any: ...

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> Any: ...

    def close(self) -> Any: ...


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _Throttled:
    """A tqdm bar whose postfix is refreshed at most once a second, with ``status()``'s fields last."""

    def __init__(self, bar: Any, status: Callable[[], dict[str, str]] | None = None) -> None:
        self._bar = bar
        self._last = 0.0
        self._status = status

    def update(self, n: int = 1) -> None:
        self._bar.update(n)

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        now = time.monotonic()
        if refresh or now - self._last >= 1.0:
            self._last = now
            extra = self._status() if self._status is not None else {}
            self._bar.set_postfix(ordered_dict, refresh=False, **kwargs, **extra)

    def close(self) -> None:
        self._bar.close()


def make_bar(total: int, initial: int, enabled: bool, status: Callable[[], dict[str, str]] | None = None) -> Bar:
    """A bar over ``total`` generations, ``initial`` of them already done (resume); ``status``
    adds fields to its postfix (the pacer's pace, e.g. ``pace=598/min of 600``)."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        initial=initial,
        unit="call",
        desc="generate",
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=0.5,
        smoothing=0.05,
    )
    return _Throttled(bar, status)
