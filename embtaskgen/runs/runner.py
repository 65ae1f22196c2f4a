"""Large runs of either stage: stream rows to JSONL as calls finish, resume, survive faults, account.

:func:`run` runs a generator's :class:`~embtaskgen.stage.Stage` on worker threads, a
pool of Ray Data actors (:mod:`embtaskgen.runs.ray`) or as one provider batch
(:mod:`embtaskgen.runs.batch`). Next to ``tasks.jsonl`` (one whole
write per call, in plan order) it keeps the journal (``.progress.jsonl``), the failures
(``.failures.jsonl``) and the summary (``.summary.json``). A resume reads the earlier
run back (:mod:`embtaskgen.runs.resume`) and makes only the missing calls, those that
failed with an error last and outside ``max_failures``. Ctrl-C writes the calls in
flight; a failed write raises :class:`~embtaskgen.errors.RunAborted`; every file keeps
whole lines only.

Example:
    >>> import dspy, tempfile, pathlib
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> lm = dspy.utils.DummyLM([{"tasks": '["Retrieve news articles for a query."]'}] * 2)
    >>> gen = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=1, lm=lm)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tasks.jsonl"
    >>> summary = run(gen, out, progress=False)
    >>> summary.ok, summary.tasks, summary.duplicates, summary.status
    (2, 1, 1, 'complete')"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import warnings
from typing import Any

from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted, check_int
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.pacing import check_limit
from embtaskgen.execute.scheduler import Outcome
from embtaskgen.lm.untrusted import held_secrets
from embtaskgen.runs.batch.backend import check_batchable, run_in_batch
from embtaskgen.runs.batch.mode import BatchMode
from embtaskgen.runs.files import RunFiles, check_output_paths
from embtaskgen.runs.output_lock import hold_output
from embtaskgen.runs.recorder import safe_text
from embtaskgen.runs.resume import ExistingRun
from embtaskgen.runs.session import Session, run_locally
from embtaskgen.runs.summary import RunSummary, Tally, build_summary
from embtaskgen.runs.summary_file import keep_summary, secrets_of, write_summary
from embtaskgen.seeds import decide_seed
from embtaskgen.stage import Stage

__all__ = ["EXECUTORS", "BatchMode", "RetryPolicy", "RunAborted", "RunInterrupted", "RunSummary", "run", "run_examples"]

logger = logging.getLogger(__name__)

STDOUT = "-"

#: Where the calls run: worker threads in this process, or a pool of Ray Data actors.
EXECUTORS = ("local", "ray")


def run(
    generator: Any,
    output: str | os.PathLike[str] | None,
    num_generations: int | None = None,
    concurrency: int | None = None,
    resume: bool = False,
    max_failures: int | None = None,
    progress: bool = True,
    flatten: bool | None = None,
    *,
    tasks: Any = None,
    cache: bool = False,
    retry: RetryPolicy | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    ray_workers: int | None = None,
    format: str = "jsonl",  # noqa: A002 - the CLI's name
    wait_lock: bool = False,
    max_cost: float | None = None,
    dry_run: bool = False,
    sample: int | None = None,
    batch: bool | BatchMode = False,
    max_rpm: float | None = None,
    max_tpm: float | None = None,
) -> Any:
    """Make the calls of ``generator``'s stage and stream the rows to ``output``.

    Args:
        generator: An ``EmbeddingTaskGenerator`` (categories, seed, prompt options and
            model of the run) or an ``EmbeddingExampleGenerator`` (kinds, counts, seed,
            model). With ``seed=None`` a seed is drawn and recorded (a resume reuses
            the file's).
        output: JSONL file to append to (a folder of shards with ``executor="ray"``);
            stage 1: ``None`` or ``"-"`` writes rows to stdout (no sidecar files, no resume).
        num_generations: Deprecated (stage 1): calls per category (default: the generator's).
        concurrency: Deprecated (stage 1): calls in flight (default: the generator's,
            else 8); an engine that declares ``max_concurrency`` (the embedded model: 1) caps it.
        resume: Continue the run that wrote ``output``; without it a non-empty
            ``output`` is refused.
        max_failures: Stop (raising :class:`RunAborted`) once this many calls have
            failed in this session (those that had already failed in an earlier
            session and are tried again do not count); ``None`` never stops.
        progress: Show a progress bar on stderr.
        flatten: Deprecated (stage 1): one row per task (default: the generator's ``flatten_tasks``).
        tasks: Stage 2: the tasks (a JSONL path, rows, pairs, ...; ``None``: symmetric kinds only).
        cache: Deprecated and ignored: a run never uses DSPy's response cache (``resume``
            continues a run; the journal is its record).
        retry: Extra attempts after transient errors, on top of DSPy's own retries.
        executor: ``"local"`` (worker threads in this process) or ``"ray"`` (a pool of
            Ray Data actors; ``output`` is then a folder of shards, see :mod:`embtaskgen.runs.ray`).
        ray_address: With ``executor="ray"``: ``None`` starts a local instance on
            loopback; ``"auto"``, ``"host:port"`` or ``"ray://host:port"`` joins a cluster.
        ray_workers: With ``executor="ray"``: actors in the pool (default 2); the
            concurrency is split over them.
        format: ``"jsonl"``; stage 2 locally also ``"sentence-transformers"``
            (anchor/positive/negative records); with ``executor="ray"`` ``"jsonl"`` or
            ``"parquet"`` shards of rows.
        wait_lock: Another run writing ``output`` holds its lock: wait for it to end
            (then resume or refuse as usual) instead of raising :class:`OutputLocked`.
        max_cost: Stop (raising :class:`RunAborted`, like ``max_failures``) before the run's
            spending could pass this many USD: a call starts only while the cost so far plus
            the bound of every call in flight stays within it (prices: LiteLLM's cost map,
            :mod:`embtaskgen.lm.pricing`; a model it does not price is a ``ConfigError``).
        dry_run: Send nothing and write nothing: render every planned prompt as the run
            would, count and price it, and return a
            :class:`~embtaskgen.runs.cost_estimate.CostEstimate` (:mod:`embtaskgen.runs.dry_run`).
        sample: With ``dry_run``: make this many planned calls for real (nothing written)
            to estimate the completion tokens.
        batch: ``True``: make the calls as one batch of the provider's batch API (a served
            model; the batch id is recorded in the journal and a ``resume`` collects it,
            never submitting it again); a :class:`~embtaskgen.runs.batch.mode.BatchMode`
            sets the poll interval or the file route (write the requests file and stop:
            status ``pending``; or read an output file's answers). See :mod:`embtaskgen.runs.batch`.
        max_rpm: Requests per minute the run keeps under (``None``: the server's limit, read
            from its ``x-ratelimit-*`` headers, if it sends them); see :mod:`embtaskgen.execute.pacing`.
        max_tpm: Tokens per minute the run keeps under (each call's estimated before it is
            sent: characters of its messages / 4 + ``max_tokens``).

    Returns:
        The run summary (also written to ``<output>.summary.json``); with ``dry_run``, the estimate.

    Raises:
        ConfigError: Bad arguments or tasks, an output that is not a regular file or a
            new file in a writable folder, an existing non-empty output without
            ``resume`` (a ``ValueError``), a Ray address nothing answers on.
        ResumeError: ``resume`` of an output made with other settings (a ``ConfigError``).
        OutputLocked: Another run (its process named) is writing ``output`` (a ``ConfigError``).
        RunAborted: ``max_failures`` calls failed in this session, the next call could pass
            ``max_cost``, or a write failed (disk full); the files hold whole lines only.
        RunInterrupted: Ctrl-C (a ``KeyboardInterrupt``); the file is valid.

    Example:
        >>> gen = EmbeddingTaskGenerator("all", seed=7, lm="openai/gpt-4o-mini", num_generations=2500)  # doctest: +SKIP
        >>> summary = run(gen, "tasks.jsonl")  # doctest: +SKIP
        >>> print(summary.to_json())  # doctest: +SKIP
    """
    generator = _with_overrides(generator, num_generations=num_generations, concurrency=concurrency, flatten=flatten)
    if cache:
        message = "run(cache=True) is deprecated and ignored: runs do not use DSPy's cache (resume continues a run)"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
    if executor not in EXECUTORS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    examples = not hasattr(generator, "flatten_tasks")
    if executor == "local" and (
        ray_address is not None or ray_workers is not None or (format != "jsonl" and not examples)
    ):
        raise ConfigError(
            ("" if examples else "format='parquet', ") + "ray_address and ray_workers need executor='ray'"
        )
    stage: Stage = generator.stage(tasks, format=format) if examples else generator.stage(format=format)
    stage.check(executor)
    mode = BatchMode.of(batch)
    check_int("max_failures", max_failures, optional=True)
    max_rpm, max_tpm = check_limit("max_rpm", max_rpm), check_limit("max_tpm", max_tpm)
    check_int("sample", sample, optional=True)
    if sample is not None and not dry_run:
        raise ConfigError("sample applies to a dry run (dry_run=True)")
    if dry_run:
        if resume or executor != "local":
            raise ConfigError("a dry run estimates a whole new run: drop resume and executor='ray'")
        from embtaskgen.runs.dry_run import dry_run as estimate

        return estimate(generator, stage, decide_seed(generator.settings.seed, None), sample)
    if max_cost is not None and executor != "local":
        raise ConfigError("max_cost runs on the local executor; drop executor='ray' or max_cost")
    if mode is not None and (max_rpm is not None or max_tpm is not None):
        raise ConfigError("max_rpm and max_tpm pace online calls; a batch is sent as one file: drop them or batch")
    if max_cost is not None and mode is not None:
        raise ConfigError(
            "max_cost stops an online run before its spending passes the cap, and a batch is paid for as a "
            "whole: drop batch or max_cost (dry_run=True prices the run online and in a batch)"
        )
    if executor == "ray" and (max_rpm is not None or max_tpm is not None):
        raise ConfigError("max_rpm and max_tpm pace the calls of executor='local'; Ray's actors are not paced yet")
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        raise ConfigError(f"retry must be a RetryPolicy or None, got {type(retry).__name__}")
    to_stdout = not examples and (output is None or str(output) == STDOUT)
    folder = None
    if executor == "ray":
        if output is None or str(output) == STDOUT:
            raise ConfigError("executor='ray' writes a folder of shards; give an output folder, not stdout")
        from embtaskgen.runs.ray.shard_output import ShardFolder

        folder = ShardFolder(output, format)
        folder.check_path()
        files: RunFiles | None = folder.files
    elif to_stdout:
        if resume:
            raise ConfigError("resume needs an output file; rows written to stdout cannot be resumed")
        files = None
    else:
        files = RunFiles.for_output(output)  # type: ignore[arg-type]
        check_output_paths(files)
    if mode is not None:
        check_batchable(generator, mode, executor=executor, to_stdout=files is None)
    with contextlib.nullcontext() if files is None else hold_output(files.progress, files.output, wait=wait_lock):
        existing = _existing(stage, files, folder, resume)
        if mode is not None and mode.results is not None and generator.settings.seed is None and existing.seed is None:
            raise ConfigError(
                "batch results are answers to requests rendered with one seed: resume the run that wrote "
                "the requests (resume=True, --resume; its journal holds the seed), or give that seed"
            )
        if existing.batch is not None and (mode is None or not mode.api):
            raise ConfigError(
                f"the journal records batch {existing.batch.get('id')}, submitted and not yet collected: "
                "resume with batch=True (--batch) to collect it"
            )
        seed = decide_seed(generator.settings.seed, existing.seed)
        identity = stage.identity.model_copy(update={"seed": seed})
        plan = stage.plan()
        done = existing.done.intersection(stage.names(key) for key in plan)
        fresh = [key for key in plan if stage.names(key) not in done and stage.names(key) not in existing.failed_before]
        again = [key for key in plan if stage.names(key) not in done and stage.names(key) in existing.failed_before]
        header = stage.header(identity, len(plan), rows_reset=existing.rows_reset)
        counts = (len(plan), len(done), existing, Tally(batch=mode is not None), secrets_of(generator))
        _refuse_secrets(stage, counts[-1])
        options = (retry, max_failures, progress, resume)
        cap = _cost_cap(generator, stage, seed, max_cost, [*fresh, *again][:1], counts[3])
        limits = {"cost_cap": cap, "max_rpm": max_rpm, "max_tpm": max_tpm}
        session = Session(stage, identity, files, *counts, fresh, again, header, *options, **limits)
        if files is not None and not fresh and not again:
            summary = build_summary(session, 0.0, 0, Outcome())
            keep_summary(files, summary)
            return summary
        started = time.perf_counter()
        if folder is not None:
            from embtaskgen.runs.ray.backend import run_on_ray

            outcome, workers = run_on_ray(generator, session, folder, ray_address=ray_address, ray_workers=ray_workers)
        elif mode is not None:
            outcome, workers = run_in_batch(generator, session, mode)
        else:
            outcome, workers = run_locally(generator, session)
        outcome.message = safe_text(outcome.message, session.secrets)
        summary = build_summary(session, time.perf_counter() - started, workers, outcome)
        if files is not None:
            write_summary(files, summary)
        logger.info("%srun summary: %s", "examples " if examples else "", summary.to_json(indent=None))
        if outcome.stopped == "aborted":
            raise RunAborted(summary)
        if outcome.stopped == "interrupted":
            raise RunInterrupted(summary)
    return summary


def run_examples(generator: Any, tasks: Any, output: str | os.PathLike[str], **options: Any) -> RunSummary:
    """Deprecated: ``run(generator, output, tasks=tasks, ...)``."""
    warnings.warn(
        "run_examples(generator, tasks, output, ...) is deprecated: use run(generator, output, tasks=tasks, ...)",
        DeprecationWarning,
        stacklevel=2,
    )
    return run(generator, output, tasks=tasks, **options)


def _existing(stage: Stage, files: RunFiles | None, folder: Any, resume: bool) -> ExistingRun:
    """What an earlier run of the output left (nothing without ``resume``, after refusing to overwrite it)."""
    if files is None:
        return ExistingRun()
    if not resume:
        if folder is not None:
            folder.check_fresh()
        else:
            stage.check_fresh(files)
        return ExistingRun()
    if folder is not None:
        if not folder.path.is_dir():
            return ExistingRun()
        return stage.read_existing(folder.resume_files())
    existing = stage.read_existing(files)
    if not existing.empty:
        logger.info(
            "resuming %s: %d %s done, %d failed before, %d rows, %d tasks",
            files.output,
            len(existing.done),
            stage.unit,
            len(existing.failed_before),
            existing.rows,
            existing.tasks,
        )
    return existing


def _cost_cap(generator: Any, stage: Stage, seed: int, max_cost: float | None, first: list[Any], tally: Tally) -> Any:
    """The run's :class:`~embtaskgen.execute.budget.CostCap` (``None`` without ``max_cost`` or calls to make)."""
    if max_cost is None:
        return None
    from embtaskgen.execute.budget import CostCap
    from embtaskgen.runs.dry_run import call_cost_bound

    def spent() -> float | None:
        return tally.cost(wait=True)

    CostCap(max_cost, spent=spent, call_bound=lambda: 0.0)  # a bad max_cost before any rendering
    if not first:
        return None
    bound = call_cost_bound(generator, stage, seed, first[0], lambda: tally.largest_prompt)
    return CostCap(max_cost, spent=spent, call_bound=bound)


def _refuse_secrets(stage: Stage, secrets: list[str]) -> None:
    """A topic or task holding a key the run holds is a ``ConfigError``: rows and the journal would store it."""
    held = held_secrets(secrets)
    for what, text in stage.inputs():
        if any(secret in text for secret in held):
            raise ConfigError(
                f"{what} holds the API key or a secret of the environment (*_API_KEY, *_TOKEN, *_SECRET, "
                "*_PASSWORD); remove it: a run would send it to the model and store it in rows and journal"
            )


def _with_overrides(generator: Any, **overrides: Any) -> Any:
    """Deprecated ``run(..., num_generations=, concurrency=, flatten=)``: a generator with them set."""
    given = {name: value for name, value in overrides.items() if value is not None}
    if not hasattr(generator, "stage") or not hasattr(generator, "settings"):
        raise ConfigError(
            "generator must be an EmbeddingTaskGenerator or an EmbeddingExampleGenerator, "
            f"got {type(generator).__name__}"
        )
    if not given:
        return generator
    if not hasattr(generator, "flatten_tasks"):
        raise ConfigError(f"{', '.join(given)}: only for an EmbeddingTaskGenerator; set it on the generator")
    warnings.warn(
        f"run({', '.join(f'{k}=' for k in given)}) is deprecated: set it on the generator "
        "(EmbeddingTaskGenerator(..., num_generations=, concurrency=, flatten_tasks=))",
        DeprecationWarning,
        stacklevel=3,
    )
    if "flatten" in given:
        given["flatten"] = bool(given["flatten"])
    return generator.with_settings(generator.settings.replace(**given))
