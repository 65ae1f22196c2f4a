"""The ``embtaskgen optimize`` and ``embtaskgen evaluate`` commands.

Registered on the main group in :mod:`embtaskgen.cli.main`. Progress and tables go to stderr
and stdout as noted; nothing is written when an argument is bad (exit status 2, with the
valid choices in the message). A model call that fails (a refusing or unreachable server,
a missing key) stops the command with a one-line message, API keys redacted, and exit
status 1 (``-vv`` logs the traceback); Ctrl-C exits 130.

Example:
    $ embtaskgen optimize -c text-retrieval --budget 40 -o retrieval.json
    $ embtaskgen evaluate --program retrieval.json -c text-retrieval -o eval.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import ApiBases, check_output_dir, command_errors, shared_options, usage_errors
from embtaskgen.tune.optimizers import DEFAULT_BUDGET, DEFAULT_OPTIMIZER, MIN_BUDGET, OPTIMIZERS

__all__ = ["STAGES", "evaluate_command", "optimize_command"]

#: What ``optimize --stage`` tunes.
STAGES = ("tasks", "examples")
#: ``--stage examples``: at most this many held-out tasks per kind (``--eval-topics``).
_MAX_HELDOUT_TASKS = 5
_PROGRAM_HELP = (
    "Prompts to use: 'default' (the shipped tuned program when it applies to the "
    "model), 'none' (the untuned signatures), or a program .json file."
)


def _generator(
    category: tuple[str, ...], model: str | None, api_base: ApiBases, num_tasks: int, program: str | None
) -> Any:
    from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
    from embtaskgen.programs.choice import resolve_program

    with usage_errors():
        generator = EmbeddingTaskGenerator(list(category), lm=model, api_base=api_base, num_tasks=num_tasks)
        _ = generator.lm  # a bad --model is a usage error
        loaded = resolve_program(generator, program)
    click.echo(f"program: {loaded or 'untuned signatures'}", err=True)
    return generator


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="call", file=sys.stderr, desc=desc, dynamic_ncols=True)


@click.command("optimize")
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    default="tasks",
    show_default=True,
    help="Prompts to tune: tasks (stage 1, the category prompts, against score_tasks) or examples "
    "(stage 2, the example prompts, against score_example).",
)
@click.option(
    "--kinds",
    "kinds",
    multiple=True,
    metavar="KIND[,KIND...]",
    help="--stage examples: kinds to tune (comma-separated, repeatable; default: the -c categories "
    "when given, else all six: the four categories, sts, bitext).",
)
@shared_options
@click.option(
    "--optimizer",
    type=click.Choice(OPTIMIZERS),
    default=DEFAULT_OPTIMIZER,
    show_default=True,
    help="bootstrap: demos (BootstrapFewShotWithRandomSearch); mipro: instructions (MIPROv2 "
    "zero-shot, needs optuna); gepa: instructions from the metric's feedback (GEPA).",
)
@click.option(
    "--budget",
    type=click.IntRange(min=MIN_BUDGET),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Calls of the tuned model per category.",
)
@click.option(
    "--prompt-model",
    default=None,
    help="Model that proposes instructions for mipro (default: the tuned model; a stronger served model does better).",
)
@click.option(
    "--reflection-model",
    default=None,
    help="Model that reflects for gepa (default: the tuned model; a stronger served model does better).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--program", default="none", show_default=True, help="Start from these prompts. " + _PROGRAM_HELP)
@click.option(
    "--heldout/--no-heldout",
    default=True,
    show_default=True,
    help="Evaluate untuned and tuned prompts on held-out topics and seeds, and record the scores.",
)
@click.option(
    "--eval-topics",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Held-out topics per category for --heldout.",
)
@click.option(
    "--eval-seeds", type=click.IntRange(min=1), default=1, show_default=True, help="Held-out seeds for --heldout."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Program .json file to write.",
)
def optimize_command(
    stage: str,
    kinds: tuple[str, ...],
    category: tuple[str, ...],
    model: str | None,
    api_base: ApiBases,
    num_tasks: int,
    optimizer: str,
    budget: int,
    prompt_model: str | None,
    reflection_model: str | None,
    seed: int,
    program: str,
    heldout: bool,
    eval_topics: int,
    eval_seeds: int,
    output: Path,
) -> None:
    """Tune the category prompts (or, with --stage examples, the example prompts) and save the program."""
    if stage == "tasks" and kinds:
        raise click.BadParameter(
            "--kinds chooses the example kinds of --stage examples; use -c for tasks", param_hint="--kinds"
        )
    check_output_dir(output)
    if output.suffix != ".json":
        raise click.BadParameter("the program file must end with .json", param_hint="--output")
    with command_errors("optimize"):
        if stage == "examples":
            generator = _example_generator(kinds, category, model, api_base, program)
            split: dict[str, Any] = {"tasks": min(eval_topics, _MAX_HELDOUT_TASKS), "seeds": _seeds(eval_seeds)}
        else:
            generator = _generator(category, model, api_base, num_tasks, program)
            split = dict(zip(("topics", "seeds"), _heldout_split(eval_topics, eval_seeds), strict=True))
        _optimize(generator, split, optimizer, budget, prompt_model, reflection_model, seed, heldout, output)


def _optimize(
    generator: Any,
    split: dict[str, Any],
    optimizer: str,
    budget: int,
    prompt_model: str | None,
    reflection_model: str | None,
    seed: int,
    heldout: bool,
    output: Path,
) -> None:
    """Tune either stage's prompts, score them before and after on the held-out ``split``, save them."""
    from embtaskgen.programs.files import save_program
    from embtaskgen.tune.evaluation import format_comparison, format_example_comparison
    from embtaskgen.tune.optimize import optimize
    from embtaskgen.tune.tuning import tuning_for

    tuning, units = tuning_for(generator)
    examples = tuning.plural == "kinds"
    before = _evaluate(generator, split, "untuned") if heldout else None
    with _bar(budget * len(units), "optimize") as bar:
        done: dict[str, int] = {}

        def progress(unit: str, calls: int, budget_: int) -> None:
            calls = min(calls, budget_)  # an optimizer may overrun its budget a little: the bar stops at its total
            bar.update(calls - done.get(unit, 0))
            done[unit] = max(calls, done.get(unit, 0))
            bar.set_postfix_str(unit)

        with usage_errors():
            tuned = optimize(
                generator,
                optimizer,
                budget=budget,
                prompt_lm=prompt_model,
                reflection_lm=reflection_model,
                seed=seed,
                progress=progress,
            )
        bar.update(bar.total - bar.n)  # every unit finished (some under budget)
    metadata: dict[str, Any] = {}
    if before is not None:
        after = _evaluate(tuned, split, "tuned")
        brief = (lambda row: row) if examples else _brief
        rows = tuning.plural
        metadata["heldout"] = {u: {"untuned": brief(before[rows][u]), "tuned": brief(after[rows][u])} for u in units}
        metadata["heldout_split"] = {key: list(v) if isinstance(v, tuple) else v for key, v in split.items()}
        click.echo((format_example_comparison if examples else format_comparison)(before, after))
    for name, stats in tuned.program_info[tuning.plural].items():
        demos = f", demos {stats['demos']}" if examples else ""
        click.echo(
            f"{name}: {stats['program_calls']} program calls, model calls {stats['lm_calls']}, "
            f"valset {stats['valset_score']}{demos}",
            err=True,
        )
    with usage_errors():
        save_program(tuned, output, metadata=metadata)
    click.echo(f"wrote {output}", err=True)


