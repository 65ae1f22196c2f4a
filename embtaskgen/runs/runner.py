"""Large runs: stream rows to JSONL as calls finish, resume, survive faults, account.

:func:`run` is what ``embtaskgen generate`` calls. It takes an
:class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator` (categories, seed, prompt options
and model come from it) and makes ``num_generations`` calls per category, many at once
against a served model, one at a time on the embedded one.

Files (for ``output="tasks.jsonl"``):

* ``tasks.jsonl`` - rows of the successful generations, appended as they finish, one
  complete line at a time (one write per generation). Not flattened: one row per
  generation; flattened: one row per kept task. Every row carries ``category``,
  ``generation`` and ``seed``; the three identify the generation. Rows are in
  finishing order; which copy of a duplicate task is kept depends on that order.
* ``tasks.jsonl.progress.jsonl`` - the journal: the run's identity, then one line per
  generation with an outcome. Resume reads it (with the rows), since a flattened
  generation whose tasks were all duplicates leaves no row.
* ``tasks.jsonl.failures.jsonl`` - one line per failed generation: reason
  (``error`` with the exception type and message, or ``parse_failure`` with the raw
  answer), attempts, time.
* ``tasks.jsonl.summary.json`` - the :class:`~embtaskgen.runs.summary.RunSummary`,
  rewritten at the end of every session (complete, interrupted or aborted).

Existing output: without ``resume`` a non-empty output file is refused (ValueError);
nothing is overwritten. With ``resume`` the earlier run's rows and journal are read,
checked (same seed, categories and row shape, or ValueError naming the mismatch), and
only the missing generations are called; a resumed run ends with exactly
``categories x num_generations`` generations, none twice. Generations that failed with
an error are tried again; parse failures are final (the same seed gives the same
answer).

Faults: DSPy's LM retries transient errors within each call; the run re-queues a
generation whose call still failed transiently (:class:`~embtaskgen.execute.faults.RetryPolicy`),
and records anything else in the failures file; no model error stops the run, except
``max_failures``. Ctrl-C finishes the calls in flight, writes them and stops (a second
Ctrl-C stops at once); the file never holds a partial line.

Example:
    >>> import dspy, tempfile, pathlib
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> lm = dspy.utils.DummyLM([{"tasks": '["Retrieve news articles for a query."]'}] * 2)
    >>> gen = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=1, lm=lm)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tasks.jsonl"
    >>> summary = run(gen, out, progress=False)
    >>> summary.ok, summary.tasks, summary.duplicates, summary.status
    (2, 1, 1, 'complete')
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import dspy

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
from embtaskgen.runs.binding import bind_for_run, run_settings
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.runs.files import LineWriter, RunFiles, write_json_atomic
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.runs.journal import RunIdentity
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.recorder import Recorder
from embtaskgen.runs.resume import ExistingRun, check_fresh, read_existing
from embtaskgen.execute.scheduler import Job, schedule
from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted, check_int
from embtaskgen.runs.summary import RunSummary, Tally
from embtaskgen.settings import decide_seed

__all__ = ["RetryPolicy", "RunAborted", "RunInterrupted", "RunSummary", "run"]

logger = logging.getLogger(__name__)

STDOUT = "-"


def run(
    generator: EmbeddingTaskGenerator,
    output: str | os.PathLike[str] | None,
    num_generations: int | None = None,
    concurrency: int | None = None,
    resume: bool = False,
    max_failures: int | None = None,
    progress: bool = True,
    flatten: bool | None = None,
    *,
    cache: bool = False,
    retry: RetryPolicy | None = None,
) -> RunSummary:
    """Make ``num_generations`` calls per category and stream the rows to ``output``.

    Args:
        generator: Categories, seed, prompt options and model of the run. With
            ``seed=None`` a seed is drawn and recorded (a resume reuses the file's).
        output: JSONL file to append to; ``None`` or ``"-"`` writes rows to stdout
            (no sidecar files, no resume).
        num_generations: Calls per category (default: the generator's).
        concurrency: Calls in flight (default: the generator's, else 8); an engine that
            declares ``max_concurrency`` (the embedded model: 1) caps it.
        resume: Continue the run that wrote ``output``; without it a non-empty
            ``output`` is refused.
        max_failures: Stop (raising :class:`RunAborted`) once this many generations
            have failed in this session; ``None`` never stops.
        progress: Show a progress bar on stderr.
        flatten: One row per task (default: the generator's ``flatten_tasks``).
        cache: Read and write DSPy's response cache (off: faster, and memory stays
            flat; resume does not need it).
        retry: Extra attempts after transient errors, on top of DSPy's own retries.

    Returns:
        The run summary (also written to ``<output>.summary.json``).

    Raises:
        ValueError: Bad arguments, an existing non-empty output without ``resume``, or
            an output made by a different run (seed, categories, flatten).
        RunAborted: ``max_failures`` generations failed; the file is valid.
        RunInterrupted: Ctrl-C (a ``KeyboardInterrupt``); the file is valid.

    Example:
        >>> gen = EmbeddingTaskGenerator("all", seed=7, lm="openai/gpt-4o-mini")  # doctest: +SKIP
        >>> summary = run(gen, "tasks.jsonl", num_generations=2500, concurrency=64)  # doctest: +SKIP
        >>> print(summary.to_json())  # doctest: +SKIP
    """
    generator = _with_overrides(generator, num_generations=num_generations, concurrency=concurrency, flatten=flatten)
    settings = generator.settings
    check_int("max_failures", max_failures, optional=True)
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        raise ConfigError(f"retry must be a RetryPolicy or None, got {type(retry).__name__}")
    to_stdout = output is None or str(output) == STDOUT
    if to_stdout and resume:
        raise ConfigError("resume needs an output file; rows written to stdout cannot be resumed")
    files = None if to_stdout else RunFiles.for_output(output)  # type: ignore[arg-type]
    if files is not None and not files.output.parent.exists():
        raise ConfigError(f"the directory of {files.output} does not exist")
    flat = settings.flatten
    generations = settings.num_generations
    categories = list(settings.categories)
    planned = len(categories) * generations

    deduper = TaskDeduper(keep_duplicates=settings.keep_duplicates)
    expected = RunIdentity(
        seed=settings.seed,
        categories=categories,
        flatten=flat,
        num_tasks=settings.num_tasks,
        topic=settings.topic,
        model_name=generator.model_name,
        keep_duplicates=settings.keep_duplicates,
    )
    existing = _prepare_files(files, resume, expected, deduper, generations)
    seed = decide_seed(settings.seed, existing.seed)
    identity = expected.model_copy(update={"seed": seed})
    skipped = len(existing.done)
    todo = planned - skipped
    workers = generator.workers(todo)

    tally = Tally()
    run_lm = bind_for_run(generator.lm, cache=cache, on_cost=tally.add_cost)
    call_generation = generator.caller(seed, lm=run_lm)

    def call(job: Job) -> CallResult:
        return call_generation(job.category, job.generation)

    jobs = _jobs(categories, generations, existing.done)
    started = time.perf_counter()
    sinks = _open_sinks(files, resume, identity, generations)
    bar = make_bar(planned, skipped, progress and todo > 1)  # a bar only for more than one call
    recorder = Recorder(
        output=sinks[0],
        journal=sinks[1],
        failures=sinks[2],
        deduper=deduper,
        tally=tally,
        bar=bar,
        model_name=generator.model_name,
        seed=seed,
        num_tasks=settings.num_tasks,
        flatten=flat,
    )
    try:
        with StopSignal() as stop, dspy.context(**run_settings()):
            outcome = schedule(
                jobs, call, workers=workers, recorder=recorder, retry=retry, stop=stop, max_failures=max_failures
            )
    finally:
        bar.close()
        for sink in sinks:
            if sink is not None:
                sink.close()
    summary = _summary(
        tally,
        identity=identity,
        files=files,
        planned=planned,
        skipped=skipped,
        seconds=time.perf_counter() - started,
        workers=workers,
        stopped=outcome.stopped,
        message=outcome.message,
    )
    if files is not None:
        write_json_atomic(files.summary, summary.to_json())
    logger.info("run summary: %s", summary.to_json(indent=None))
    if outcome.stopped == "aborted":
        raise RunAborted(summary)
    if outcome.stopped == "interrupted":
        raise RunInterrupted(summary)
    return summary



def _prepare_files(
    files: RunFiles | None,
    resume: bool,
    expected: RunIdentity,
    deduper: TaskDeduper,
    generations: int,
) -> ExistingRun:
    if files is None:
        return ExistingRun()
    if not resume:
        check_fresh(files)
        return ExistingRun()
    existing = read_existing(files, expected=expected, deduper=deduper)
    beyond = sorted((g, c) for c, g in existing.done if g >= generations)
    if beyond:
        generation, category = beyond[-1]
        raise ConfigError(
            f"cannot resume {files.output}: num_generations: the file holds generation {generation} "
            f"of {category}, more than num_generations={generations} allows"
        )
    if not existing.empty:
        logger.info(
            "resuming %s: %d generations done, %d rows, %d tasks",
            files.output, len(existing.done), existing.rows, existing.tasks,
        )
    return existing


def _jobs(categories: list[str], generations: int, done: set[tuple[str, int]]) -> Iterator[Job]:
    for category in categories:
        for generation in range(generations):
            if (category, generation) not in done:
                yield Job(category, generation)


class _Stdout:
    """Rows to stdout, a whole generation per write."""

    def write_lines(self, lines: list[str]) -> None:
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()

    def close(self) -> None:
        sys.stdout.flush()


def _open_sinks(
    files: RunFiles | None, resume: bool, identity: RunIdentity, generations: int
) -> tuple[Any, Any, Any]:
    if files is None:
        return _Stdout(), None, None
    fresh = not resume
    output = LineWriter(files.output, truncate=fresh)
    journal = LineWriter(files.progress, truncate=fresh)
    failures = LineWriter(files.failures, truncate=fresh)
    journal.write_records([identity.header(generations)])
    return output, journal, failures


def _summary(
    tally: Tally,
    *,
    identity: RunIdentity,
    files: RunFiles | None,
    planned: int,
    skipped: int,
    seconds: float,
    workers: int,
    stopped: str,
    message: str,
) -> RunSummary:
    remaining = planned - skipped - tally.ok - tally.parse_failures
    if stopped:
        status = stopped
    elif remaining:
        status = "partial"
        message = f"{remaining} generations failed with errors; resume to try them again"
    else:
        status = "complete"
    return RunSummary(
        status=status,
        message=message,
        output=str(files.output) if files is not None else None,
        seed=identity.seed,
        categories=identity.categories,
        flatten=identity.flatten,
        model_name=identity.model_name,
        planned=planned,
        skipped=skipped,
        calls=tally.calls,
        ok=tally.ok,
        failed=tally.failed,
        errors=tally.errors,
        parse_failures=tally.parse_failures,
        retried=tally.retried,
        remaining=remaining,
        tasks=tally.kept,
        returned=tally.returned,
        duplicates=tally.dropped["duplicate_exact"] + tally.dropped["duplicate_normalised"],
        dropped={key: value for key, value in tally.dropped.items() if value},
        rows=tally.lines,
        usage=tally.usage(),
        cost=tally.cost(),
        seconds=round(seconds, 3),
        calls_per_second=round(tally.calls / seconds, 3) if seconds > 0 else 0.0,
        concurrency=workers,
        errors_by_type=dict(tally.errors_by_type),
    )


def _with_overrides(generator: EmbeddingTaskGenerator, **overrides: Any) -> EmbeddingTaskGenerator:
    """Deprecated ``run(..., num_generations=, concurrency=, flatten=)``: a generator with them set."""
    given = {name: value for name, value in overrides.items() if value is not None}
    if not isinstance(generator, EmbeddingTaskGenerator):
        raise ConfigError(f"generator must be an EmbeddingTaskGenerator, got {type(generator).__name__}")
    if not given:
        return generator
    warnings.warn(
        f"run({', '.join(f'{k}=' for k in given)}) is deprecated: set it on the generator "
        "(EmbeddingTaskGenerator(..., num_generations=, concurrency=, flatten_tasks=))",
        DeprecationWarning,
        stacklevel=3,
    )
    if "flatten" in given:
        given["flatten"] = bool(given["flatten"])
    return generator.with_settings(generator.settings.replace(**given))
