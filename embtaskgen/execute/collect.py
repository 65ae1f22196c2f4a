"""Run planned calls through the run's scheduler and keep the results in memory (``forward``,
evaluation): no run-level retries; errors re-raised after every call, the first in plan order;
each result without the API keys of this process and the environment (a server may echo them).

Example:
    >>> from embtaskgen.brainstorm.call_result import CallResult
    >>> jobs = [("text-retrieval", 0), ("text-retrieval", 1)]
    >>> results = collect(jobs, lambda c, g: CallResult(c, g, g, items=[f"task {g}"]), workers=2)
    >>> [r.items for r in results]
    [['task 0'], ['task 1']]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.scheduler import CallOutcome, Counts, Job, schedule
from embtaskgen.lm.resolve import known_secrets
from embtaskgen.lm.untrusted import held_secrets, redact_result

__all__ = ["collect"]

_NO_RETRY = RetryPolicy(attempts=0)


R = TypeVar("R", bound=CallOutcome)


class _Kept:
    """A recorder that keeps nothing but the errors (the results are kept by ``collect``)."""

    def __init__(self, progress: Callable[[Any], None] | None) -> None:
        self.tally = Counts()
        self.errors: dict[tuple[str, int], BaseException] = {}
        self._progress = progress

    def ok(self, result: Any) -> None:
        self._report(result)

    def parse_failure(self, result: Any, attempts: int) -> None:
        self.tally.failed += 1
        self._report(result)

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None:
        self.tally.failed += 1
        self.errors[(category, generation)] = error

    def _report(self, result: Any) -> None:
        if self._progress is not None:
            self._progress(result)


def collect(
    jobs: Sequence[tuple[str, int]],
    call: Callable[[str, int], R],
    *,
    workers: int,
    progress: Callable[[R], None] | None = None,
) -> list[R]:
    """Call every distinct ``(category, generation)`` of ``jobs`` on ``workers`` threads and
    return the results in plan order; ``progress`` gets each as it finishes (this thread).

    Raises:
        Exception: The first error (in plan order) a call raised, after all finished.
        KeyboardInterrupt: One was raised inside a call (the calls not started are not).
    """
    kept = _Kept(progress)
    results: dict[tuple[str, int], R] = {}
    held = held_secrets(known_secrets())

    def run_job(job: Job) -> R:
        result = redact_result(call(job.category, job.generation), held)
        results[(job.category, job.generation)] = result
        return result

    stop = StopSignal()  # flags only: forward may run off the main thread, so no handler
    outcome = schedule(
        (Job(category, generation) for category, generation in jobs),
        run_job,
        workers=workers,
        recorder=kept,
        retry=_NO_RETRY,
        stop=stop,
        max_failures=None,
    )
    if outcome.stopped == "interrupted":
        raise KeyboardInterrupt(outcome.message)
    for job in jobs:
        if job in kept.errors:
            raise kept.errors[job]
    return [results[job] for job in jobs]
