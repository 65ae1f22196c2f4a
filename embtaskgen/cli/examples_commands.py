"""``embtaskgen examples`` and ``embtaskgen pipeline``: stage 2 on the command line.

``examples`` writes training examples for the tasks of a task file
(``--tasks tasks.jsonl [--per-task K]``), and/or ``--count N`` examples of each
symmetric kind among ``--kinds`` (``sts``, ``bitext``; no task file needed).
``pipeline`` runs stage 1 (``generate``) into ``DIR/tasks.jsonl`` and then stage 2 on
those tasks into ``DIR/examples.jsonl``, each file with its sidecars and summary.

Both run through the same machinery as ``generate`` (:func:`embtaskgen.run` and
:func:`embtaskgen.runs.example_runner.run_examples`): streaming JSONL, ``--resume``
(refusing other settings), ``--max-failures``, a progress bar with ETA, a summary with
usage on stderr and next to the file, and ``generate``'s exit statuses (0 / 1 / 3 / 2 /
130; :func:`embtaskgen.cli.options.run_exit_status`). Bad arguments (an unknown kind,
a task file with missing fields, an empty task file, ``--count`` without a symmetric
kind) exit 2 naming the valid choices, and no output file is created.

Examples:
    $ embtaskgen examples --tasks tasks.jsonl --per-task 2 -o examples.jsonl
    $ embtaskgen examples --kinds sts,bitext --count 100 -o pairs.jsonl
    $ embtaskgen pipeline -c all -n 2 --per-task 2 -o out/
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.negative_mining import NEGATIVE_CHOICES, mine_examples, mining_embedder
from embtaskgen.cli.options import (
    API_BASE_OPTION,
    CATEGORY_CHOICES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    MODEL_HELP,
    check_output_dir,
    command_errors,
    install_redaction,
    run_exit_status,
    safe_text,
    usage_errors,
)
from embtaskgen.cli.ray_options import check_executor, ray_options
from embtaskgen.errors import ConfigError, RunAborted, RunInterrupted

__all__ = ["examples_command", "pipeline_command"]

logger = logging.getLogger(__name__)

_LANGUAGES = ("english", "paper")
_FORMATS = ("jsonl", "sentence-transformers", "parquet")
_SYMMETRIC = ("sts", "bitext")


def _run_options(function: Any) -> Any:
    """The options ``examples`` and ``pipeline`` share with ``generate``, and stage 2's own."""
    options = [
        click.option("-m", "--model", default=None, help=MODEL_HELP),
        API_BASE_OPTION,
        click.option(
            "--kinds",
            "kinds",
            multiple=True,
            metavar="KIND[,KIND...]",
            help="Example kinds (comma-separated, repeatable): text-retrieval, text-matching-short, "
            "text-matching-long, text-classification, sts, bitext, or all.",
        ),
        click.option(
            "--count",
            type=click.IntRange(min=1),
            default=None,
            help="Examples of each symmetric kind (sts, bitext) among --kinds.",
        ),
        click.option(
            "--per-task",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Examples (model calls) per task.",
        ),
        click.option(
            "--languages",
            type=click.Choice(_LANGUAGES),
            default="english",
            show_default=True,
            help="Languages of the examples: english, or the paper's XLM-R list and weighting.",
        ),
        click.option(
            "--format",
            "format_",
            type=click.Choice(_FORMATS),
            default="jsonl",
            show_default=True,
            help="Examples file: example rows, or sentence-transformers anchor/positive/negative; "
            "with --executor ray: jsonl or parquet shards of example rows.",
        ),
        click.option(
            "--seed", type=click.IntRange(min=0), default=None, help="Run seed (drawn and recorded when absent)."
        ),
        click.option("--temperature", type=click.FloatRange(0, 2), default=1.0, show_default=True),
        click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Completion budget per call."),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1),
            default=None,
            help="Calls in flight (default 8; the embedded model runs one at a time).",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="Continue the run that wrote the output; every setting that shapes the rows must match.",
        ),
        click.option(
            "--max-failures", type=click.IntRange(min=1), default=None, help="Stop a run after this many failed calls."
        ),
        click.option("--cache/--no-cache", default=True, show_default=True, help="Use DSPy's response cache."),
        click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr."),
        click.option(
            "--mine-negatives",
            is_flag=True,
            help="After the run, mine a hard negative per retrieval / matching example among the other "
            "examples' positives (all-MiniLM-L6-v2, the semantic extra) and record mined_negative.",
        ),
        click.option(
            "--mine-top-k",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="--mine-negatives: candidates looked at per example.",
        ),
        click.option(
            "--mine-margin",
            type=click.FloatRange(0, 1, min_open=True),
            default=0.95,
            show_default=True,
            help="--mine-negatives: drop candidates scoring above this share of the positive's score.",
        ),
        click.option(
            "--negative",
            type=click.Choice(NEGATIVE_CHOICES),
            default="written",
            show_default=True,
            help="--format sentence-transformers: the negative column, written by the model or mined "
            "(needs --mine-negatives).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return ray_options(function)


def _split_kinds(kinds: tuple[str, ...]) -> list[str]:
    return [part.strip() for item in kinds for part in item.split(",") if part.strip()]


def _example_generator(
    kinds: list[str],
    *,
    count: int | None,
    per_task: int,
    has_tasks: bool,
    model: str | None,
    api_base: str | tuple[str, ...] | None,
    seed: int | None,
    temperature: float,
    max_tokens: int | None,
    concurrency: int | None,
    languages: str,
) -> Any:
    """The generator of a stage-2 run; bad arguments are usage errors (exit 2)."""
    from embtaskgen.examples.example_generator import EmbeddingExampleGenerator
    from embtaskgen.examples.kinds import resolve_kinds

    try:
        chosen = resolve_kinds(kinds or "all")
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--kinds") from exc
    symmetric = [kind for kind in chosen if kind in _SYMMETRIC]
    if count is not None and not symmetric:
        raise click.BadParameter(
            f"--count writes examples of the symmetric kinds; add {' or '.join(_SYMMETRIC)} to --kinds "
            f"(valid kinds: {', '.join(resolve_kinds('all'))})",
            param_hint="--count",
        )
    named = [kind for kind in kinds if kind in _SYMMETRIC]
    if count is None and named:
        raise click.BadParameter(
            f"--kinds {','.join(symmetric)} needs --count N (examples of each)", param_hint="--count"
        )
    if not has_tasks and not symmetric:
        raise click.UsageError(
            "nothing to write: pass --tasks FILE (task rows from 'embtaskgen generate'), "
            f"or --kinds {','.join(_SYMMETRIC)} with --count N"
        )
    generator = EmbeddingExampleGenerator(
        kinds=chosen,
        examples_per_task=per_task,
        count=count or 0,
        seed=seed,
        lm=model,
        temperature=temperature,
        max_tokens=max_tokens,
        concurrency=concurrency,
        api_base=api_base,
        languages=languages,
    )
    _ = generator.lm  # resolve the model now: a bad --model is a usage error
    return generator


def _footprint(output: Path) -> tuple[tuple[int, int] | None, ...]:
    from embtaskgen.runs.files import RunFiles

    files = RunFiles.for_output(output)
    stats: list[tuple[int, int] | None] = []
    for path in (files.output, files.progress, files.failures, files.summary):
        try:
            stat = path.stat()
        except OSError:
            stats.append(None)
        else:
            stats.append((stat.st_size, stat.st_mtime_ns))
    return tuple(stats)


def _echo_summary(summary: Any, what: str) -> None:
    click.echo(
        f"{what}: calls={summary.calls} rows={summary.rows} parse_failures={summary.parse_failures} "
        + (f"invalid={summary.invalid} " if summary.invalid else "")
        + f"errors={summary.errors} seconds={summary.seconds:.1f} seed={summary.seed}"
        + (f" output={summary.output}" if summary.output else ""),
        err=True,
    )
    click.echo(safe_text(summary.to_json(indent=None)), err=True)


def _failure_line(summary: Any, status: int, what: str) -> str:
    kinds = ", ".join(f"{name} x{count}" for name, count in sorted(summary.errors_by_type.items()))
    where = (
        f"see {Path(summary.output) / '_failures.jsonl'}"
        if Path(summary.output or "").is_dir()
        else f"see {summary.output}.failures.jsonl"
    )
    made = summary.ok + summary.failed
    if status == 3:
        return f"Error: all {made} {what} failed ({kinds}); {where}"
    return f"Warning: {summary.failed} of {made} {what} failed ({kinds}); {where}"


def _report(runner: Any, output: Path, what: str, name: str) -> tuple[Any, int]:
    """Run ``runner()``; map its end to (summary, exit status); exit at once on 2 and 130."""
    before = _footprint(output)
    try:
        with command_errors(name), usage_errors():
            summary = runner()
    except click.UsageError as exc:
        if _footprint(output) != before:
            raise click.ClickException(exc.message) from exc
        raise
    except RunAborted as exc:
        _echo_summary(exc.summary, what)
        click.echo(f"Error: {safe_text(str(exc))}", err=True)
        return exc.summary, run_exit_status(exc.summary)
    except RunInterrupted as exc:
        _echo_summary(exc.summary, what)
        click.echo("interrupted: the file is valid; continue with --resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    _echo_summary(summary, what)
    status = run_exit_status(summary)
    if status != EXIT_OK:
        click.echo(_failure_line(summary, status, what), err=True)
    return summary, status


def _ray_kwargs(
    executor: str, ray_address: str | None, ray_workers: int | None, mine_negatives: bool
) -> dict[str, Any]:
    """The run's Ray arguments (none for the local executor)."""
    if executor != "ray":
        return {}
    if mine_negatives:
        raise click.BadParameter(
            "--mine-negatives reads one examples file; it does not run with --executor ray",
            param_hint="--mine-negatives",
        )
    return {"executor": "ray", "ray_address": ray_address, "ray_workers": ray_workers}


@click.command("examples")
@click.option(
    "--tasks",
    "tasks",
    type=click.Path(path_type=Path),
    default=None,
    help="JSONL file of task rows (from 'embtaskgen generate'), either shape, or a folder of shards.",
)
@click.option(
    "--program",
    default="none",
    show_default=True,
    help="Example prompts: 'none' (the signatures) or a program .json from 'embtaskgen optimize --stage examples'.",
)
@_run_options
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="JSONL file to write.")
def examples_command(
    tasks: Path | None,
    program: str,
    model: str | None,
    api_base: str | tuple[str, ...] | None,
    kinds: tuple[str, ...],
    count: int | None,
    per_task: int,
    languages: str,
    format_: str,
    seed: int | None,
    temperature: float,
    max_tokens: int | None,
    concurrency: int | None,
    resume: bool,
    max_failures: int | None,
    cache: bool,
    progress: bool,
    mine_negatives: bool,
    mine_top_k: int,
    mine_margin: float,
    negative: str,
    executor: str,
    ray_address: str | None,
    ray_workers: int | None,
    output: Path,
) -> None:
    """Write training examples for the tasks of a file, and/or symmetric STS and bitext examples."""
    if str(output) == "-":
        raise click.BadParameter(
            "examples go to a file (its sidecars make --resume possible), not stdout", param_hint="--output"
        )
    check_executor(executor, ray_address, ray_workers, output, parquet=format_ == "parquet")
    ray_kwargs = _ray_kwargs(executor, ray_address, ray_workers, mine_negatives)
    if executor == "local":
        check_output_dir(output)
    with command_errors("examples"), usage_errors():
        generator = _example_generator(
            _split_kinds(kinds),
            count=count,
            per_task=per_task,
            has_tasks=tasks is not None,
            model=model,
            api_base=api_base,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            concurrency=concurrency,
            languages=languages,
        )
        generator.plan(tasks)  # bad or empty task file: exit 2 before any file exists
        from embtaskgen.tune.example_program_files import resolve_example_program

        logger.info("example program: %s", resolve_example_program(generator, program) or "untuned signatures")
    embedder = mining_embedder(mine_negatives, negative, format_, generator.settings.kinds)
    from embtaskgen.runs.example_runner import run_examples

    install_redaction()
    _, status = _report(
        lambda: run_examples(
            generator,
            tasks,
            output,
            resume=resume,
            max_failures=max_failures,
            progress=progress,
            cache=cache,
            format=format_,
            **ray_kwargs,
        ),  # type: ignore[arg-type]
        output,
        "examples",
        "examples",
    )
    if mine_negatives:
        mine_examples(output, embedder, format_=format_, negative=negative, top_k=mine_top_k, margin=mine_margin)
    if status != EXIT_OK:
        sys.exit(status)


@click.command("pipeline")
@click.option(
    "-c",
    "--category",
    "category",
    multiple=True,
    type=click.Choice(CATEGORY_CHOICES),
    default=("all",),
    show_default=True,
    help="Task category (repeatable), or 'all'.",
)
@click.option(
    "-n",
    "--num-generations",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Stage 1: model calls per category.",
)
@click.option(
    "--num-tasks", type=click.IntRange(min=1), default=20, show_default=True, help="Stage 1: tasks asked for per call."
)
@click.option(
    "--program",
    default="default",
    show_default=True,
    help="Stage 1 prompts: 'default', 'none' or a program .json file (see 'generate').",
)
@click.option(
    "--examples-program",
    default="none",
    show_default=True,
    help="Stage 2 prompts: 'none' (the signatures) or a program .json from 'embtaskgen optimize --stage examples'.",
)
@_run_options
@click.option(
    "--dedup",
    is_flag=True,
    help="Remove near-duplicate tasks before stage 2 (MinHash LSH, as 'embtaskgen dedup' "
    "does): DIR/tasks.dedup.jsonl and its report; stage 2 reads it.",
)
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write tasks.jsonl and examples.jsonl into (created when missing).",
)
def pipeline_command(
    category: tuple[str, ...],
    num_generations: int,
    num_tasks: int,
    program: str,
    examples_program: str,
    model: str | None,
    api_base: str | tuple[str, ...] | None,
    kinds: tuple[str, ...],
    count: int | None,
    per_task: int,
    languages: str,
    format_: str,
    seed: int | None,
    temperature: float,
    max_tokens: int | None,
    concurrency: int | None,
    resume: bool,
    max_failures: int | None,
    cache: bool,
    progress: bool,
    mine_negatives: bool,
    mine_top_k: int,
    mine_margin: float,
    negative: str,
    executor: str,
    ray_address: str | None,
    ray_workers: int | None,
    dedup: bool,
    output_dir: Path,
) -> None:
    """Brainstorm tasks (DIR/tasks.jsonl), then write examples for them (DIR/examples.jsonl)."""
    from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
    from embtaskgen.settings import GenerationSettings
    from embtaskgen.signatures.categories import resolve_categories
    from embtaskgen.tune.program_files import resolve_program

    if output_dir.exists() and not output_dir.is_dir():
        raise click.BadParameter(f"{str(output_dir)!r} is not a directory", param_hint="--output")
    if not output_dir.parent.is_dir():
        raise click.BadParameter(f"directory {str(output_dir.parent)!r} does not exist", param_hint="--output")
    tasks_file, examples_file = output_dir / "tasks.jsonl", output_dir / "examples.jsonl"
    check_executor(executor, ray_address, ray_workers, output_dir, parquet=format_ == "parquet")
    ray_kwargs = _ray_kwargs(executor, ray_address, ray_workers, mine_negatives)
    if ray_kwargs:  # folders of shards: DIR/tasks/ and DIR/examples/
        tasks_file, examples_file = output_dir / "tasks", output_dir / "examples"
    categories = list(category)
    with command_errors("pipeline"), usage_errors():
        # The task categories of stage 1, and the symmetric kinds only when asked for.
        example_kinds = [*resolve_categories(categories), *_split_kinds(kinds)]
        settings = GenerationSettings.build(
            categories,
            num_generations=num_generations,
            seed=seed,
            lm=model,
            num_tasks=num_tasks,
            temperature=temperature,
            max_tokens=max_tokens,
            concurrency=concurrency,
            api_base=api_base,
        )
        task_generator = EmbeddingTaskGenerator(settings=settings)
        _ = task_generator.lm
        generator = _example_generator(
            example_kinds,
            count=count,
            per_task=per_task,
            has_tasks=True,
            model=model,
            api_base=api_base,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            concurrency=concurrency,
            languages=languages,
        )
        if not resume and ray_kwargs:
            from embtaskgen.runs.shard_output import ShardFolder

            ShardFolder(tasks_file).check_fresh()
            ShardFolder(examples_file).check_fresh()
        elif not resume:
            from embtaskgen.runs.example_resume import check_fresh_examples
            from embtaskgen.runs.files import RunFiles
            from embtaskgen.runs.resume import check_fresh

            check_fresh(RunFiles.for_output(tasks_file))
            check_fresh_examples(RunFiles.for_output(examples_file))
        loaded = resolve_program(task_generator, program)
        from embtaskgen.tune.example_program_files import resolve_example_program

        examples_loaded = resolve_example_program(generator, examples_program)  # a bad file: exit 2 now
    embedder = mining_embedder(mine_negatives, negative, format_, generator.settings.kinds)
    logger.info(
        "program: %s; example program: %s", loaded or "untuned signatures", examples_loaded or "untuned signatures"
    )
    from embtaskgen.runs.example_runner import run_examples
    from embtaskgen.runs.runner import run

    install_redaction()
    created = not output_dir.exists()
    output_dir.mkdir(exist_ok=True)
    try:
        first, status = _report(
            lambda: run(
                task_generator,
                tasks_file,
                resume=resume,
                max_failures=max_failures,
                progress=progress,
                cache=cache,
                **({**ray_kwargs, "format": "parquet" if format_ == "parquet" else "jsonl"} if ray_kwargs else {}),
            ),
            tasks_file,
            "tasks",
            "pipeline",
        )
    except click.UsageError:
        if created:
            output_dir.rmdir()
        raise
    if first.status == "aborted" or first.total_rows == 0:
        click.echo(
            "Error: stage 1 wrote no tasks; stage 2 was not run"
            if first.total_rows == 0
            else "Error: stage 1 was stopped; stage 2 was not run (resume to finish)",
            err=True,
        )
        sys.exit(status or 1)
    if dedup:  # stage 2 reads DIR/tasks.dedup.jsonl
        from embtaskgen.cli.dedup_command import dedup_stage

        tasks_file = dedup_stage(tasks_file, output_dir)
    if seed is None:  # stage 2 continues with the seed stage 1 drew (or resumed with)
        fixed = (
            generator.settings.copy_with(seed=first.seed)
            if ray_kwargs  # workers build the LM
            else generator.settings.copy_with(seed=first.seed, lm=generator.lm, api_base=None)
        )
        generator = generator.__class__(settings=fixed)
        resolve_example_program(generator, examples_program)
    _, second = _report(
        lambda: run_examples(
            generator,
            tasks_file,
            examples_file,
            resume=resume,
            max_failures=max_failures,
            progress=progress,
            cache=cache,
            format=format_,
            **ray_kwargs,
        ),  # type: ignore[arg-type]
        examples_file,
        "examples",
        "pipeline",
    )
    if mine_negatives:
        mine_examples(examples_file, embedder, format_=format_, negative=negative, top_k=mine_top_k, margin=mine_margin)
    worst = max(status, second, key=lambda s: (0, 1, 3).index(s) if s in (0, 1, 3) else 3)
    if worst != EXIT_OK:
        sys.exit(worst)
