"""``embtaskgen optimize --stage examples``: tune the example prompts of stage 2.

Called by :func:`embtaskgen.cli.tuning.optimize_command` with the command's options. The
kinds are ``--kinds`` (comma-separated, repeatable; default: the ``-c`` categories when
given, else all six). With ``--heldout`` (the default) the untuned and the tuned prompts
are scored on held-out tasks and seeds (``--eval-topics`` held-out tasks per kind, at most
5; ``--eval-seeds`` seeds) and the table goes to stdout; the program file (``-o``) loads
with ``embtaskgen examples --program FILE``.

Example:
    $ embtaskgen optimize --stage examples --kinds sts,text-retrieval --budget 24 -o examples.json
    $ embtaskgen examples --tasks tasks.jsonl --program examples.json -o examples.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import ApiBases, usage_errors

__all__ = ["optimize_example_prompts"]

_MAX_HELDOUT_TASKS = 5


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="call", file=sys.stderr, desc=desc, dynamic_ncols=True)


def _kinds(kinds: tuple[str, ...], category: tuple[str, ...]) -> list[str]:
    named = [part.strip() for item in kinds for part in item.split(",") if part.strip()]
    if named:
        return named
    return list(category) if category and category != ("all",) else ["all"]


def optimize_example_prompts(
    *,
    kinds: tuple[str, ...],
    category: tuple[str, ...],
    model: str | None,
    api_base: ApiBases,
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
    """Tune, evaluate (optionally) and save the example prompts (see the module docstring)."""
    from embtaskgen.examples.generator import EmbeddingExampleGenerator
    from embtaskgen.examples.kinds import resolve_kinds
    from embtaskgen.tune.example_evaluation import evaluate_examples, format_example_comparison
    from embtaskgen.tune.example_optimize import optimize_examples
    from embtaskgen.tune.example_program_files import resolve_example_program, save_example_program
    from embtaskgen.tune.splits import heldout_seeds

    with usage_errors():
        try:
            chosen = resolve_kinds(_kinds(kinds, category))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--kinds") from exc
        generator = EmbeddingExampleGenerator(chosen, lm=model, api_base=api_base)
        _ = generator.lm  # a bad --model is a usage error
        loaded = resolve_example_program(generator, program)
    click.echo(f"program: {loaded or 'untuned signatures'}", err=True)
    tasks, seeds = min(eval_topics, _MAX_HELDOUT_TASKS), heldout_seeds(eval_seeds)

    def evaluate(gen: Any, desc: str) -> dict[str, Any]:
        with _bar(tasks * len(seeds) * len(chosen), f"evaluate {desc}") as bar:
            return evaluate_examples(gen, tasks=tasks, seeds=seeds, progress=lambda _k, _n: bar.update(1))

    before = evaluate(generator, "untuned") if heldout else None
    with _bar(budget * len(chosen), "optimize") as bar:
        done: dict[str, int] = {}

        def progress(kind: str, calls: int, budget_: int) -> None:
            calls = min(calls, budget_)  # an optimizer may overrun its budget a little
            bar.update(calls - done.get(kind, 0))
            done[kind] = max(calls, done.get(kind, 0))
            bar.set_postfix_str(kind)

        with usage_errors():
            tuned = optimize_examples(
                generator,
                optimizer,
                budget=budget,
                prompt_lm=prompt_model,
                reflection_lm=reflection_model,
                seed=seed,
                progress=progress,
            )
        bar.update(bar.total - bar.n)  # every kind finished (some under budget)
    metadata: dict[str, Any] = {}
    if before is not None:
        after = evaluate(tuned, "tuned")
        metadata["heldout"] = {
            kind: {"untuned": before["kinds"][kind], "tuned": after["kinds"][kind]} for kind in chosen
        }
        metadata["heldout_split"] = {"tasks": tasks, "seeds": list(seeds)}
        click.echo(format_example_comparison(before, after))
    for kind, stats in tuned.program_info["kinds"].items():
        click.echo(
            f"{kind}: {stats['program_calls']} program calls, model calls {stats['lm_calls']}, "
            f"valset {stats['valset_score']}, demos {stats['demos']}",
            err=True,
        )
    with usage_errors():
        save_example_program(tuned, output, metadata=metadata)
    click.echo(f"wrote {output}", err=True)
