"""The runner's local backend: one session's calls on worker threads in this process.

:func:`run_locally` binds the run's LM (:func:`~embtaskgen.runs.binding.bind_for_run`),
opens the sinks (the output, the journal with the session's ``run`` line first, the
failures file; or stdout), and drives the scheduler the same way for both stages: the
fresh calls (retries, ``max_failures``, Ctrl-C), then the calls that failed with an
error in an earlier session once more, last, outside ``max_failures``; a write that
fails ends the session as ``aborted``; the bar and the sinks are closed whatever
happens, and the message is redacted.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.response_cache import funnel_cache
from embtaskgen.execute.scheduler import Job, Outcome, schedule
from embtaskgen.lm.untrusted import sanitize_text
from embtaskgen.runs.binding import bind_for_run, run_settings
from embtaskgen.runs.files import LineWriter, RunFiles, WriteError
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.recorder import safe_text
from embtaskgen.stage import Key

__all__ = ["ONCE", "run_locally"]

logger = logging.getLogger(__name__)

#: Calls that failed in an earlier session get one more call, no run-level retry.
ONCE = RetryPolicy(attempts=0)


def run_locally(
    generator: Any,
    session: Any,
    fresh: Sequence[Key],
    again: Sequence[Key],
    header: dict[str, Any],
    *,
    retry: RetryPolicy,
    max_failures: int | None,
    progress: bool,
    cache: bool,
    resume: bool,
) -> tuple[Outcome, int, float]:
    """Make the session's calls on worker threads; why it ended, the calls in flight, the seconds.

    Args:
        generator: The run's generator (its LM, ``workers``).
        session: The run's session (stage, identity, files, counters, recorder).
        fresh: Calls never tried (or to call again), in plan order.
        again: Calls that failed with an error in an earlier session.
        header: The journal's ``run`` line of this session.
        retry: The run's policy for transient errors.
        max_failures: Stop once this many calls failed in this session (``None``: never).
        progress: A progress bar on stderr.
        cache: Use DSPy's response cache.
        resume: Append to the files (else they are truncated).

    Raises:
        ConfigError: A file cannot be opened (nothing was run).
    """
    tally = session.tally
    todo = len(fresh) + len(again)
    workers = generator.workers(todo)
    call_one = session.stage.caller(
        session.identity.seed, bind_for_run(generator.lm, cache=cache, on_cost=tally.add_cost)
    )

    def call(job: Job) -> Any:
        return call_one(job.category, job.generation)

    started = time.perf_counter()
    sinks = _open_sinks(session.files, resume, header)
    bar = make_bar(session.planned, session.skipped, progress and todo > 1)  # a bar only for more than one call
    options = {"workers": workers, "recorder": session.recorder(*sinks, bar)}
    try:
        with StopSignal() as stop, dspy.context(**run_settings()), funnel_cache():
            jobs = (Job(*key) for key in fresh)
            outcome = schedule(jobs, call, **options, retry=retry, stop=stop, max_failures=max_failures)
            if again and not outcome.stopped:
                # Failed in an earlier session: once more, last, outside max_failures, so
                # that repeated resumes always get further and end with everything accounted.
                before = tally.calls
                jobs = (Job(*key) for key in again)
                outcome = schedule(jobs, call, **options, retry=ONCE, stop=stop, max_failures=None)
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
    outcome.message = safe_text(outcome.message, session.secrets)
    return outcome, workers, time.perf_counter() - started


class _Stdout:
    """Rows to stdout, a whole generation per write."""

    def write_lines(self, lines: list[str]) -> None:
        if lines:
            text = "\n".join(lines) + "\n"
            try:
                try:
                    sys.stdout.write(text)
                except UnicodeEncodeError:  # lone surrogates
                    sys.stdout.write(sanitize_text(text))
                sys.stdout.flush()
            except OSError as exc:  # a closed pipe
                raise WriteError("<stdout>", exc) from exc

    def close(self) -> None:
        try:
            sys.stdout.flush()
        except OSError:
            pass


def _open_sinks(files: RunFiles | None, resume: bool, header: dict[str, Any]) -> tuple[Any, Any, Any]:
    if files is None:
        return _Stdout(), None, None
    opened: list[LineWriter] = []
    try:
        for path in (files.output, files.progress, files.failures):
            opened.append(LineWriter(path, truncate=not resume))
        opened[1].write_records([header])
    except WriteError as exc:
        for sink in opened:
            sink.close()
        raise ConfigError(f"{exc}; nothing was run") from exc
    return opened[0], opened[1], opened[2]
