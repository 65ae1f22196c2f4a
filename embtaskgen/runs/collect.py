"""Run planned calls through the run executor and keep the results in memory.

``EmbeddingTaskGenerator.forward`` (and evaluation) use the same worker pool and
scheduler as :func:`embtaskgen.run` (:mod:`.scheduler`), with a recorder that keeps each
:class:`~embtaskgen.brainstorm.call_result.CallResult` instead of writing lines. No
run-level retries (DSPy's LM retries inside each call); a call that raises is re-raised
once every call has finished, the first in plan order; a ``KeyboardInterrupt`` inside a
call stops the calls not yet started and is re-raised.

Example:
    >>> from embtaskgen.brainstorm.call_result import CallResult
    >>> jobs = [("text-retrieval", 0), ("text-retrieval", 1)]
    >>> results = collect(jobs, lambda c, g: CallResult(c, g, g, items=[f"task {g}"]), workers=2)
    >>> [r.items for r in results]
    [['task 0'], ['task 1']]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.runs.faults import RetryPolicy
from embtaskgen.runs.interrupt import StopSignal
from embtaskgen.runs.scheduler import Job, schedule
from embtaskgen.runs.summary import Tally

__all__ = ["collect"]

_NO_RETRY = RetryPolicy(attempts=0)


class _Kept:
    """A recorder that keeps the outcomes (the scheduler's recorder interface)."""

    def __init__(self, progress: Callable[[CallResult], None] | None) -> None:
        self.tally = Tally()
        self.errors: dict[tuple[str, int], BaseException] = {}
        self._progress = progress

    def ok(self, result: CallResult) -> None:
        self.tally.ok += 1
        self._report(result)

    def parse_failure(self, result: CallResult, attempts: int) -> None:
        self.tally.parse_failures += 1
        self._report(result)

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None:
        self.tally.errors += 1
        self.errors[(category, generation)] = error

    def _report(self, result: CallResult) -> None:
        if self._progress is not None:
            self._progress(result)


def collect(
    jobs: Sequence[tuple[str, int]],
    call: Callable[[str, int], CallResult],
    *,
    workers: int,
    progress: Callable[[CallResult], None] | None = None,
) -> list[CallResult]:
    """Call every ``(category, generation)`` of ``jobs`` on ``workers`` threads.

    Args:
        jobs: The planned calls, in plan order (distinct pairs; the second item is
            whatever index ``call`` takes, the generation for a run).
        call: Makes one call (a parse failure is a result; other errors raise).
        workers: Calls in flight at most.
        progress: Called with each result as it finishes (on the caller's thread).

    Returns:
        The results in plan order.

    Raises:
        Exception: The first error (in plan order) a call raised, after all finished.
        KeyboardInterrupt: One was raised inside a call.
    """
    kept = _Kept(progress)
    results: dict[tuple[str, int], CallResult] = {}

    def run_job(job: Job) -> CallResult:
        result = call(job.category, job.generation)
        results[(job.category, job.generation)] = result
        return result

    stop = StopSignal()  # flags only: forward may run off the main thread, so no handler
    outcome = schedule(
        (Job(category, generation) for category, generation in jobs),
        run_job,
        workers=workers,
        recorder=kept,  # type: ignore[arg-type]
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