def _example_generator(
    kinds: tuple[str, ...], category: tuple[str, ...], model: str | None, api_base: ApiBases, program: str
) -> Any:
    """The stage-2 generator of ``--kinds`` (default: the ``-c`` categories when given, else all six)."""
    from embtaskgen.examples.generator import EmbeddingExampleGenerator
    from embtaskgen.examples.kinds import resolve_kinds
    from embtaskgen.programs.choice import resolve_program

    named = [part.strip() for item in kinds for part in item.split(",") if part.strip()]
    with usage_errors():
        try:
            chosen = resolve_kinds(named or (list(category) if category and category != ("all",) else ["all"]))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--kinds") from exc
        generator = EmbeddingExampleGenerator(chosen, lm=model, api_base=api_base)
        _ = generator.lm  # a bad --model is a usage error
        loaded = resolve_program(generator, program)
    click.echo(f"program: {loaded or 'untuned signatures'}", err=True)
    return generator


def _seeds(count: int) -> tuple[int, ...]:
    from embtaskgen.brainstorm.tuning_splits import heldout_seeds

    return heldout_seeds(count)


def _heldout_split(topics: int, seeds: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    from embtaskgen.brainstorm.tuning_splits import HELDOUT_TOPICS

    if topics > len(HELDOUT_TOPICS):
        raise click.BadParameter(f"at most {len(HELDOUT_TOPICS)} held-out topics exist", param_hint="--eval-topics")
    return HELDOUT_TOPICS[:topics], _seeds(seeds)


def _evaluate(generator: Any, split: dict[str, Any], desc: str) -> dict[str, Any]:
    from embtaskgen.tune.evaluation import evaluate
    from embtaskgen.tune.tuning import tuning_for

    units = tuning_for(generator)[1]
    per_seed = split["tasks"] if "tasks" in split else len(split["topics"])
    with _bar(per_seed * len(split["seeds"]) * len(units), f"evaluate {desc}") as bar:
        return evaluate(generator, **split, progress=lambda _u, _n: bar.update(1))


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("calls", "score", "unique_on_category_per_call", "parse_failures", "demos")
    return {k: row[k] for k in keys if k in row}


@click.command("evaluate")
@shared_options
@click.option("--program", default="default", show_default=True, help=_PROGRAM_HELP)
@click.option(
    "--topics",
    "num_topics",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Held-out topics per category ('' = any domain first).",
)
@click.option(
    "--seeds",
    "num_seeds",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Held-out seeds; each seed calls every topic once.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON here."
)
def evaluate_command(
    category: tuple[str, ...],
    model: str | None,
    api_base: ApiBases,
    num_tasks: int,
    program: str,
    num_topics: int,
    num_seeds: int,
    output: Path | None,
) -> None:
    """Score the prompts on held-out topics and seeds: a table per category."""
    from embtaskgen.tune.evaluation import format_table

    check_output_dir(output)
    topics, seeds = _heldout_split(num_topics, num_seeds)
    with command_errors("evaluate"):
        generator = _generator(category, model, api_base, num_tasks, program)
        report = _evaluate(generator, {"topics": topics, "seeds": seeds}, "held-out")
        report["program"] = program
        click.echo(format_table(report))
        if output is not None:
            output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
