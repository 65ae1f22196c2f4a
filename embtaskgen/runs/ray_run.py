"""Stage 1 on Ray: :func:`embtaskgen.run` with ``executor="ray"``, into a folder of shards.

The same run as the local runner's (:mod:`embtaskgen.runs.runner`): the same settings
check, seed, plan, resume rules, recorder, failures file and summary, with two
differences. The calls are made by a pool of Ray actors (:mod:`.ray_executor`), and the
output is a folder (:mod:`.shard_output`): ``part-*.jsonl`` (or ``.parquet``) shards,
``_progress.jsonl``, ``_failures.jsonl`` and ``_summary.json``. Rows are recorded on the
driver in plan order, so the same seed gives the same rows with any number of workers,
and the same rows as the local runner, which records in plan order too.

The avoid archive (``avoid_archive > 0``) makes each call depend on the calls that
finished before it and is refused here.

Example:
    >>> gen = EmbeddingTaskGenerator("all", seed=7, lm="openai/m", api_base="http://10.0.0.5:8000/v1")  # doctest: +SKIP
    >>> run(gen, "out/", executor="ray", ray_workers=4)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted, check_int
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.lm.resolve import lm_concurrency
from embtaskgen.lm.spec import is_local_spec
from embtaskgen.runs.files import WriteError
from embtaskgen.runs.journal import RunIdentity
from embtaskgen.runs.ray_callers import GeneratorCalls
from embtaskgen.runs.ray_executor import NoBar, RayPlan, drive_on_ray, ray_session
from embtaskgen.runs.recorder import Recorder, safe_text
from embtaskgen.runs.resume import ExistingRun, read_existing
from embtaskgen.runs.session import ONCE
from embtaskgen.runs.shard_output import ShardFolder
from embtaskgen.runs.summary import RunSummary, Tally, build_summary
from embtaskgen.runs.summary_file import keep_summary, secrets_of, write_summary
from embtaskgen.seeds import decide_seed

__all__ = ["run_on_ray"]

logger = logging.getLogger(__name__)


def run_on_ray(
    generator: Any,
    output: str | os.PathLike[str],
    *,
    resume: bool = False,
    max_failures: int | None = None,
    progress: bool = True,
    cache: bool = False,
    retry: RetryPolicy | None = None,
    ray_address: str | None = None,
    ray_workers: int | None = None,
    format: str = "jsonl",  # noqa: A002 - the CLI's name
) -> RunSummary:
    """Make ``num_generations`` calls per category on Ray; rows to a folder of shards.

    Args: as :func:`embtaskgen.run`, plus ``ray_address`` (``None``: a local instance
    on loopback; ``"auto"``, ``"host:port"``, ``"ray://host:port"``), ``ray_workers``
    (actors, default 2; ``concurrency`` calls in flight are split over them) and
    ``format`` (``"jsonl"`` or ``"parquet"`` shards).

    Raises:
        ConfigError: Bad arguments, an output that is not a folder, an earlier run
            without ``resume``, the avoid archive, a Ray address nothing answers on
            (nothing is written then).
        ResumeError: ``resume`` of a folder made with other settings.
        RunAborted: ``max_failures`` reached, or a write failed.
        RunInterrupted: Ctrl-C.
    """
    settings = generator.settings
    check_int("max_failures", max_failures, optional=True)
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        raise ConfigError(f"retry must be a RetryPolicy or None, got {type(retry).__name__}")
    if settings.sequential:
        raise ConfigError(
            "executor='ray' cannot run the avoid archive (each call depends on the calls before it): "
            "use avoid_archive=0 (--avoid-archive 0) or executor='local'"
        )
    if output is None or str(output) == "-":
        raise ConfigError("executor='ray' writes a folder of shards; give an output folder, not stdout")
    folder = ShardFolder(output, format)
    folder.check_path()
    generations = settings.num_generations
    categories = list(settings.categories)
    planned = len(categories) * generations
    deduper = TaskDeduper.for_run(settings, generator)  # duplicates, precision gate, rejects
    expected = RunIdentity.of(generator)
    existing = _existing(folder, resume, expected, deduper, generations)
    seed = decide_seed(settings.seed, existing.seed)
    identity = expected.model_copy(update={"seed": seed})
    plan = [(category, generation) for category in categories for generation in range(generations)]
    done = existing.done.intersection(plan)
    again = [key for key in plan if key in existing.failed_before and key not in done]
    fresh = [key for key in plan if key not in done and key not in existing.failed_before]
    tally = Tally()
    common = {
        "identity": identity,
        "files": folder.files,
        "planned": planned,
        "skipped": len(done),
        "existing": existing,
    }
    if not fresh and not again:
        summary = build_summary(tally, **common, seconds=0.0, workers=0, stopped="", message="")
        keep_summary(folder.files, summary)
        return summary

    concurrency = lm_concurrency(generator.lm, settings.concurrency)
    embedded = is_local_spec(settings.lm)
    ray_plan = RayPlan.of(concurrency, ray_workers, embedded=embedded)
    factory = GeneratorCalls.of(generator, seed=seed, cache=cache)
    secrets = secrets_of(generator)
    started = time.perf_counter()
    with ray_session(ray_address, workers=ray_plan.workers, actor_cpus=ray_plan.actor_cpus) as ray:
        try:
            folder.open(truncate=not resume, header=identity.header(generations, rows_reset=existing.rows_reset))
        except WriteError as exc:
            raise ConfigError(f"{exc}; nothing was run") from exc
        recorder = Recorder(
            output=folder.rows,
            journal=folder.journal,
            failures=folder.failures,
            deduper=deduper,
            tally=tally,
            bar=NoBar(),
            model_name=generator.model_name,
            seed=seed,
            num_tasks=settings.num_tasks,
            flatten=settings.flatten,
            secrets=secrets,
        )
        try:
            outcome = drive_on_ray(
                ray,
                [(fresh, retry, True), (again, ONCE, False)],
                factory,
                seed=seed,
                plan=ray_plan,
                recorder=recorder,
                tally=tally,
                result_type=CallResult,
                commit=folder.commit,
                max_failures=max_failures,
                progress=progress,
            )
        finally:
            folder.close()
    outcome.message = safe_text(outcome.message, secrets)
    summary = build_summary(
        tally,
        **common,
        seconds=time.perf_counter() - started,
        workers=ray_plan.workers * ray_plan.threads,
        stopped=outcome.stopped,
        message=outcome.message,
    )
    write_summary(folder.files, summary)
    logger.info("run summary: %s", summary.to_json(indent=None))
    if outcome.stopped == "aborted":
        raise RunAborted(summary)
    if outcome.stopped == "interrupted":
        raise RunInterrupted(summary)
    return summary


def _existing(
    folder: ShardFolder, resume: bool, expected: RunIdentity, deduper: TaskDeduper, generations: int
) -> ExistingRun:
    if not resume:
        folder.check_fresh()
        return ExistingRun()
    if not folder.path.is_dir():
        return ExistingRun()
    with folder.resume_view() as files:
        existing = read_existing(files, expected=expected, deduper=deduper)
    beyond = sorted((g, c) for c, g in existing.done if g >= generations)
    if beyond:
        generation, category = beyond[-1]
        raise ConfigError(
            f"cannot resume {folder.path}: num_generations: the folder holds generation {generation} "
            f"of {category}, more than num_generations={generations} allows"
        )
    return existing
