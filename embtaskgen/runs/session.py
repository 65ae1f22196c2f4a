"""The runner's local backend: one session's calls on worker threads in this process.

:func:`run_locally` binds the run's LM, opens the sinks (the journal with the session's
``run`` line first; or stdout) and schedules the fresh calls, then once more, last and
outside ``max_failures``, those that failed with an error in an earlier session. A write
that fails ends the session as ``aborted``; the bar and the sinks are closed whatever happens.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.pacing import Pacer
from embtaskgen.execute.scheduler import Job, Outcome, schedule
from embtaskgen.lm.untrusted import sanitize_text
from embtaskgen.runs.binding import bind_for_run, run_settings
from embtaskgen.runs.files import LineWriter, RunFiles, WriteError
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.recorder import Recorder
from embtaskgen.runs.summary import Tally
from embtaskgen.stage import Key, Stage

__all__ = ["ONCE", "Session", "run_locally"]

logger = logging.getLogger(__name__)

#: Calls that failed in an earlier session get one more call, no run-level retry.
ONCE = RetryPolicy(attempts=0)


@dataclass
class Session:
    """One session of a run, as both backends see it: the stage, its files, what was there, what to call."""

    stage: Stage
    identity: Any
    files: RunFiles | None
    planned: int
    skipped: int
    existing: Any
    tally: Tally
    secrets: list[str]
    fresh: Sequence[Key]  # never tried (or to call again), in plan order
    again: Sequence[Key]  # failed with an error in an earlier session: once more, last
    header: dict[str, Any] | None  # the journal's run line (None: written already)
    retry: RetryPolicy
    max_failures: int | None
    progress: bool
    resume: bool
    cost_cap: Any = None  # an embtaskgen.execute.budget.CostCap (max_cost), or None

    @property
    def max_cost(self) -> float | None:
        """The session's spending cap in USD (``None``: none)."""
        return None if self.cost_cap is None else self.cost_cap.cap

    max_rpm: float | None = None  # the user's rate limits (the server's are read from its answers)
    max_tpm: float | None = None

    def recorder(self, output: Any, journal: Any, failures: Any, bar: Any) -> Recorder:
        """The session's recorder over its sinks."""
        return Recorder(
            self.stage,
            output=output,
            journal=journal,
            failures=failures,
            tally=self.tally,
            bar=bar,
            seed=self.identity.seed,
            secrets=self.secrets,
        )


def run_locally(
    generator: Any,
    session: Session,
    *,
    lm: dspy.BaseLM | None = None,
    workers: int | None = None,
    settings: dict[str, Any] | None = None,
) -> tuple[Outcome, int]:
    """Make the session's calls on worker threads; why it ended and the calls in flight (ConfigError: none run).

    ``lm``, ``workers`` and ``settings`` (DSPy's, :func:`run_settings` by default) replace the
    generator's for this session: the batch backend replays a batch's answers through them.
    """
    tally = session.tally
    fresh, again = session.fresh, session.again
    todo = len(fresh) + len(again)
    threads: int = generator.workers(todo) if workers is None else workers
    lm = bind_for_run(generator.lm if lm is None else lm, on_cost=tally.add_cost)
    call_one = session.stage.caller(session.identity.seed, lm)

    def call(job: Job) -> Any:
        return call_one(job.category, job.generation)

    pacer = Pacer.for_lm(lm, threads, max_rpm=session.max_rpm, max_tpm=session.max_tpm)
    sinks = _open_sinks(session.files, session.resume, session.header)
    status = None if pacer is None else pacer.status
    bar = make_bar(session.planned, session.skipped, session.progress and todo > 1, status)  # more than one call
    options: dict[str, Any] = {"workers": threads, "recorder": session.recorder(*sinks, bar), "pacer": pacer}
    try:
        context = run_settings(generator.lm) if settings is None else settings
        with StopSignal(grace=generator.settings.timeout) as stop, dspy.context(**context):
            jobs = (Job(*key) for key in fresh)
            outcome = schedule(
                jobs,
                call,
                **options,
                retry=session.retry,
                stop=stop,
                max_failures=session.max_failures,
                cost_cap=session.cost_cap,
            )
            if again and not outcome.stopped:
                # Failed in an earlier session: once more, last, outside max_failures, so
                # that repeated resumes always get further and end with everything accounted.
                before = tally.calls
                jobs = (Job(*key) for key in again)
                outcome = schedule(
                    jobs, call, **options, retry=ONCE, stop=stop, max_failures=None, cost_cap=session.cost_cap
                )
                tally.retried_earlier = tally.calls - before
        if pacer is not None and pacer.rate_limited:
            logger.info("%d of %d answers were 429 (rate limited)", pacer.rate_limited, pacer.answers)
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
    return outcome, threads


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


def _open_sinks(files: RunFiles | None, resume: bool, header: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    if files is None:
        return _Stdout(), None, None
    opened: list[LineWriter] = []
    try:
        for path in (files.output, files.progress, files.failures):
            opened.append(LineWriter(path, truncate=not resume))
        if header is not None:  # None: the session's backend wrote it
            opened[1].write_records([header])
    except WriteError as exc:
        for sink in opened:
            sink.close()
        raise ConfigError(f"{exc}; nothing was run") from exc
    return opened[0], opened[1], opened[2]
