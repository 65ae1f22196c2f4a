"""Stage 2 on Ray: :func:`~embtaskgen.runs.example_runner.run_examples` with ``executor="ray"``.

The same run as the local one (plan, seed, resume rules, the
:class:`~embtaskgen.runs.example_recorder.ExampleRecorder`, failures file, summary),
with the calls made by a pool of Ray actors (:mod:`.ray_executor`) and the rows written
as shards into a folder (:mod:`.shard_output`): example rows as JSONL, or Parquet with
``format="parquet"``. Sentence-transformers records do not name their example, so a
folder of them could not be resumed safely: with Ray, write rows and convert them
(:func:`embtaskgen.to_sentence_transformers`).

Example:
    >>> gen = EmbeddingExampleGenerator(kinds="sts", count=1000, lm="openai/m", api_base="http://10.0.0.5:8000/v1")  # doctest: +SKIP
    >>> run_examples(gen, None, "pairs/", executor="ray", ray_workers=4)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted, check_int
from embtaskgen.examples.example_call import ExampleResult
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.lm.resolve import lm_concurrency
from embtaskgen.lm.spec import is_local_spec
from embtaskgen.runs.example_recorder import ExampleRecorder, ExampleTally
from embtaskgen.runs.example_resume import ExampleRunIdentity, ExistingExamples, read_examples_run
from embtaskgen.runs.example_summary import build_example_summary
from embtaskgen.runs.files import WriteError
from embtaskgen.runs.ray_callers import GeneratorCalls
from embtaskgen.runs.ray_executor import NoBar, RayPlan, drive_on_ray, ray_session
from embtaskgen.runs.recorder import safe_text
from embtaskgen.runs.session import ONCE
from embtaskgen.runs.shard_output import ShardFolder
from embtaskgen.runs.summary import RunSummary
from embtaskgen.runs.summary_file import keep_summary, secrets_of, write_summary
from embtaskgen.seeds import decide_seed

__all__ = ["run_examples_on_ray"]

logger = logging.getLogger(__name__)


def run_examples_on_ray(
    generator: Any,
    tasks: Any,
    output: str | os.PathLike[str],
    *,
    resume: bool = False,
    max_failures: int | None = None,
    progress: bool = True,
    cache: bool = False,
    retry: RetryPolicy | None = None,
    format: str = "jsonl",  # noqa: A002 - the CLI's name
    ray_address: str | None = None,
    ray_workers: int | None = None,
) -> RunSummary:
    """Write one example per planned call into a folder of shards, on Ray.

    Args: as :func:`~embtaskgen.runs.example_runner.run_examples`, with ``format``
    ``"jsonl"`` or ``"parquet"`` (shards of example rows), ``ray_address`` and
    ``ray_workers`` as :func:`embtaskgen.run`.

    Raises:
        ConfigError: Bad arguments or tasks, an earlier run without ``resume``, a Ray
            address nothing answers on (nothing written), ``format="sentence-transformers"``.
        ResumeError: ``resume`` of a folder made with other settings.
        RunAborted: ``max_failures`` reached, or a write failed.
        RunInterrupted: Ctrl-C.
    """
    if format not in ("jsonl", "parquet"):
        raise ConfigError(
            f"executor='ray' writes example rows as jsonl or parquet shards, got format={format!r}; convert "
            "the rows afterwards with embtaskgen.to_sentence_transformers"
        )
    check_int("max_failures", max_failures, optional=True)
    retry = RetryPolicy() if retry is None else retry
    plan = generator.plan(tasks)
    folder = ShardFolder(output, format)
    folder.check_path()
    expected = ExampleRunIdentity.of(generator, "jsonl")
    if resume and folder.path.is_dir():
        with folder.resume_view() as files:
            existing = read_examples_run(files, expected, plan)
    else:
        if not resume:
            folder.check_fresh()
        existing = ExistingExamples()
    seed = decide_seed(generator.settings.seed, existing.seed)
    identity = expected.model_copy(update={"seed": seed})
    keys = [(item.task_id, item.index) for item in plan]
    done = existing.done.intersection(keys)
    fresh = [(plan[n].kind, n) for n, key in enumerate(keys) if key not in done and key not in existing.failed_before]
    again = [(plan[n].kind, n) for n, key in enumerate(keys) if key not in done and key in existing.failed_before]
    planned, skipped = len(plan), len(done)
    tally = ExampleTally()
    if not fresh and not again:
        summary = build_example_summary(tally, identity, folder.files, planned, skipped, existing, 0.0, 0, "", "")
        keep_summary(folder.files, summary)
        return summary

    concurrency = lm_concurrency(generator.lm, generator.settings.concurrency)
    ray_plan = RayPlan.of(concurrency, ray_workers, embedded=is_local_spec(generator.settings.lm))
    factory = GeneratorCalls.of(generator, seed=seed, cache=cache, plan=plan)
    secrets = secrets_of(generator)
    started = time.perf_counter()
    with ray_session(ray_address, workers=ray_plan.workers, actor_cpus=ray_plan.actor_cpus) as ray:
        try:
            folder.open(truncate=not resume, header=identity.header(planned, rows_reset=existing.rows_reset))
        except WriteError as exc:
            raise ConfigError(f"{exc}; nothing was run") from exc
        recorder = ExampleRecorder(
            plan=plan,
            output=folder.rows,
            journal=folder.journal,
            failures=folder.failures,
            tally=tally,
            bar=NoBar(),
            model_name=generator.model_name,
            seed=seed,
            format_="jsonl",
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
                result_type=ExampleResult,
                commit=folder.commit,
                max_failures=max_failures,
                progress=progress,
            )
        finally:
            folder.close()
    outcome.message = safe_text(outcome.message, secrets)
    summary = build_example_summary(
        tally,
        identity,
        folder.files,
        planned,
        skipped,
        existing,
        time.perf_counter() - started,
        ray_plan.workers * ray_plan.threads,
        outcome.stopped,
        outcome.message,
    )
    write_summary(folder.files, summary)
    logger.info("examples run summary: %s", summary.to_json(indent=None))
    if outcome.stopped == "aborted":
        raise RunAborted(summary)
    if outcome.stopped == "interrupted":
        raise RunInterrupted(summary)
    return summary
