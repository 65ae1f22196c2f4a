"""The spending cap of a run (``--max-cost``): start a call only while the cap holds for every call in flight.

The scheduler asks :meth:`CostCap.allows` before it starts a call: the cost so far plus
the bound of every call in flight (queued or running) and of the new one must stay within
the cap. A run that stops on it ends like ``max_failures``: the calls in flight finish
and are written, the rest stay for a resume.

Example:
    >>> cap = CostCap(0.01, spent=lambda: 0.004, call_bound=lambda: 0.002)
    >>> cap.allows(3), cap.allows(4)
    (True, False)
    >>> cap.reason(4)
    'stopped before passing max_cost=0.01 USD: 0.004 spent, 4 calls of at most 0.002 each would pass it'
"""

from __future__ import annotations

from collections.abc import Callable

from embtaskgen.errors import ConfigError

__all__ = ["CostCap"]


class CostCap:
    """A cap on a run's spending in USD.

    Args:
        cap: The most the run may spend (USD, > 0).
        spent: The cost so far (``None``: nothing priced yet, taken as 0).
        call_bound: The most one call may cost (prompt estimate plus the completion bound, priced).
    """

    def __init__(self, cap: float, *, spent: Callable[[], float | None], call_bound: Callable[[], float]) -> None:
        if isinstance(cap, bool) or not isinstance(cap, (int, float)) or not cap > 0:
            raise ConfigError(f"max_cost must be a positive number of USD, got {cap!r}")
        self.cap = float(cap)
        self._spent = spent
        self._call_bound = call_bound

    def allows(self, calls: int) -> bool:
        """Whether ``calls`` calls in flight (the new one included) keep the run within the cap."""
        return (self._spent() or 0.0) + calls * self._call_bound() <= self.cap

    def reason(self, calls: int) -> str:
        """Why the run stopped, for its summary."""
        return (
            f"stopped before passing max_cost={self.cap:g} USD: {self._spent() or 0.0:.6g} spent, "
            f"{calls} calls of at most {self._call_bound():.6g} each would pass it"
        )
