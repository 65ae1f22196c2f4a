"""The ``embtaskgen optimize`` and ``embtaskgen evaluate`` commands.

Bad arguments exit 2 and write nothing; a model call that fails stops the command with a
one-line, redacted message (exit 1, ``-vv`` logs the traceback); Ctrl-C exits 130.

Example:
    $ embtaskgen optimize -c text-retrieval --budget 40 -o retrieval.json
    $ embtaskgen evaluate --program retrieval.json -c text-retrieval -o eval.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.examples_options import kinds_option, split_kinds
from embtaskgen.cli.options import (
    ApiBases,
    check_output_dir,
    choice_option,
    command_errors,
    count_option,
    output_option,
    program_option,
    shared_options,
    usage_errors,
)
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


def _with_program(make: Callable[[], Any], program: str | None) -> Any:
    """The generator ``make()`` builds, with ``program``'s prompts; bad arguments are usage errors."""
    from embtaskgen.programs.choice import resolve_program

    with usage_errors():
        generator = make()
        _ = generator.lm  # a bad --model is a usage error
        loaded = resolve_program(generator, program)
    click.echo(f"program: {loaded or 'untuned signatures'}", err=True)
    return generator


def _generator(
    category: tuple[str, ...], model: str | None, api_base: ApiBases, num_tasks: int, program: str | None, **io: Any
) -> Any:
    """The stage-1 generator; ``io``: ``timeout`` and ``max_response_bytes``."""
    from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator

    return _with_program(
        lambda: EmbeddingTaskGenerator(list(category), lm=model, api_base=api_base, num_tasks=num_tasks, **io), program
    )


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="call", file=sys.stderr, desc=desc, dynamic_ncols=True)


@click.command("optimize")
@choice_option(
    "--stage",
    choices=STAGES,
    default="tasks",
    help="Prompts to tune: tasks (stage 1, the category prompts, against score_tasks) or examples "
    "(stage 2, the example prompts, against score_example).",
)
@kinds_option(
    "--stage examples: kinds to tune (comma-separated, repeatable; default: the -c categories "
    "when given, else all six: the four categories, sts, bitext)."
)
@shared_options
@choice_option(
    "--optimizer",
    choices=OPTIMIZERS,
    default=DEFAULT_OPTIMIZER,
    help="bootstrap: demos (BootstrapFewShotWithRandomSearch); mipro: instructions (MIPROv2 "
    "zero-shot, needs optuna); gepa: instructions from the metric's feedback (GEPA).",
)
@count_option("--budget", default=DEFAULT_BUDGET, minimum=MIN_BUDGET, help="Calls of the tuned model per category.")
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
@count_option("--seed", default=0, minimum=0)
@program_option("none", "Start from these prompts. " + _PROGRAM_HELP)
@click.option(
    "--heldout/--no-heldout",
    default=True,
    show_default=True,
    help="Evaluate untuned and tuned prompts on held-out topics and seeds, and record the scores.",
)
@count_option("--eval-topics", default=8, help="Held-out topics per category for --heldout.")
@count_option("--eval-seeds", default=1, help="Held-out seeds for --heldout.")
@output_option("Program .json file to write.", required=True, dir_okay=False)
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
    **io: Any,
) -> None:
    """Tune the category prompts (or, with --stage examples, the example prompts) and save the program."""
    if stage == "tasks" and kinds:
        raise click.BadParameter(
            "--kinds chooses the example kinds of --stage examples; use -c for tasks", param_hint="--kinds"
        )
    check_output_dir(output)
    if output.suffix != ".json":
        raise click.BadParameter("the program file must end with .json", param_hint="--output")
    with command_errors("optimize", usage=False):
        from embtaskgen.programs.files import save_program
        from embtaskgen.tune.evaluation import format_comparison, format_example_comparison
        from embtaskgen.tune.optimize import optimize
        from embtaskgen.tune.tuning import tuning_for

        if stage == "examples":
            generator = _example_generator(kinds, category, model, api_base, program, **io)
            split: dict[str, Any] = {"tasks": min(eval_topics, _MAX_HELDOUT_TASKS), "seeds": _seeds(eval_seeds)}
        else:
            generator = _generator(category, model, api_base, num_tasks, program, **io)
            split = dict(zip(("topics", "seeds"), _heldout_split(eval_topics, eval_seeds), strict=True))
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
            metadata["heldout"] = {
                u: {"untuned": brief(before[rows][u]), "tuned": brief(after[rows][u])} for u in units
            }
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
    kinds: tuple[str, ...], category: tuple[str, ...], model: str | None, api_base: ApiBases, program: str, **io: Any
) -> Any:
    """The stage-2 generator of ``--kinds`` (default: the ``-c`` categories when given, else all six)."""
    from embtaskgen.examples.generator import EmbeddingExampleGenerator
    from embtaskgen.examples.kinds import resolve_kinds

    def make() -> Any:
        try:
            named = split_kinds(kinds) or (list(category) if category and category != ("all",) else ["all"])
            chosen = resolve_kinds(named)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--kinds") from exc
        return EmbeddingExampleGenerator(chosen, lm=model, api_base=api_base, **io)

    return _with_program(make, program)


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
@program_option("default", _PROGRAM_HELP)
@count_option("--topics", "num_topics", default=8, help="Held-out topics per category ('' = any domain first).")
@count_option("--seeds", "num_seeds", default=1, help="Held-out seeds; each seed calls every topic once.")
@output_option("Also write the report as JSON here.", dir_okay=False)
def evaluate_command(
    category: tuple[str, ...],
    model: str | None,
    api_base: ApiBases,
    num_tasks: int,
    program: str,
    num_topics: int,
    num_seeds: int,
    output: Path | None,
    **io: Any,
) -> None:
    """Score the prompts on held-out topics and seeds: a table per category."""
    from embtaskgen.tune.evaluation import format_table

    check_output_dir(output)
    topics, seeds = _heldout_split(num_topics, num_seeds)
    with command_errors("evaluate", usage=False):
        generator = _generator(category, model, api_base, num_tasks, program, **io)
        report = _evaluate(generator, {"topics": topics, "seeds": seeds}, "held-out")
        report["program"] = program
        click.echo(format_table(report))
        if output is not None:
            output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
