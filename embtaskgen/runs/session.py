"""One session of a run, whatever the stage: call the jobs, record them, stop cleanly.

Both runners (:func:`embtaskgen.run` for tasks, :func:`embtaskgen.runs.example_runner.run_examples`
for examples) plan their jobs (``Job(category or kind, index)``), open their sinks and
build their recorder; :func:`drive_session` does the rest the same way for both: the
fresh jobs through the scheduler (retries, ``max_failures``, Ctrl-C), then the jobs
that failed with an error in an earlier session once more, last, outside
``max_failures``; a write that fails ends the session as ``aborted``; the bar and the
sinks are closed whatever happens, and the message is redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dspy

from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.response_cache import funnel_cache
from embtaskgen.execute.scheduler import Job, Outcome, schedule
from embtaskgen.runs.binding import run_settings
from embtaskgen.runs.files import WriteError
from embtaskgen.runs.progressbar import Bar
from embtaskgen.runs.recorder import safe_text

__all__ = ["ONCE", "drive_session"]

logger = logging.getLogger(__name__)

#: Jobs that failed in an earlier session get one more call, no run-level retry.
ONCE = RetryPolicy(attempts=0)


def drive_session(
    fresh: Iterator[Job],
    again: Sequence[Job],
    call: Callable[[Job], Any],
    *,
    recorder: Any,
    tally: Any,
    workers: int,
    retry: RetryPolicy,
    max_failures: int | None,
    bar: Bar,
    sinks: Sequence[Any],
    secrets: Sequence[str],
) -> Outcome:
    """Run one session's jobs through ``call`` and ``recorder``; why it ended.

    Args:
        fresh: Jobs never tried (or to call again), in order.
        again: Jobs that failed with an error in an earlier session.
        call: Makes one model call.
        recorder: Writes and counts outcomes (``ok``, ``parse_failure``, ``error``).
        tally: The run's counters (``calls``, ``retried_earlier``).
        workers: Calls in flight.
        retry: The run's policy for transient errors.
        max_failures: Stop once this many jobs failed in this session (``None``: never).
        bar: The progress bar (closed at the end).
        sinks: The run's sinks (``None`` entries allowed; closed at the end).
        secrets: Keys to redact from the message.
    """
    options = {"workers": workers, "recorder": recorder}
    try:
        with StopSignal() as stop, dspy.context(**run_settings()), funnel_cache():
            outcome = schedule(fresh, call, **options, retry=retry, stop=stop, max_failures=max_failures)
            if again and not outcome.stopped:
                # Failed in an earlier session: once more, last, outside max_failures, so
                # that repeated resumes always get further and end with everything accounted.
                before = tally.calls
                outcome = schedule(iter(again), call, **options, retry=ONCE, stop=stop, max_failures=None)
                tally.retried_earlier = tally.calls - before
    except WriteError as exc:
        outcome = Outcome(
            "aborted", f"{exc}; every file holds whole lines only: free space (or fix the cause) and resume"
        )
        logger.error("%s", outcome.message)
    finally:
        bar.close()
        for sink in sinks:
            if sink is not None:
                sink.close()
    outcome.message = safe_text(outcome.message, secrets)
    return outcome
