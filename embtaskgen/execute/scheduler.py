"""Keep the calls in flight, route their outcomes, retry the transient, stop when asked.

The loop runs on the caller's thread and feeds the pool from a lazy plan (at most twice
``workers`` queued or running), hands outcomes on in plan order, re-queues transient
failures after their backoff (a heap, no thread held) and stops when all is done, on
Ctrl-C (drain; a second: at once), after ``max_failures`` failed generations, or before
starting a call that could take the run's spending past its ``cost_cap``. With a
:class:`~embtaskgen.execute.pacing.Pacer`, a call starts only when the pacer admits it and
no more than its cap are in flight (the rate limits); the workers report every answer to it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from embtaskgen.execute.budget import CostCap
from embtaskgen.execute.faults import RetryPolicy, error_text, is_rate_limit
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.pacing import Pacer
from embtaskgen.execute.plan_order import PlanOrder
from embtaskgen.execute.pool import Skipped, WorkerPool
from embtaskgen.lm.rate_signals import listening

__all__ = ["CallOutcome", "Counts", "Job", "Outcome", "Recorder", "schedule"]

logger = logging.getLogger(__name__)

_POLL = 0.1


class CallOutcome(Protocol):
    """What one call returns (``embtaskgen.brainstorm.call_result.CallResult`` is one)."""

    error: str | None

    @property
    def items(self) -> Any: ...

    @property
    def parse_failure(self) -> bool: ...


class _Counts(Protocol):
    retried: int

    @property
    def failed(self) -> int: ...


@dataclass
class Counts:
    """The tally of a recorder that counts nothing else: retries and failed calls, as the loop updates them."""

    retried: int = 0
    failed: int = 0


class Recorder(Protocol):
    """Where outcomes go (``embtaskgen.runs.recorder.Recorder`` writes them; ``collect`` keeps them)."""

    @property
    def tally(self) -> _Counts: ...

    def ok(self, result: Any) -> None: ...

    def parse_failure(self, result: Any, attempts: int) -> None: ...

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None: ...


@dataclass(frozen=True)
class Job:
    """One generation to call; ``retries`` counts the run's extra attempts so far."""

    category: str
    generation: int
    retries: int = 0


@dataclass
class Outcome:
    """Why the loop ended: ``""`` (all done), ``"interrupted"`` or ``"aborted"``."""

    stopped: str = ""
    message: str = ""


