"""Held-out evaluation of a generator's example prompts: the mean ``score_example`` per kind.

Each kind is called once per held-out (task, seed) pair
(:func:`embtaskgen.tune.example_splits.example_heldout_set`), exactly as ``embtaskgen
examples`` calls it (:meth:`EmbeddingExampleGenerator.call`), so the same prompts, model
and seeds give the same calls (and DSPy cache hits). Per kind the report gives ``calls``,
``score`` (the mean :func:`~embtaskgen.quality.grading.score_example`; a parse
failure scores 0), ``valid_share`` (examples a run would keep) and ``parse_failures``.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "Stocks fell."}] * 2)
    >>> report = evaluate_examples(EmbeddingExampleGenerator("sts", lm=lm), tasks=2)
    >>> report["kinds"]["sts"]
    {'calls': 2, 'score': 0.892, 'valid_share': 1.0, 'parse_failures': 0}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from embtaskgen.examples.kinds import resolve_kinds
from embtaskgen.execute.collect import collect
from embtaskgen.quality.grading import EXAMPLE_METRIC_VERSION, grade_example
from embtaskgen.tune.example_splits import example_heldout_set
from embtaskgen.tune.splits import heldout_seeds

__all__ = ["evaluate_examples", "format_example_comparison"]


def evaluate_examples(
    generator: Any,
    kinds: str | Sequence[str] | None = None,
    *,
    tasks: int = 5,
    seeds: Sequence[int] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate ``generator``'s example prompts on held-out tasks and seeds.

    Args:
        generator: An ``EmbeddingExampleGenerator`` (tuned or not).
        kinds: Kinds to evaluate (default: the generator's).
        tasks: Held-out tasks per kind (for ``sts`` and ``bitext``: calls per seed).
        seeds: Run seeds (default: the first held-out seed).
        progress: Called as ``progress(kind, calls_done)`` after each call.

    Returns:
        ``{"model", "metric_version", "tasks", "seeds", "kinds": {kind: {...}}}``.

    Raises:
        ConfigError: An unknown kind, or no tasks or seeds.
    """
    chosen = generator.settings.kinds if kinds is None else resolve_kinds(kinds)
    seeds = tuple(heldout_seeds(1) if seeds is None else seeds)
    report: dict[str, Any] = {
        "model": generator.model_name,
        "metric_version": EXAMPLE_METRIC_VERSION,
        "tasks": tasks,
        "seeds": list(seeds),
        "kinds": {},
    }
    lm = generator.lm
    for kind in chosen:
        calls = example_heldout_set(kind, tasks=tasks, seeds=seeds)
        done = [0]

        def call(kind: str, position: int, calls: list[Any] = calls) -> Any:
            item = calls[position]
            return generator.call(kind, item.task, item.task_id, item.index, item.seed, lm=lm)

        def tick(_result: Any, kind: str = kind, done: list[int] = done) -> None:
            done[0] += 1
            if progress is not None:
                progress(kind, done[0])

        results = collect(
            [(kind, n) for n in range(len(calls))], call, workers=generator.workers(len(calls)), progress=tick
        )
        grades = [
            grade_example({**(r.outputs or {}), "parse_failure": r.outputs is None}, kind, attributes=r.attributes)
            for r in results
        ]
        report["kinds"][kind] = {
            "calls": len(results),
            "score": round(sum(g.score for g in grades) / len(grades), 4),
            "valid_share": round(sum(g.valid for g in grades) / len(grades), 4),
            "parse_failures": sum(r.outputs is None for r in results),
        }
    return report


def format_example_comparison(before: dict[str, Any], after: dict[str, Any]) -> str:
    """A table of untuned vs tuned held-out scores per kind.

    Example:
        >>> row = {"calls": 2, "score": 0.5, "valid_share": 0.5, "parse_failures": 0}
        >>> print(format_example_comparison({"kinds": {"sts": row}}, {"kinds": {"sts": {**row, "score": 0.75}}}))
        kind                  calls  score untuned -> tuned  valid untuned -> tuned
        sts                       2       0.500 -> 0.750          0.50 -> 0.50
    """
    lines = [f"{'kind':<20}  {'calls':>5}  score untuned -> tuned  valid untuned -> tuned"]
    for kind, old in before["kinds"].items():
        new = after["kinds"].get(kind, old)
        lines.append(
            f"{kind:<20}  {old['calls']:>5}       {old['score']:.3f} -> {new['score']:.3f}          "
            f"{old['valid_share']:.2f} -> {new['valid_share']:.2f}"
        )
    return "\n".join(lines)
