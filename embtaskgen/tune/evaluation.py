"""Held-out evaluation of either generator's prompts: one :func:`evaluate`, and its tables.

Each unit is called once per held-out call of its stage, exactly as a run calls it (the
same program, model and seeds give the same calls); its summary is the stage's
(:meth:`~embtaskgen.tune.tuning.StageTuning.summarise`).

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "Stocks fell."}] * 2)
    >>> report = evaluate(EmbeddingExampleGenerator("sts", lm=lm), tasks=2)
    >>> report["kinds"]["sts"]
    {'calls': 2, 'score': 0.892, 'valid_share': 1.0, 'parse_failures': 0}
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from embtaskgen.brainstorm.tuning import DEFAULT_EVAL_TOPICS
from embtaskgen.execute.collect import collect
from embtaskgen.stage_tuning import StageTuning, heldout_seeds
from embtaskgen.tune.tuning import tuning_for

__all__ = [
    "DEFAULT_EVAL_SEEDS",
    "DEFAULT_EVAL_TOPICS",
    "evaluate",
    "evaluate_examples",
    "format_comparison",
    "format_example_comparison",
    "format_table",
]

logger = logging.getLogger(__name__)

#: Held-out seeds used by default.
DEFAULT_EVAL_SEEDS: tuple[int, ...] = heldout_seeds(1)


def evaluate(
    generator: Any,
    categories: str | Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    *,
    kinds: str | Sequence[str] | None = None,
    tasks: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate the prompts of ``generator`` (either stage, tuned or not) on held-out calls.

    Args:
        generator: An ``EmbeddingTaskGenerator`` or ``EmbeddingExampleGenerator``.
        categories: Stage 1: the categories to evaluate (default: the generator's).
        topics: Stage 1: the topics to call on (default: ``DEFAULT_EVAL_TOPICS``).
        seeds: Run seeds (default: ``DEFAULT_EVAL_SEEDS``).
        kinds: Stage 2: the kinds to evaluate (default: the generator's).
        tasks: Stage 2: held-out tasks per kind (for ``sts`` and ``bitext``: calls per
            seed; default 5).
        progress: Called as ``progress(unit, calls_done)`` after each call.

    Returns:
        Stage 1: ``{"model", "metric_version", "num_tasks", "requested", "topics",
        "seeds", "categories": {category: {...}}, "overall": {...}}``; stage 2:
        ``{"model", "metric_version", "tasks", "seeds", "kinds": {kind: {...}}}``
        (JSON-friendly; see the module docstring).

    Raises:
        ConfigError: An unknown category or kind, no topics, tasks or seeds, or the
            other stage's arguments.

    Example:
        >>> report = evaluate(generator, "text-classification", seeds=[1000000, 1000001])  # doctest: +SKIP
        >>> report["categories"]["text-classification"]["score"]                         # doctest: +SKIP
        0.47
    """
    tuning, chosen = tuning_for(generator, categories=categories, kinds=kinds)
    seeds = tuple(DEFAULT_EVAL_SEEDS if seeds is None else seeds)
    report = tuning.report_head(generator, seeds, topics=topics, tasks=tasks)
    for unit in chosen:
        calls = tuning.heldout(generator, unit, report)
        results = _run(tuning, generator, unit, calls, progress)
        report[tuning.plural][unit] = tuning.summarise(generator, unit, results, report)
    tuning.complete(report)
    return report


def evaluate_examples(generator: Any, kinds: str | Sequence[str] | None = None, **options: Any) -> dict[str, Any]:
    """:func:`evaluate` with stage 2's positional arguments (kept for old callers)."""
    return evaluate(generator, kinds=kinds, **options)


def _run(
    tuning: StageTuning, generator: Any, unit: str, calls: list[Any], progress: Callable[[str, int], None] | None
) -> list[Any]:
    """Make ``calls`` of ``unit`` on the generator's workers, reporting each one done."""
    lm, done = generator.lm, 0

    def one(_: str, index: int) -> Any:
        return tuning.heldout_call(generator, unit, calls[index], lm)

    def report(_result: Any) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(unit, done)

    return collect([(unit, i) for i in range(len(calls))], one, workers=generator.workers(len(calls)), progress=report)


def format_table(report: dict[str, Any]) -> str:
    """The report as a fixed-width text table, one line per category plus ``overall``.

    Example:
        >>> print(format_table({"categories": {"text-retrieval": {"calls": 2, "score": 0.5,
        ...     "unique_on_category_per_call": 3.0, "parse_failures": 0}}}))
        category        calls  score  unique on-cat/call  parse failures
        text-retrieval      2  0.500                3.00               0
    """
    rows = dict(report.get("categories", {}))
    if len(rows) > 1 and report.get("overall", {}).get("calls"):
        rows["overall"] = report["overall"]
    width = max([len("category"), *map(len, rows)]) + 2
    lines = [f"{'category':<{width}}{'calls':>5}  {'score':>5}  {'unique on-cat/call':>18}  {'parse failures':>14}"]
    for name, row in rows.items():
        lines.append(
            f"{name:<{width}}{row['calls']:>5}  {row['score']:>5.3f}  "
            f"{row['unique_on_category_per_call']:>18.2f}  {row['parse_failures']:>14}"
        )
    return "\n".join(lines)


def format_comparison(untuned: dict[str, Any], tuned: dict[str, Any]) -> str:
    """Two reports side by side: score and unique on-category tasks per call, and ratios.

    Example:
        >>> a = {"categories": {"text-retrieval": {"score": 0.4, "unique_on_category_per_call": 2.0}}}
        >>> b = {"categories": {"text-retrieval": {"score": 0.5, "unique_on_category_per_call": 3.0}}}
        >>> print(format_comparison(a, b))
        category        score untuned  tuned  ratio  on-cat/call untuned  tuned  ratio
        text-retrieval          0.400  0.500   1.25                 2.00   3.00   1.50
    """
    names = [n for n in untuned.get("categories", {}) if n in tuned.get("categories", {})]
    width = max([len("category"), *map(len, names)]) + 2
    header = (
        f"{'category':<{width}}{'score untuned':>13}  {'tuned':>5}  {'ratio':>5}  "
        f"{'on-cat/call untuned':>19}  {'tuned':>5}  {'ratio':>5}"
    )
    lines = [header]
    for name in names:
        a, b = untuned["categories"][name], tuned["categories"][name]
        lines.append(
            f"{name:<{width}}{a['score']:>13.3f}  {b['score']:>5.3f}  {_ratio(b['score'], a['score']):>5}  "
            f"{a['unique_on_category_per_call']:>19.2f}  {b['unique_on_category_per_call']:>5.2f}  "
            f"{_ratio(b['unique_on_category_per_call'], a['unique_on_category_per_call']):>5}"
        )
    return "\n".join(lines)


def _ratio(new: float, old: float) -> str:
    return f"{new / old:.2f}" if old else ("inf" if new else "-")


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
