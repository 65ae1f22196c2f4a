"""``embtaskgen examples`` and ``embtaskgen pipeline``: stage 2 on the command line.

Both run through the same runner as ``generate`` (:func:`embtaskgen.run`), with its
``--resume``, summary and exit statuses; bad arguments (an unknown kind, a bad or empty
task file, ``--count`` without a symmetric kind) exit 2 and create no file.

Examples:
    $ embtaskgen examples --tasks tasks.jsonl --per-task 2 -o examples.jsonl
    $ embtaskgen examples --kinds sts,bitext --count 100 -o pairs.jsonl
    $ embtaskgen pipeline -c all -n 2 --per-task 2 -o out/
    $ embtaskgen pipeline -c all -n 2 --model openai/gpt-4o-mini --batch -o out/
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.batch_options import batch_options
from embtaskgen.cli.card_command import hub_options, publish
from embtaskgen.cli.examples_options import RunArgs, example_generator, split_kinds, stage_2_options
from embtaskgen.cli.options import (
    EXIT_OK,
    category_option,
    check_output_dir,
    command_errors,
    count_option,
    output_option,
    program_option,
)
from embtaskgen.cli.run_report import report_estimate, report_run
from embtaskgen.errors import ConfigError
from embtaskgen.publish.card import write_dataset_card
from embtaskgen.runs.batch.mode import BatchMode
from embtaskgen.runs.output_lock import hold_output

__all__ = ["examples_command", "pipeline_command"]

logger = logging.getLogger(__name__)


@click.command("examples")
@click.option(
    "--tasks",
    "tasks",
    type=click.Path(path_type=Path),
    default=None,
    help="JSONL file of task rows (from 'embtaskgen generate'), either shape, or a folder of shards.",
)
@program_option(
    "none", "Example prompts: 'none' (the signatures) or a program .json from 'embtaskgen optimize --stage examples'."
)
@stage_2_options
@batch_options
@output_option(
    "JSONL file of example rows to write (--format sentence-transformers: and its files FILE.st-SHAPE.jsonl).",
    required=True,
)
def examples_command(tasks: Path | None, program: str, output: Path, batch: BatchMode | None, **options: Any) -> None:
    """Write training examples for the tasks of a file, and/or symmetric STS and bitext examples."""
    args = RunArgs(**options)
    if str(output) == "-":
        raise click.BadParameter(
            "examples go to a file (its sidecars make --resume possible), not stdout", param_hint="--output"
        )
    args.check_executor(output)
    if args.executor == "local":
        check_output_dir(output)
    with command_errors("examples"):
        generator = example_generator(split_kinds(args.kinds), args, has_tasks=tasks is not None)
        generator.plan(tasks)  # bad or empty task file: exit 2 before any file exists
        from embtaskgen.programs.choice import resolve_example_program

        logger.info("example program: %s", resolve_example_program(generator, program) or "untuned signatures")
    if _dry_run_asked(args):
        from embtaskgen.runs.runner import run

        with command_errors("examples"):
            estimate = run(generator, None, tasks=tasks, dry_run=True, sample=args.sample, resume=args.resume)
            estimate = _with_judge(estimate, args, generator.settings.kinds)
        report_estimate(estimate, output)
        return
    embedder = args.mining_embedder(generator.settings.kinds)
    _, status = report_run(
        generator, output, "examples", "examples", tasks=tasks, format=args.run_format, **args.run_kwargs(batch)
    )
    args.finish(output, embedder)
    if status != EXIT_OK:
        sys.exit(status)


@click.command("pipeline")
@category_option("Task category (repeatable), or 'all'.")
@count_option("-n", "--num-generations", default=1, help="Stage 1: model calls per category.")
@count_option("--num-tasks", default=20, help="Stage 1: tasks asked for per call.")
@program_option("default", "Stage 1 prompts: 'default', 'none' or a program .json file (see 'generate').")
@program_option(
    "none",
    "Stage 2 prompts: 'none' (the signatures) or a program .json from 'embtaskgen optimize --stage examples'.",
    "--examples-program",
)
@stage_2_options
@click.option(
    "--dedup",
    is_flag=True,
    help="Remove near-duplicate tasks before stage 2 (MinHash LSH, as 'embtaskgen dedup' "
    "does): DIR/tasks.dedup.jsonl and its report; stage 2 reads it.",
)
@output_option(
    "Folder to write tasks.jsonl, examples.jsonl and README.md (a dataset card) into (created when missing).",
    "output_dir",
    required=True,
    file_okay=False,
)
@hub_options
@batch_options
def pipeline_command(
    category: tuple[str, ...],
    num_generations: int,
    num_tasks: int,
    program: str,
    examples_program: str,
    dedup: bool,
    output_dir: Path,
    repo: str | None,
    public: bool,
    batch: BatchMode | None,
    **options: Any,
) -> None:
    """Brainstorm tasks (DIR/tasks.jsonl), then write examples for them (DIR/examples.jsonl) and a dataset card.

    With --batch, stage 1's calls go as one batch; once it has ended and its rows are
    written, stage 2's calls (which need those tasks) go as a second batch. Stopped while
    either waits, --resume --batch collects the recorded batch and goes on.
    """
    if batch is not None and not batch.api:
        raise click.BadParameter(
            "pipeline's stage 2 needs stage 1's rows: the file route runs stage by stage "
            "('generate --batch-requests/--batch-results', then 'examples --batch-requests/--batch-results'); "
            "pipeline takes --batch",
            param_hint="--batch-requests" if batch.requests is not None else "--batch-results",
        )
    from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
    from embtaskgen.programs.choice import resolve_program
    from embtaskgen.settings import GenerationSettings
    from embtaskgen.signatures.categories import resolve_categories

    args = RunArgs(**options)
    if output_dir.exists() and not output_dir.is_dir():
        raise click.BadParameter(f"{str(output_dir)!r} is not a directory", param_hint="--output")
    if not output_dir.parent.is_dir():
        raise click.BadParameter(f"directory {str(output_dir.parent)!r} does not exist", param_hint="--output")
    args.check_executor(output_dir)
    on_ray = args.executor == "ray"
    # Folders of shards on Ray: DIR/tasks/ and DIR/examples/.
    tasks_file, examples_file = (output_dir / "tasks", output_dir / "examples") if on_ray else (
        output_dir / "tasks.jsonl",
        output_dir / "examples.jsonl",
    )  # fmt: skip
    categories = list(category)
    with command_errors("pipeline"):
        # The task categories of stage 1, and the symmetric kinds only when asked for.
        example_kinds = [*resolve_categories(categories), *split_kinds(args.kinds)]
        settings = GenerationSettings.build(
            categories, num_generations=num_generations, num_tasks=num_tasks, **args.sampling()
        )
        task_generator = EmbeddingTaskGenerator(settings=settings)
        _ = task_generator.lm
        generator = example_generator(example_kinds, args, has_tasks=True)
        if not args.resume and not args.dry_run:
            for output, made in ((tasks_file, task_generator), (examples_file, generator)):
                _check_fresh(output, made, on_ray)
        loaded = resolve_program(task_generator, program)
        from embtaskgen.programs.choice import resolve_example_program

        examples_loaded = resolve_example_program(generator, examples_program)  # a bad file: exit 2 now
    if _dry_run_asked(args):
        from embtaskgen.runs.dry_run import pipeline_dry_run

        if args.resume or on_ray:
            raise click.UsageError("a dry run estimates a whole new run: drop --resume and --executor ray")
        with command_errors("pipeline"):
            estimate = pipeline_dry_run(task_generator, generator, args.sample)
            estimate = _with_judge(estimate, args, generator.settings.kinds)
        output_dir.mkdir(exist_ok=True)
        report_estimate(estimate, output_dir / "dry-run.json")
        return
    embedder = args.mining_embedder(generator.settings.kinds)
    logger.info(
        "program: %s; example program: %s", loaded or "untuned signatures", examples_loaded or "untuned signatures"
    )
    created = not output_dir.exists()
    output_dir.mkdir(exist_ok=True)
    with command_errors("pipeline"):  # one pipeline per folder, until the command ends
        click.get_current_context().with_resource(hold_output(output_dir, wait=args.wait_lock))
    stage_1_format = "parquet" if args.format_ == "parquet" else "jsonl"  # parquet only on Ray (checked)
    try:
        first, status = report_run(
            task_generator, tasks_file, "tasks", "pipeline", format=stage_1_format, **args.run_kwargs(batch)
        )
    except click.UsageError:
        if created:
            output_dir.rmdir()
        raise
    if first.status == "aborted" or first.total_tasks == 0:  # rows of rejected tasks only: none to use
        click.echo(
            "Error: stage 1 wrote no tasks; stage 2 was not run"
            if first.total_tasks == 0
            else "Error: stage 1 was stopped; stage 2 was not run (resume to finish)",
            err=True,
        )
        sys.exit(status or 1)
    if dedup:  # stage 2 reads DIR/tasks.dedup.jsonl
        from embtaskgen.cli.dedup_command import dedup_stage

        tasks_file = dedup_stage(tasks_file, output_dir)
    if args.seed is None:  # stage 2 continues with the seed stage 1 drew (or resumed with)
        fixed = (
            generator.settings.copy_with(seed=first.seed)
            if on_ray  # workers build the LM
            else generator.settings.copy_with(seed=first.seed, lm=generator.lm, api_base=None)
        )
        generator = generator.__class__(settings=fixed)
        resolve_example_program(generator, examples_program)
    stage_2 = args.run_kwargs(batch)
    if args.max_cost is not None:  # the pipeline's cap: what stage 1 spent comes off stage 2's
        stage_2["max_cost"] = max(args.max_cost - (first.cost or 0.0), 1e-12)
    _, second = report_run(
        generator, examples_file, "examples", "pipeline", tasks=tasks_file, format=args.run_format, **stage_2
    )
    args.finish(examples_file, embedder)
    worst = max(status, second, key=lambda s: (0, 1, 3).index(s) if s in (0, 1, 3) else 3)
    try:
        write_dataset_card(output_dir)
    except ConfigError as exc:  # a README.md of the user's own: the rows are written, say so
        click.echo(f"Warning: no dataset card: {exc}", err=True)
    if repo and worst == EXIT_OK:
        publish(output_dir, repo, public=public)
    elif repo:
        click.echo(
            f"Error: not pushed to {repo}: the run did not end cleanly (resume it, then 'embtaskgen card "
            f"{output_dir} --push-to-hub {repo}')",
            err=True,
        )
    if worst != EXIT_OK:
        sys.exit(worst)


def _with_judge(estimate: Any, args: RunArgs, kinds: list[str]) -> Any:
    """A dry run's estimate with the judge's calls (``--judge``): one per stage-2 call, priced as the judge's model."""
    if "judge" not in args.check_levels():
        return estimate
    from embtaskgen.checks.judge import Judge, estimate_judge
    from embtaskgen.runs.cost_estimate import CostEstimate

    judge = Judge(args.judge_model, api_base=args.judge_api_base)
    return CostEstimate.of([*estimate.stages, estimate_judge(judge, kinds, estimate.stages[-1].calls)])


def _dry_run_asked(args: RunArgs) -> bool:
    """``--dry-run`` (``--sample`` without it is a usage error)."""
    if args.sample is not None and not args.dry_run:
        raise click.BadParameter("--sample applies to --dry-run", param_hint="--sample")
    return args.dry_run


def _check_fresh(output: Path, generator: Any, on_ray: bool) -> None:
    """Refuse (exit 2) a pipeline over an earlier run's files without ``--resume``."""
    from embtaskgen.runs.files import RunFiles
    from embtaskgen.runs.ray.shard_output import ShardFolder

    if on_ray:
        ShardFolder(output).check_fresh()
    elif hasattr(generator, "flatten_tasks"):
        from embtaskgen.runs.resume import check_fresh

        check_fresh(RunFiles.for_output(output))
    else:
        from embtaskgen.examples.resume import check_fresh_examples

        check_fresh_examples(RunFiles.for_output(output))