def schedule(
    jobs: Iterator[Job],
    call: Callable[[Job], CallOutcome],
    *,
    workers: int,
    recorder: Recorder,
    retry: RetryPolicy,
    stop: StopSignal,
    max_failures: int | None,
    cost_cap: CostCap | None = None,
    pacer: Pacer | None = None,
) -> Outcome:
    """Run every job, in order, through ``call`` (which raises on errors but parse failures)
    on ``workers`` threads, record the outcomes and say why the loop ended.

    ``max_failures``: stop once this many generations have failed (``None``: never).
    ``cost_cap``: stop (``aborted``) instead of starting a call it does not allow.
    ``pacer``: when calls may start (``None``: at once); the workers' answers reach it.
    """
    outcome = Outcome()
    with listening(pacer):  # the workers' contexts are copied now: their transports report to the pacer
        pool: WorkerPool[Job] = WorkerPool(call, workers)
    # Two jobs per worker queued: when a wave of calls ends together, a worker picks its
    # next job at once instead of waiting for this thread to record a result first.
    backlog = 2 * workers
    # Outcomes reach the recorder in plan order (same rows at any concurrency); a job
    # starts at most 4 backlogs after the earliest one still without an outcome.
    order_out = PlanOrder(window=4 * backlog)
    delayed: list[tuple[float, int, Job]] = []
    order = itertools.count()
    exhausted = False
    upcoming: Job | None = None  # taken from the plan, waiting for the pacer
    tally = recorder.tally
    try:
        while True:
            starting = not stop.draining and not outcome.stopped
            wait = 0.0  # seconds until the pacer admits the next call
            if starting:
                now = time.monotonic()
                # Paced: no call queued behind busy workers (it would start later than admitted).
                room = backlog if pacer is None else min(workers, pacer.in_flight_cap)
                while delayed and delayed[0][0] <= now and pool.outstanding < room:
                    if _over(cost_cap, pool.outstanding + 1, outcome):
                        break
                    if pacer is not None and (wait := pacer.admit()) > 0:
                        break
                    pool.submit(heapq.heappop(delayed)[2])
                while (
                    wait <= 0
                    and not exhausted
                    and not outcome.stopped
                    and pool.outstanding < room
                    and order_out.has_room
                ):
                    if upcoming is None and (upcoming := next(jobs, None)) is None:
                        exhausted = True
                    elif _over(cost_cap, pool.outstanding + 1, outcome):
                        break  # not started: a resume makes it
                    elif pacer is None or (wait := pacer.admit()) <= 0:
                        order_out.admit(upcoming)
                        pool.submit(upcoming)
                        upcoming = None
            if stop.abandon:
                break
            starting = starting and not outcome.stopped
            if not starting:
                pool.skip_queued()
            if pool.outstanding == 0:
                if not starting or (exhausted and not delayed):
                    break
                nap = min(_POLL, max(0.0, delayed[0][0] - time.monotonic())) if delayed else _POLL
                time.sleep(min(nap, wait) if wait > 0 else nap)
                continue
            item = pool.get(timeout=min(_POLL, wait) if wait > 0 else _POLL)
            if item is None:
                continue
            job, result, error = item
            if pacer is not None and not isinstance(error, Skipped):
                pacer.finished()
                if error is not None and is_rate_limit(error):
                    _tell_pacer(pacer, error)
            if isinstance(error, Skipped):
                order_out.settle(job, None)  # never started; a resume calls it
                continue
            if error is None:
                if result.items is not None:
                    order_out.settle(job, partial(recorder.ok, result))
                elif result.parse_failure:
                    order_out.settle(job, partial(recorder.parse_failure, result, job.retries + 1))
                else:
                    failure = RuntimeError(result.error)
                    order_out.settle(
                        job, partial(recorder.error, job.category, job.generation, failure, job.retries + 1)
                    )
            elif not isinstance(error, Exception):
                # KeyboardInterrupt (or SystemExit) raised inside a model call: stop like Ctrl-C.
                # The generation has no outcome; a resume calls it again.
                stop.request(f"interrupted ({type(error).__name__} in a model call)")
                order_out.settle(job, None)
                logger.warning("%s in %s generation %d: stopping", type(error).__name__, job.category, job.generation)
            elif retry.allows(error, job.retries) and not stop.draining:
                tally.retried += 1
                wait = retry.delay(job.retries)
                logger.info(
                    "%s generation %d: %s; retrying in %.1f s", job.category, job.generation, type(error).__name__, wait
                )
                retried = Job(job.category, job.generation, job.retries + 1)
                heapq.heappush(delayed, (time.monotonic() + wait, next(order), retried))
            else:
                order_out.settle(job, partial(recorder.error, job.category, job.generation, error, job.retries + 1))
            if max_failures is not None and not outcome.stopped and tally.failed >= max_failures:
                outcome.stopped = "aborted"
                outcome.message = (
                    f"stopped after {tally.failed} failed generations (max_failures={max_failures}); "
                    f"last: {_last_reason(error, result)}"
                )
                logger.error("%s; finishing the calls in flight", outcome.message)
        order_out.flush()
    finally:
        pool.close(cancel=True)
    if stop.draining and not outcome.stopped:
        outcome.stopped = "interrupted"
        outcome.message = stop.reason
    return outcome


def _over(cost_cap: CostCap | None, calls: int, outcome: Outcome) -> bool:
    """Whether ``cost_cap`` refuses ``calls`` in flight; then the outcome says so (``aborted``)."""
    if cost_cap is None or cost_cap.allows(calls):
        return False
    outcome.stopped, outcome.message = "aborted", cost_cap.reason(calls)
    logger.error("%s; finishing the calls in flight", outcome.message)
    return True


def _last_reason(error: BaseException | None, result: CallOutcome | None) -> str:
    if error is not None:
        first_line = (error_text(error).strip().splitlines() or [""])[0]
        return f"{type(error).__name__}: {first_line}"
    return "the answer did not parse as a list of tasks"


def _tell_pacer(pacer: Pacer, error: BaseException) -> None:
    """A call ended rate limited: tell ``pacer`` (a model without a reporting transport is heard here only)."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)):
        retry_after = None
    pacer.rate_limited_error(retry_after)
