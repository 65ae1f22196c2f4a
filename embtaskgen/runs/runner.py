"""Large runs: stream rows to JSONL as calls finish, resume, survive faults, account.

:func:`run` is what ``embtaskgen generate`` calls. It takes an
:class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator` (categories, seed, prompt options
and model come from it) and makes ``num_generations`` calls per category, many at once
against a served model, one at a time on the embedded one.

Files (for ``output="tasks.jsonl"``):

* ``tasks.jsonl`` - rows of the successful generations, appended in plan order, one
  complete line at a time (one write per generation). Not flattened: one row per
  generation; flattened: one row per kept task. Every row carries ``category``,
  ``generation`` and ``seed``; the three identify the generation. Rows are in plan
  order (the scheduler hands outcomes on in plan order), so the copy of a duplicate
  task that is kept is the earliest generation's, at any concurrency.
* ``tasks.jsonl.progress.jsonl`` - the journal: the run's identity, then one line per
  generation with an outcome. Resume reads it (with the rows), since a flattened
  generation whose tasks were all duplicates leaves no row.
* ``tasks.jsonl.failures.jsonl`` - one line per failed generation: reason
  (``error`` with the exception type and message, or ``parse_failure`` with the raw
  answer), attempts, time.
* ``tasks.jsonl.summary.json`` - the :class:`~embtaskgen.runs.summary.RunSummary`,
  rewritten at the end of every session (complete, interrupted or aborted).

Existing output: without ``resume`` a non-empty output file is refused (ValueError);
nothing is overwritten. An output that is not a regular file or a new file in a
writable folder (``/dev/full``, a folder) is refused before anything is created. With
``resume`` the earlier run is read back (:mod:`embtaskgen.runs.resume`: the rows are
the truth, the journal the evidence for what rows cannot show; a torn last write is
cut off and called again) and checked: every setting that shapes the rows (seed,
categories, row shape, model, ``api_base``, prompts, ``num_tasks``, topic,
temperature, ``max_tokens``, ``no_repeat``, levers, ``keep_duplicates``) must match,
or :class:`~embtaskgen.errors.ResumeError` names the setting and both values. Only
the missing generations are called; a resumed run ends with exactly
``categories x num_generations`` generations, none twice. Parse failures are final
(the same seed gives the same answer). Generations that failed with an error in an
earlier session are tried once more at the end of the session, after the others, and
their failures do not count toward ``max_failures``: repeated resumes with
``max_failures`` always get further and end with every generation accounted. A resume
with nothing left to do writes nothing and leaves the summary file as it is (unless it
is missing or not a complete run's, then it is written with the file's totals).

Faults: DSPy's LM retries transient errors within each call; the run re-queues a
generation whose call still failed transiently (:class:`~embtaskgen.execute.faults.RetryPolicy`),
and records anything else in the failures file; no model error stops the run, except
``max_failures``. Ctrl-C finishes the calls in flight, writes them and stops (a second
Ctrl-C stops at once); the file never holds a partial line. A write that fails (disk
full, I/O error) stops the run with :class:`~embtaskgen.errors.RunAborted` naming the
file and the reason; every file keeps whole lines only.

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
import time
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted, check_int
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.scheduler import Job
from embtaskgen.lm.untrusted import sanitize_text
from embtaskgen.runs.binding import bind_for_run
from embtaskgen.runs.files import LineWriter, RunFiles, WriteError, check_output_paths
from embtaskgen.runs.journal import RunIdentity
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.recorder import Recorder
from embtaskgen.runs.resume import ExistingRun, check_fresh, read_existing
from embtaskgen.runs.session import drive_session
from embtaskgen.runs.summary import RunSummary, Tally, build_summary
from embtaskgen.runs.summary_file import keep_summary, secrets_of, write_summary
from embtaskgen.seeds import decide_seed

__all__ = ["EXECUTORS", "RetryPolicy", "RunAborted", "RunInterrupted", "RunSummary", "run"]

logger = logging.getLogger(__name__)

STDOUT = "-"

#: Where the calls run: worker threads in this process, or a pool of Ray Data actors.
EXECUTORS = ("local", "ray")


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
    executor: str = "local",
    ray_address: str | None = None,
    ray_workers: int | None = None,
    format: str = "jsonl",  # noqa: A002 - the CLI's name
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
            have failed in this session (those that had already failed in an earlier
            session and are tried again do not count); ``None`` never stops.
        progress: Show a progress bar on stderr.
        flatten: One row per task (default: the generator's ``flatten_tasks``).
        cache: Read and write DSPy's response cache (off: faster, less CPU per call;
            resume does not need it).
        retry: Extra attempts after transient errors, on top of DSPy's own retries.
        executor: ``"local"`` (worker threads in this process) or ``"ray"`` (a pool of
            Ray Data actors; ``output`` is then a folder of shards, see
            :mod:`embtaskgen.runs.ray_run`).
        ray_address: With ``executor="ray"``: ``None`` starts a local instance on
            loopback; ``"auto"``, ``"host:port"`` or ``"ray://host:port"`` joins a cluster.
        ray_workers: With ``executor="ray"``: actors in the pool (default 2); the
            concurrency is split over them.
        format: Shard format with ``executor="ray"``: ``"jsonl"`` or ``"parquet"``.

    Returns:
        The run summary (also written to ``<output>.summary.json``).

    Raises:
        ConfigError: Bad arguments, an output that is not a regular file or a new file
            in a writable folder, or an existing non-empty output without ``resume``
            (a ``ValueError``).
        ResumeError: ``resume`` of an output made with other settings (a ``ConfigError``).
        RunAborted: ``max_failures`` generations failed in this session, or a write
            failed (disk full); the files hold whole lines only.
        RunInterrupted: Ctrl-C (a ``KeyboardInterrupt``); the file is valid.

    Example:
        >>> gen = EmbeddingTaskGenerator("all", seed=7, lm="openai/gpt-4o-mini")  # doctest: +SKIP
        >>> summary = run(gen, "tasks.jsonl", num_generations=2500, concurrency=64)  # doctest: +SKIP
        >>> print(summary.to_json())  # doctest: +SKIP
    """
    generator = _with_overrides(generator, num_generations=num_generations, concurrency=concurrency, flatten=flatten)
    if executor not in EXECUTORS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if executor == "ray":
        from embtaskgen.runs.ray_run import run_on_ray

        return run_on_ray(
            generator,
            output,
            resume=resume,
            max_failures=max_failures,
            progress=progress,
            cache=cache,
            retry=retry,
            ray_address=ray_address,
            ray_workers=ray_workers,
            format=format,
        )
    if format != "jsonl" or ray_address is not None or ray_workers is not None:
        raise ConfigError("format='parquet', ray_address and ray_workers need executor='ray'")
    settings = generator.settings
    check_int("max_failures", max_failures, optional=True)
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        raise ConfigError(f"retry must be a RetryPolicy or None, got {type(retry).__name__}")
    to_stdout = output is None or str(output) == STDOUT
    if to_stdout and resume:
        raise ConfigError("resume needs an output file; rows written to stdout cannot be resumed")
    files = None if to_stdout else RunFiles.for_output(output)  # type: ignore[arg-type]
    if files is not None:
        check_output_paths(files)
    generations = settings.num_generations
    categories = list(settings.categories)
    planned = len(categories) * generations

    deduper = TaskDeduper.for_run(settings, generator)  # duplicates, precision gate, rejects
    expected = RunIdentity.of(generator)
    existing = _prepare_files(files, resume, expected, deduper, generations)
    seed = decide_seed(settings.seed, existing.seed)
    identity = expected.model_copy(update={"seed": seed})
    plan = [(category, generation) for category in categories for generation in range(generations)]
    done = existing.done.intersection(plan)
    again = [key for key in plan if key in existing.failed_before and key not in done]
    fresh = [key for key in plan if key not in done and key not in existing.failed_before]
    skipped = len(done)
    todo = len(fresh) + len(again)

    tally = Tally()
    common = {"identity": identity, "files": files, "planned": planned, "skipped": skipped, "existing": existing}
    if files is not None and todo == 0:
        summary = build_summary(tally, **common, seconds=0.0, workers=0, stopped="", message="")
        keep_summary(files, summary)
        return summary

    workers = generator.workers(todo)
    secrets = secrets_of(generator)
    run_lm = bind_for_run(generator.lm, cache=cache, on_cost=tally.add_cost)
    call_generation = generator.caller(seed, lm=run_lm)

    def call(job: Job) -> CallResult:
        return call_generation(job.category, job.generation)

    started = time.perf_counter()
    sinks = _open_sinks(files, resume, identity, generations, rows_reset=existing.rows_reset)
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
        flatten=settings.flatten,
        secrets=secrets,
    )
    outcome = drive_session(
        _jobs(fresh),
        list(_jobs(again)),
        call,
        recorder=recorder,
        tally=tally,
        workers=workers,
        retry=retry,
        max_failures=max_failures,
        bar=bar,
        sinks=sinks,
        secrets=secrets,
    )
    summary = build_summary(
        tally,
        **common,
        seconds=time.perf_counter() - started,
        workers=workers,
        stopped=outcome.stopped,
        message=outcome.message,
    )
    if files is not None:
        write_summary(files, summary)
    logger.info("run summary: %s", summary.to_json(indent=None))
    if outcome.stopped == "aborted":
        raise RunAborted(summary)
    if outcome.stopped == "interrupted":
        raise RunInterrupted(summary)
    return summary


def _prepare_files(
    files: RunFiles | None, resume: bool, expected: RunIdentity, deduper: TaskDeduper, generations: int
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
            "resuming %s: %d generations done, %d failed before, %d rows, %d tasks",
            files.output,
            len(existing.done),
            len(existing.failed_before),
            existing.rows,
            existing.tasks,
        )
    return existing


def _jobs(keys: Iterable[tuple[str, int]]) -> Iterator[Job]:
    for category, generation in keys:
        yield Job(category, generation)


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


def _open_sinks(
    files: RunFiles | None, resume: bool, identity: RunIdentity, generations: int, *, rows_reset: bool
) -> tuple[Any, Any, Any]:
    if files is None:
        return _Stdout(), None, None
    fresh = not resume
    opened: list[LineWriter] = []
    try:
        for path in (files.output, files.progress, files.failures):
            opened.append(LineWriter(path, truncate=fresh))
        opened[1].write_records([identity.header(generations, rows_reset=rows_reset)])
    except WriteError as exc:
        for sink in opened:
            sink.close()
        raise ConfigError(f"{exc}; nothing was run") from exc
    return opened[0], opened[1], opened[2]


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
