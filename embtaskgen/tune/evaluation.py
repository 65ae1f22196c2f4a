"""Held-out evaluation of a generator's prompts: metric score and useful tasks per call.

Each category is called once per (held-out seed, held-out topic) pair, exactly as
``generate`` calls it (:meth:`EmbeddingTaskGenerator.call`, generation 0 of run
``seed``), so the same program, model and seeds give the same calls (and DSPy cache
hits). Per category the report gives:

- ``score``: the mean metric score of a call (:func:`embtaskgen.quality.metric.score_tasks`,
  against the count really asked for and the examples really shown, see
  :mod:`embtaskgen.tune.scoring`); a parse failure scores 0;
- ``unique_on_category_per_call``: tasks kept after cleaning and de-duplication across
  the category's calls that are on-category and copy no prompt example, per call;
- ``parse_failures``, ``returned_per_call``, ``copied_per_call`` and token usage.

Example:
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> report = evaluate(EmbeddingTaskGenerator(), ["text-retrieval"], seeds=[1000000])  # doctest: +SKIP
    >>> print(format_table(report))                                                      # doctest: +SKIP
    category        calls  score  unique on-cat/call  parse failures
    text-retrieval      8  0.412                2.44               0
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.execute.collect import collect
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.quality.metric import METRIC_VERSION, on_category, score_tasks
from embtaskgen.quality.novelty import copied_seed_task, seed_task_features
from embtaskgen.quality.text import TaskText
from embtaskgen.signatures.categories import resolve_categories
from embtaskgen.tune.scoring import requested_count, shown_examples
from embtaskgen.tune.splits import HELDOUT_TOPICS, heldout_examples, heldout_seeds

__all__ = ["DEFAULT_EVAL_SEEDS", "DEFAULT_EVAL_TOPICS", "evaluate", "format_comparison", "format_table"]

logger = logging.getLogger(__name__)

#: Held-out topics used by default: "" (any domain) and the first 7 held-out topics.
DEFAULT_EVAL_TOPICS: tuple[str, ...] = HELDOUT_TOPICS[:8]
#: Held-out seeds used by default.
DEFAULT_EVAL_SEEDS: tuple[int, ...] = heldout_seeds(1)


def evaluate(
    generator: Any,
    categories: str | Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate ``generator``'s prompts on held-out topics and seeds.

    Args:
        generator: An :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator` (tuned or not).
        categories: Categories to evaluate (default: the generator's).
        topics: Topics to call on (default: ``DEFAULT_EVAL_TOPICS``).
        seeds: Run seeds (default: ``DEFAULT_EVAL_SEEDS``).
        progress: Called as ``progress(category, calls_done)`` after each call.

    Returns:
        ``{"model", "metric_version", "num_tasks", "topics", "seeds", "categories":
        {category: {...}}, "overall": {...}}`` (JSON-friendly; see the module docstring).

    Raises:
        ValueError: Unknown category, or no topics or seeds.

    Example:
        >>> report = evaluate(generator, "text-classification", seeds=[1000000, 1000001])  # doctest: +SKIP
        >>> report["categories"]["text-classification"]["score"]                         # doctest: +SKIP
        0.47
    """
    chosen = generator.categories if categories is None else resolve_categories(categories)
    topics = tuple(DEFAULT_EVAL_TOPICS if topics is None else (topics,) if isinstance(topics, str) else topics)
    seeds = tuple(DEFAULT_EVAL_SEEDS if seeds is None else seeds)
    lm = generator.lm
    adapter = adapter_for(lm, None, generator.adapter)
    target = requested_count(generator.num_tasks, adapter)
    report: dict[str, Any] = {
        "model": str(getattr(lm, "model", type(lm).__name__)),
        "metric_version": METRIC_VERSION,
        "num_tasks": generator.num_tasks,
        "requested": target,
        "topics": list(topics),
        "seeds": list(seeds),
        "categories": {},
    }
    for category in chosen:
        examples = heldout_examples(category, topics=topics, seeds=seeds, num_tasks=generator.num_tasks)
        results = _run(generator, category, examples, progress, generator.workers(len(examples)))
        demos = generator.predictor_for(category).demos
        report["categories"][category] = _summarise(
            category, results, target, shown_examples(category, demos), len(demos)
        )
    report["overall"] = _overall(report["categories"])
    return report


def _run(
    generator: Any, category: str, examples: list[Any], progress: Callable[[str, int], None] | None, workers: int
) -> list[Any]:
    done = 0

    def one(_: str, index: int) -> Any:
        example = examples[index]
        return generator.call(category, 0, example.seed, topic=example.topic)

    def report(result: Any) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(category, done)

    return collect([(category, i) for i in range(len(examples))], one, workers=workers, progress=report)


def _summarise(
    category: str, results: list[Any], target: int, shown: tuple[str, ...], num_demos: int
) -> dict[str, Any]:
    calls = len(results)
    scores = [
        score_tasks(r.items, category, num_tasks=target, examples=shown).score if r.items is not None else 0.0
        for r in results
    ]
    deduper = TaskDeduper()
    kept: list[str] = []
    returned = 0
    usage: Counter[str] = Counter()
    for result in results:
        usage.update(result.token_counts())
        if result.items is not None:
            returned += len(result.items)
            kept.extend(deduper.clean(result.items).tasks)
    features = seed_task_features(shown)
    copied = [t for t in kept if copied_seed_task(TaskText.of(t), features) is not None]
    useful = [t for t in kept if on_category(t, category) and copied_seed_task(TaskText.of(t), features) is None]
    return {
        "calls": calls,
        "score": round(sum(scores) / calls, 4) if calls else 0.0,
        "unique_on_category_per_call": round(len(useful) / calls, 3) if calls else 0.0,
        "unique_on_category": len(useful),
        "parse_failures": sum(1 for r in results if r.parse_failure),
        "returned_per_call": round(returned / calls, 2) if calls else 0.0,
        "kept": len(kept),
        "copied_per_call": round(len(copied) / calls, 3) if calls else 0.0,
        "demos": num_demos,
        "scores": [round(s, 4) for s in scores],
        "usage": dict(usage),
    }


def _overall(per_category: dict[str, dict[str, Any]]) -> dict[str, Any]:
    calls = sum(r["calls"] for r in per_category.values())
    if not calls:
        return {"calls": 0}
    return {
        "calls": calls,
        "score": round(sum(r["score"] * r["calls"] for r in per_category.values()) / calls, 4),
        "unique_on_category_per_call": round(sum(r["unique_on_category"] for r in per_category.values()) / calls, 3),
        "parse_failures": sum(r["parse_failures"] for r in per_category.values()),
    }


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
