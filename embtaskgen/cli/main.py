"""The ``embtaskgen`` command line: ``generate``, ``examples``, ``pipeline``, ``report``, ``dedup``, and more.

Bad arguments exit 2 naming the valid choices, and nothing is written; progress and the
summary go to stderr, rows to ``--output`` or stdout. Exit statuses of a run
(:func:`embtaskgen.cli.options.run_exit_status`): 0 all calls returned rows, 1 some
failed or ``--max-failures`` stopped the run, 2 bad usage, 3 none returned rows, 130
interrupted (``--resume`` finishes). What a server or an exception says is redacted
(API keys) before it reaches stderr: :func:`embtaskgen.cli.options.install_redaction`.

Example:
    $ embtaskgen generate --category text-retrieval --num-generations 5 --flatten -o tasks.jsonl
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
from embtaskgen.cli.batch_options import batch_options
from embtaskgen.cli.card_command import card_command
from embtaskgen.cli.check_command import check_command
from embtaskgen.cli.dedup_command import dedup_command
from embtaskgen.cli.examples_commands import examples_command, pipeline_command
from embtaskgen.cli.options import (
    EXIT_OK,
    ApiBases,
    Decorator,
    check_output_dir,
    choice_option,
    command_errors,
    count_option,
    install_redaction,
    output_option,
    program_option,
    shared_options,
)
from embtaskgen.cli.run_options import check_executor, cost_options, ray_options, run_options, session_options
from embtaskgen.cli.run_report import report_estimate, report_run
from embtaskgen.cli.tuning import evaluate_command, optimize_command
from embtaskgen.lm.adapter_choice import ADAPTER_CHOICES
from embtaskgen.programs.choice import resolve_program
from embtaskgen.runs.batch.mode import BatchMode
from embtaskgen.settings import DEFAULT_AVOID_ARCHIVE, DEFAULT_FEW_SHOT, DEFAULT_TOPICS, GenerationSettings
from embtaskgen.signatures.categories import CATEGORIES, CATEGORY_SUMMARIES

__all__ = ["main"]

logger = logging.getLogger(__name__)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="embtaskgen")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Brainstorm task descriptions for training text-embedding models."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    install_redaction()


@main.command()
def categories() -> None:
    """List the four categories, one line each."""
    width = max(map(len, CATEGORIES))
    for name in CATEGORIES:
        click.echo(f"{name:<{width}}  {CATEGORY_SUMMARIES[name]}")


@main.command()
def models() -> None:
    """List the embedded models: what --model takes, their licences and model files."""
    from embtaskgen.embedded.inventory import describe_models, format_models

    click.echo(format_models(describe_models()))
    click.echo("Any other --model is a LiteLLM id (openai/gpt-4o-mini; openai/<name> with --api-base).")


def _penalty_option(name: str, help: str) -> Decorator:
    """An OpenAI-style penalty in [-2, 2], not sent by default."""
    return click.option(name, type=click.FloatRange(-2, 2), default=None, help=help)


@main.command()
@shared_options
@count_option("-n", "--num-generations", default=1, help="Model calls per category.")
@click.option("--flatten", is_flag=True, help="One row per task instead of one row per call.")
@output_option("JSONL file to write (stdout when absent); with --executor ray, a folder of shards.")
@click.option("--topic", default="", help="Domain to focus every call on (empty: any).")
@run_options
@click.option("--keep-duplicates", is_flag=True, help="Keep duplicate tasks.")
@click.option(
    "--keep-rejected",
    is_flag=True,
    help="Keep the tasks the precision gate drops, for inspection (row metadata 'rejected'; "
    "with --flatten, rows with a 'rejected' reason).",
)
@click.option(
    "--topics/--no-topics",
    default=DEFAULT_TOPICS,
    show_default=True,
    help="Draw a domain per call from the built-in pool (ignored with --topic).",
)
@count_option(
    "--few-shot",
    default=DEFAULT_FEW_SHOT,
    minimum=0,
    help="Worked examples per call drawn from the seed pool (0: off).",
)
@count_option(
    "--avoid-archive",
    default=DEFAULT_AVOID_ARCHIVE,
    minimum=0,
    help="Earlier accepted tasks passed as 'avoid' per call (0: off).",
)
@click.option(
    "--no-repeat",
    type=click.FloatRange(min=0),
    default=None,
    help="Embedded models: strength of the repeated-phrase penalty (0: off; default: the model's, 0.8).",
)
@_penalty_option(
    "--frequency-penalty",
    "OpenAI-style penalty on tokens by how often they were written, in [-2, 2] (default: "
    "not sent); for served models the nearest knob to --no-repeat.",
)
@_penalty_option("--presence-penalty", "OpenAI-style penalty on tokens written at all, in [-2, 2] (default: not sent).")
@choice_option(
    "--adapter",
    choices=ADAPTER_CHOICES,
    default="auto",
    help="How prompts are formatted and answers parsed: auto (the library decides: compact for "
    "the embedded models; for served ones json, sending the signature's schema, when LiteLLM says "
    "the model takes a JSON schema, else chat), chat, json, or compact.",
)
@session_options(
    resume="Continue the run that wrote --output; every setting that shapes the rows "
    "must match (README: What resume checks).",
    max_failures="Stop the run after this many failed generations.",
)
@cost_options
@ray_options
@batch_options
@choice_option(
    "--format",
    "shard_format",
    choices=["jsonl", "parquet"],
    default="jsonl",
    help="--executor ray: format of the row shards.",
)
@program_option(
    "default",
    "Prompts: 'default' (the shipped tuned program, used only with the embedded model it "
    "was tuned for, in the categories where it scored better on held-out calls), 'none' "
    "(the untuned signatures), or a program .json file from 'embtaskgen optimize'.",
)
def generate(
    category: tuple[str, ...],
    model: str | None,
    api_base: ApiBases,
    flatten: bool,
    output: Path | None,
    resume: bool,
    max_failures: int | None,
    max_rpm: int | None,
    max_tpm: int | None,
    progress: bool,
    wait_lock: bool,
    executor: str,
    ray_address: str | None,
    ray_workers: int | None,
    shard_format: str,
    program: str,
    dry_run: bool,
    sample: int | None,
    max_cost: float | None,
    batch: BatchMode | None,
    **settings: Any,
) -> None:
    """Generate task descriptions and write them as JSONL."""
    check_executor(executor, ray_address, ray_workers, output, parquet=shard_format == "parquet")
    if executor == "local":
        check_output_dir(output)
    with command_errors("generate"):
        # The other options are the settings' fields by name (GenerationSettings).
        built = GenerationSettings.build(list(category), flatten_tasks=flatten, lm=model, api_base=api_base, **settings)
        generator = EmbeddingTaskGenerator(settings=built, program=None)
        _ = generator.lm  # resolve the model now: a bad --model is a usage error
        loaded = resolve_program(generator, program)
    logger.info("program: %s", loaded or "untuned signatures")
    if dry_run or sample is not None:
        _dry_run(generator, output, sample, dry_run=dry_run, resume=resume, executor=executor)
        return
    kwargs: dict[str, Any] = {"resume": resume, "max_failures": max_failures, "progress": progress}
    kwargs.update(wait_lock=wait_lock, max_rpm=max_rpm, max_tpm=max_tpm)
    if max_cost is not None:
        kwargs["max_cost"] = max_cost
    if batch is not None:
        kwargs["batch"] = batch
    if executor == "ray":
        kwargs.update(executor=executor, ray_address=ray_address, ray_workers=ray_workers, format=shard_format)
    _, status = report_run(generator, output, "generations", "generate", **kwargs)
    if status != EXIT_OK:
        sys.exit(status)


def _dry_run(generator: Any, output: Path | None, sample: int | None, **options: Any) -> None:
    """``generate --dry-run``: the estimate, printed (and written as JSON to ``--output``)."""
    from embtaskgen.runs.runner import run

    if not options.pop("dry_run"):
        raise click.BadParameter("--sample applies to --dry-run", param_hint="--sample")
    with command_errors("generate"):
        estimate = run(generator, None, dry_run=True, sample=sample, **options)
    report_estimate(estimate, output)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@output_option("Also write the report as JSON here.", dir_okay=False)
@click.option(
    "--semantic", is_flag=True, help="Add embedding near-duplicates and a Vendi score (needs the 'semantic' extra)."
)
@count_option("--num-tasks", default=20, help="Tasks asked per call, when the rows do not say.")
def report(path: Path, output: Path | None, semantic: bool, num_tasks: int) -> None:
    """Diversity report of a JSONL file of rows (either shape) or a folder of shards, per category."""
    from embtaskgen.quality.report import report_main

    check_output_dir(output)
    with command_errors("report"):
        table = report_main(path, output, semantic=semantic, num_tasks=num_tasks)
    click.echo(table)


main.add_command(optimize_command)
main.add_command(examples_command)
main.add_command(pipeline_command)
main.add_command(evaluate_command)
main.add_command(dedup_command)
main.add_command(card_command)
main.add_command(check_command)


if __name__ == "__main__":  # pragma: no cover
    main()
