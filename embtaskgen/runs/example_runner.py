"""Large runs of stage 2: stream example rows to JSONL as calls finish, resume, account.

:func:`run_examples` is what ``embtaskgen examples`` (and the second half of
``embtaskgen pipeline``) calls. It takes an
:class:`~embtaskgen.examples.example_generator.EmbeddingExampleGenerator` and the tasks,
plans the examples (``EmbeddingExampleGenerator.plan``: ``examples_per_task`` per task,
``count`` per symmetric kind) and makes one call per planned example through the same
parts as stage 1's :func:`embtaskgen.run`: the scheduler and its retry policy, the
per-run LM binding, Ctrl-C handling, whole-line appends (:mod:`.files`), the progress
bar and the :class:`~embtaskgen.runs.summary.RunSummary` (with ``categories`` holding
the kinds, ``tasks`` the examples written, and the invalid examples counted per reason
in ``dropped``; ``parse_failures`` counts both unparsed answers and invalid examples,
which are final too).

Files (for ``output="examples.jsonl"``): the rows (or, with
``format="sentence-transformers"``, the ``anchor``/``positive``/``negative`` records),
``.progress.jsonl`` (a ``run`` line with ``"stage": "examples"`` and every setting that
shapes the rows, then one ``example`` line per finished example: ``task_id``,
``example_index``, ``status`` ``ok`` / ``parse_failure`` / ``invalid`` / ``error``),
``.failures.jsonl`` (one line per example without a row, with the raw text; for an
invalid example its outputs as JSON and the reasons) and ``.summary.json``.

Resume: the settings (seed, kinds, examples per task, count, model, ``api_base``,
prompts, temperature, ``max_tokens``, ``no_repeat``, languages, ``max_num_words``,
format) must match, or :class:`~embtaskgen.errors.ResumeError` names the setting and
both values. JSONL rows are the truth: a row names its job (``task_id``,
``example_index``) and must be of this run (seed, model, a planned task with the same
text). Sentence-transformers records do not name their job: the journal's ``ok``
lines do, in the order of the records, and records no ``ok`` line confirms (a write
cut short) are cut off. Parse failures and invalid examples are final; errors are
tried once more, last, outside ``max_failures``.

Example:
    >>> import dspy, tempfile, pathlib
    >>> from embtaskgen.examples.example_generator import EmbeddingExampleGenerator
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "A cat sleeps."}] * 2)
    >>> gen = EmbeddingExampleGenerator(kinds="sts", count=2, seed=1, lm=lm)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "pairs.jsonl"
    >>> summary = run_examples(gen, None, out, progress=False)
    >>> summary.ok, summary.rows, summary.status
    (2, 2, 'complete')
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Literal

from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted, check_int
from embtaskgen.examples.example_call import ExampleResult
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.scheduler import Job
from embtaskgen.runs.binding import bind_for_run
from embtaskgen.runs.example_recorder import ExampleRecorder, ExampleTally
from embtaskgen.runs.example_resume import ExampleRunIdentity, ExistingExamples, check_fresh_examples, read_examples_run
from embtaskgen.runs.example_summary import build_example_summary
from embtaskgen.runs.files import LineWriter, RunFiles, WriteError, check_output_paths
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.session import drive_session
from embtaskgen.runs.summary import RunSummary
from embtaskgen.runs.summary_file import keep_summary, secrets_of, write_summary
from embtaskgen.seeds import decide_seed

__all__ = ["EXAMPLE_FORMATS", "ExampleRunIdentity", "run_examples"]

logger = logging.getLogger(__name__)

#: What the output file holds: example rows, or sentence-transformers records.
EXAMPLE_FORMATS = ("jsonl", "sentence-transformers")
Format = Literal["jsonl", "sentence-transformers", "parquet"]

#: Examples that failed with an error in an earlier session get one more call, no run-level retry.
_ONCE = RetryPolicy(attempts=0)


def run_examples(
    generator: Any,
    tasks: Any,
    output: str | os.PathLike[str],
    *,
    resume: bool = False,
    max_failures: int | None = None,
    progress: bool = True,
    cache: bool = False,
    retry: RetryPolicy | None = None,
    format: Format = "jsonl",  # noqa: A002 - the CLI's name
    executor: str = "local",
    ray_address: str | None = None,
    ray_workers: int | None = None,
) -> RunSummary:
    """Write one example per planned call to ``output``, streaming, resumable.

    Args:
        generator: An ``EmbeddingExampleGenerator`` (kinds, counts, seed, model).
        tasks: The tasks (a JSONL path, rows, pairs, ...; ``None``: symmetric kinds only).
        output: The JSONL file.
        resume: Continue the run that wrote ``output``.
        max_failures: Stop once this many examples failed in this session.
        progress: Progress bar on stderr.
        cache: Use DSPy's response cache.
        retry: Extra attempts after transient errors.
        format: ``"jsonl"`` (example rows) or ``"sentence-transformers"`` (records);
            with ``executor="ray"``: ``"jsonl"`` or ``"parquet"`` shards of example rows.
        executor: ``"local"`` or ``"ray"`` (``output`` is then a folder of shards; see
            :mod:`embtaskgen.runs.ray_example_run`).
        ray_address: With ``executor="ray"``: as :func:`embtaskgen.run`.
        ray_workers: With ``executor="ray"``: actors in the pool (default 2).

    Raises:
        ConfigError: Bad arguments or tasks, an output that exists without ``resume``.
        ResumeError: ``resume`` of a file made with other settings.
        RunAborted: ``max_failures`` reached, or a write failed.
        RunInterrupted: Ctrl-C.
    """
    if executor == "ray":
        from embtaskgen.runs.ray_example_run import run_examples_on_ray

        return run_examples_on_ray(
            generator,
            tasks,
            output,
            resume=resume,
            max_failures=max_failures,
            progress=progress,
            cache=cache,
            retry=retry,
            format=format,
            ray_address=ray_address,
            ray_workers=ray_workers,
        )
    if executor != "local":
        raise ConfigError(f"executor must be one of local, ray, got {executor!r}")
    if ray_address is not None or ray_workers is not None:
        raise ConfigError("ray_address and ray_workers need executor='ray'")
    if format not in EXAMPLE_FORMATS:
        raise ConfigError(f"format must be one of {', '.join(EXAMPLE_FORMATS)}, got {format!r}")
    check_int("max_failures", max_failures, optional=True)
    retry = RetryPolicy() if retry is None else retry
    plan = generator.plan(tasks)
    files = RunFiles.for_output(output)
    check_output_paths(files)
    expected = ExampleRunIdentity.of(generator, format)
    if resume:
        existing = read_examples_run(files, expected, plan)
    else:
        check_fresh_examples(files)
        existing = ExistingExamples()
    seed = decide_seed(generator.settings.seed, existing.seed)
    identity = expected.model_copy(update={"seed": seed})
    keys = [(item.task_id, item.index) for item in plan]
    done = existing.done.intersection(keys)
    fresh = [n for n, key in enumerate(keys) if key not in done and key not in existing.failed_before]
    again = [n for n, key in enumerate(keys) if key not in done and key in existing.failed_before]
    planned, skipped = len(plan), len(done)
    tally = ExampleTally()
    todo = len(fresh) + len(again)
    if todo == 0:
        summary = build_example_summary(tally, identity, files, planned, skipped, existing, 0.0, 0, "", "")
        keep_summary(files, summary)
        return summary

    workers = generator.workers(todo)
    secrets = secrets_of(generator)
    run_lm = bind_for_run(generator.lm, cache=cache, on_cost=tally.add_cost)
    call_example = generator.caller(plan, seed, lm=run_lm)

    def call(job: Job) -> ExampleResult:
        return call_example(job.category, job.generation)

    started = time.perf_counter()
    opened: list[LineWriter] = []
    try:
        for path in (files.output, files.progress, files.failures):
            opened.append(LineWriter(path, truncate=not resume))
        opened[1].write_records([identity.header(planned, rows_reset=existing.rows_reset)])
    except WriteError as exc:
        for sink in opened:
            sink.close()
        raise ConfigError(f"{exc}; nothing was run") from exc
    bar = make_bar(planned, skipped, progress and todo > 1)
    recorder = ExampleRecorder(
        plan=plan,
        output=opened[0],
        journal=opened[1],
        failures=opened[2],
        tally=tally,
        bar=bar,
        model_name=generator.model_name,
        seed=seed,
        format_=format,
        secrets=secrets,
    )
    outcome = drive_session(
        (Job(plan[n].kind, n) for n in fresh),
        [Job(plan[n].kind, n) for n in again],
        call,
        recorder=recorder,
        tally=tally,
        workers=workers,
        retry=retry,
        max_failures=max_failures,
        bar=bar,
        sinks=opened,
        secrets=secrets,
    )
    summary = build_example_summary(
        tally,
        identity,
        files,
        planned,
        skipped,
        existing,
        time.perf_counter() - started,
        workers,
        outcome.stopped,
        outcome.message,
    )
    write_summary(files, summary)
    logger.info("examples run summary: %s", summary.to_json(indent=None))
    if outcome.stopped == "aborted":
        raise RunAborted(summary)
    if outcome.stopped == "interrupted":
        raise RunInterrupted(summary)
    return summary
