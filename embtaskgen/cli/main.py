"""The ``embtaskgen`` command line: ``generate``, ``examples``, ``pipeline``, ``report``, ``dedup``, and more.

Bad arguments exit with status 2 and a message naming the valid choices; nothing is
written then. Progress and the summary go to stderr, rows to ``--output`` or stdout.

Exit status of ``embtaskgen generate``:

====  =====================================================================================
0     every generation of the run returned a list of tasks
1     some generations failed (model errors or answers that did not parse), or
      ``--max-failures`` stopped the run; the file is valid, the summary
      (``FILE.jsonl.summary.json``, ``failed``, ``errors_by_type``) says how many and
      ``FILE.jsonl.failures.jsonl`` which, and why; ``--resume`` retries the errors
2     bad usage (an unknown option or choice, a bad model spec, an output that exists
      without ``--resume`` or cannot be written, a resume of a different run); nothing
      was written
3     the run made calls and none returned tasks (an unreachable or refusing server,
      HTTP 401/5xx, an unknown provider, a missing API key, a model that never answers
      in the format): the file holds no new rows
130   interrupted (Ctrl-C): the calls in flight were written; ``--resume`` finishes
====  =====================================================================================

On ``--resume`` the calls of this session count (generations found done are not
calls; a resume with nothing left to do exits 0). An unexpected internal error exits 1
with a one-line message (``-vv`` logs the traceback).

What a server or an exception says is redacted before it reaches stderr: every log
handler has a filter that removes the environment's ``*_API_KEY`` / ``*_TOKEN`` values,
keys given to the model and ``sk-...`` / ``Authorization`` shapes, and the
messages the command prints go through the same step.

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
from embtaskgen.cli.dedup_command import dedup_command
from embtaskgen.cli.examples_commands import examples_command, pipeline_command
from embtaskgen.cli.options import (
    EXIT_OK,
    check_output_dir,
    command_errors,
    install_redaction,
    shared_options,
    usage_errors,
)
from embtaskgen.cli.run_options import check_executor, run_options, session_options
from embtaskgen.cli.run_report import report_run
from embtaskgen.cli.tuning import evaluate_command, optimize_command
from embtaskgen.lm.adapter_choice import ADAPTER_CHOICES
from embtaskgen.programs.choice import resolve_program
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


@main.command()
@shared_options
@click.option(
    "-n",
    "--num-generations",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Model calls per category.",
)
@click.option("--flatten", is_flag=True, help="One row per task instead of one row per call.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="JSONL file to write (stdout when absent); with --executor ray, a folder of shards.",
)
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
@click.option(
    "--few-shot",
    type=click.IntRange(min=0),
    default=DEFAULT_FEW_SHOT,
    show_default=True,
    help="Worked examples per call drawn from the seed pool (0: off).",
)
@click.option(
    "--avoid-archive",
    type=click.IntRange(min=0),
    default=DEFAULT_AVOID_ARCHIVE,
    show_default=True,
    help="Earlier accepted tasks passed as 'avoid' per call (0: off).",
)
@click.option(
    "--no-repeat",
    type=click.FloatRange(min=0),
    default=None,
    help="Embedded models: strength of the repeated-phrase penalty (0: off; default: the model's, 0.8).",
)
@click.option(
    "--frequency-penalty",
    type=click.FloatRange(-2, 2),
    default=None,
    help="OpenAI-style penalty on tokens by how often they were written, in [-2, 2] (default: "
    "not sent); for served models the nearest knob to --no-repeat.",
)
@click.option(
    "--presence-penalty",
    type=click.FloatRange(-2, 2),
    default=None,
    help="OpenAI-style penalty on tokens written at all, in [-2, 2] (default: not sent).",
)
@click.option(
    "--adapter",
    type=click.Choice(ADAPTER_CHOICES),
    default="auto",
    show_default=True,
    help="How prompts are formatted and answers parsed: auto (the library decides: compact for "
    "the embedded models, chat for served ones), chat, json, or compact.",
)
@session_options(
    resume="Continue the run that wrote --output; every setting that shapes the rows "
    "must match (README: What resume checks).",
    max_failures="Stop the run after this many failed generations.",
    cache="Use DSPy's response cache (a rerun of the same seed costs nothing); "
    "--no-cache is faster (less CPU per call).",
)
@click.option(
    "--format",
    "shard_format",
    type=click.Choice(["jsonl", "parquet"]),
    default="jsonl",
    show_default=True,
    help="--executor ray: format of the row shards.",
)
@click.option(
    "--program",
    default="default",
    show_default=True,
    help="Prompts: 'default' (the shipped tuned program, used only with the embedded model it "
    "was tuned for, in the categories where it scored better on held-out calls), 'none' "
    "(the untuned signatures), or a program .json file from 'embtaskgen optimize'.",
)
def generate(
    category: tuple[str, ...],
    model: str | None,
    api_base: str | tuple[str, ...] | None,
    num_tasks: int,
    num_generations: int,
    flatten: bool,
    output: Path | None,
    seed: int | None,
    topic: str,
    temperature: float,
    max_tokens: int | None,
    concurrency: int | None,
    keep_duplicates: bool,
    keep_rejected: bool,
    topics: bool,
    few_shot: int,
    avoid_archive: int,
    no_repeat: float | None,
    frequency_penalty: float | None,
    presence_penalty: float | None,
    adapter: str,
    resume: bool,
    max_failures: int | None,
    cache: bool,
    progress: bool,
    executor: str,
    ray_address: str | None,
    ray_workers: int | None,
    shard_format: str,
    program: str,
) -> None:
    """Generate task descriptions and write them as JSONL."""
    check_executor(executor, ray_address, ray_workers, output, parquet=shard_format == "parquet")
    if executor == "local":
        check_output_dir(output)
    with command_errors("generate"), usage_errors():
        settings = GenerationSettings.build(
            list(category),
            flatten_tasks=flatten,
            num_generations=num_generations,
            seed=seed,
            lm=model,
            num_tasks=num_tasks,
            topic=topic,
            temperature=temperature,
            max_tokens=max_tokens,
            keep_duplicates=keep_duplicates,
            keep_rejected=keep_rejected,
            concurrency=concurrency,
            api_base=api_base,
            topics=topics,
            few_shot=few_shot,
            avoid_archive=avoid_archive,
            no_repeat=no_repeat,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            adapter=adapter,
        )
        generator = EmbeddingTaskGenerator(settings=settings, program=None)
        _ = generator.lm  # resolve the model now: a bad --model is a usage error
        loaded = resolve_program(generator, program)

    logger.info("program: %s", loaded or "untuned signatures")
    from embtaskgen.runs.runner import run

    install_redaction()  # again: handlers the model's libraries added since main()
    ray: dict[str, Any] = {
        "executor": executor,
        "ray_address": ray_address,
        "ray_workers": ray_workers,
        "format": shard_format,
    }
    _, status = report_run(
        lambda: run(
            generator,
            output if output is not None else "-",
            resume=resume,
            max_failures=max_failures,
            progress=progress,
            cache=cache,
            **(ray if executor == "ray" else {}),
        ),
        output,
        "generations",
        "generate",
    )
    if status != EXIT_OK:
        sys.exit(status)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON here."
)
@click.option(
    "--semantic", is_flag=True, help="Add embedding near-duplicates and a Vendi score (needs the 'semantic' extra)."
)
@click.option(
    "--num-tasks",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Tasks asked per call, when the rows do not say.",
)
def report(path: Path, output: Path | None, semantic: bool, num_tasks: int) -> None:
    """Diversity report of a JSONL file of rows (either shape) or a folder of shards, per category."""
    from embtaskgen.quality.report import report_main

    check_output_dir(output)
    with command_errors("report"), usage_errors():
        table = report_main(path, output, semantic=semantic, num_tasks=num_tasks)
    click.echo(table)


main.add_command(optimize_command)
main.add_command(examples_command)
main.add_command(pipeline_command)
main.add_command(evaluate_command)
main.add_command(dedup_command)


if __name__ == "__main__":  # pragma: no cover
    main()
