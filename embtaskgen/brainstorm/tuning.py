"""What stage 1 hands ``embtaskgen.tune`` (:data:`TASK_TUNING`): the unit tuned is a category.

A tuned predictor keeps only curated demos (:func:`~embtaskgen.brainstorm.tuning_demos.curate_demos`).

Example:
    >>> TASK_TUNING.plural, TASK_TUNING.label
    ('categories', '')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.tuning_demos import curate_demos
from embtaskgen.brainstorm.tuning_metric import requested_count, shown_examples, tuning_metric
from embtaskgen.brainstorm.tuning_program import CategoryProgram
from embtaskgen.brainstorm.tuning_splits import (
    EXAMPLE_INPUTS,
    HELDOUT_TOPICS,
    heldout_examples,
    make_example,
    training_examples,
)
from embtaskgen.errors import ConfigError
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.programs.choice import adapter_fingerprint
from embtaskgen.programs.stages import TASKS
from embtaskgen.quality.metric import on_category, score_tasks
from embtaskgen.quality.novelty import copied_seed_task, seed_task_features
from embtaskgen.quality.score import METRIC_VERSION
from embtaskgen.quality.text import TaskText
from embtaskgen.stage_tuning import StageTuning

__all__ = ["DEFAULT_EVAL_TOPICS", "TASK_TUNING", "TaskTuning"]

#: Held-out topics evaluated by default: "" (any domain) and the first 7 held-out topics.
DEFAULT_EVAL_TOPICS: tuple[str, ...] = HELDOUT_TOPICS[:8]


class TaskTuning(StageTuning):
    """Stage 1's units, metric and splits for the optimizer (see :mod:`embtaskgen.tune.optimize`)."""

    stage = TASKS
    plural = "categories"
    label = ""
    calls_are = "examples"
    metric_version = METRIC_VERSION
    leading_info: dict[str, Any] = {}
    count_candidates = False
    refused = (("tasks",), "tasks are for tuning example prompts (stage 2); stage 1 takes a trainset")
    metric = staticmethod(tuning_metric)
    program = CategoryProgram

    def units(self, generator: Any, chosen: str | Sequence[str] | None) -> Sequence[str]:
        """The categories to tune (default: the generator's)."""
        return generator.categories if chosen is None else TASKS.resolve(chosen)

    def settings_info(self, generator: Any, task_lm: Any) -> dict[str, Any]:
        """The generator settings a tuned program records (what its scores depend on)."""
        return {
            "adapter": adapter_fingerprint(adapter_for(task_lm, None, generator.adapter)),
            "num_tasks": generator.num_tasks,
            "temperature": generator.temperature,
        }

    def draw(
        self, generator: Any, category: str, count: int, seed: int, exclude: Sequence[Any], tasks: Any
    ) -> list[dspy.Example]:
        """``count`` calls of ``category`` from the training topics and seeds."""
        return training_examples(category, count, seed=seed, num_tasks=generator.num_tasks, exclude=exclude)

    def given(self, generator: Any, category: str, examples: Sequence[Any], name: str) -> list[dspy.Example]:
        """The examples of ``category``, with defaults filled in and the program's inputs set."""
        num_tasks = generator.num_tasks
        chosen = []
        for index, example in enumerate(examples):
            get = example.get if hasattr(example, "get") else (lambda key, default=None: default)
            if get("category") != category:
                continue
            chosen.append(
                make_example(
                    category,
                    str(get("topic", "") or ""),
                    int(get("seed", index) if get("seed") is not None else index),
                    int(get("num_tasks", num_tasks) or num_tasks),
                )
            )
        if not chosen:
            raise ConfigError(
                f"the {name} has no example with category {category!r}; "
                f"each example needs the inputs {', '.join(EXAMPLE_INPUTS)} (category required)"
            )
        return chosen

    def finish(self, predictor: Any, category: str) -> dict[str, Any]:
        """Keep only curated demos in a tuned predictor; no per-unit figure to add."""
        predictor.demos = curate_demos(predictor.demos, category) if predictor.demos else []
        return {}

    def heldout_split(self, generator: Any, topics: Any, tasks: Any) -> dict[str, Any]:
        """The count asked for per call and the held-out topics."""
        if tasks is not None:
            raise ConfigError("held-out tasks are for example prompts (stage 2); stage 1 is evaluated on topics")
        topics = tuple(DEFAULT_EVAL_TOPICS if topics is None else (topics,) if isinstance(topics, str) else topics)
        return {
            "num_tasks": generator.num_tasks,
            "requested": requested_count(generator.num_tasks, adapter_for(generator.lm, None, generator.adapter)),
            "topics": list(topics),
        }

    def heldout(self, generator: Any, category: str, report: dict[str, Any]) -> list[dspy.Example]:
        """Every held-out (seed, topic) call of ``category``, seed-major."""
        return heldout_examples(category, topics=report["topics"], seeds=report["seeds"], num_tasks=generator.num_tasks)

    def heldout_call(self, generator: Any, category: str, call: dspy.Example, lm: Any) -> Any:
        """One held-out call, made as ``generate`` makes it (generation 0 of run ``call.seed``)."""
        return generator.call(category, 0, call.seed, topic=call.topic)

    def summarise(self, generator: Any, category: str, results: list[Any], report: dict[str, Any]) -> dict[str, Any]:
        """Score, useful tasks per call, parse failures, copies and usage of one category's calls."""
        demos = generator.predictor_for(category).demos
        shown = shown_examples(category, demos)
        calls, target = len(results), report["requested"]
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
            "demos": len(demos),
            "scores": [round(s, 4) for s in scores],
            "usage": dict(usage),
        }

    def complete(self, report: dict[str, Any]) -> None:
        """Add ``overall``: the calls, mean score and useful tasks per call of every category."""
        rows = report["categories"].values()
        calls = sum(r["calls"] for r in rows)
        report["overall"] = (
            {
                "calls": calls,
                "score": round(sum(r["score"] * r["calls"] for r in rows) / calls, 4),
                "unique_on_category_per_call": round(sum(r["unique_on_category"] for r in rows) / calls, 3),
                "parse_failures": sum(r["parse_failures"] for r in rows),
            }
            if calls
            else {"calls": 0}
        )


#: Stage 1's tuning, as :func:`embtaskgen.tune.optimize.optimize` takes it.
TASK_TUNING = TaskTuning()
