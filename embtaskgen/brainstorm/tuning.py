"""What stage 1 hands the one optimizer (:func:`embtaskgen.tune.optimize.optimize`): :data:`TASK_TUNING`.

The unit tuned is a category: the program is
:class:`~embtaskgen.brainstorm.tuning_program.CategoryProgram`, the metric
:func:`~embtaskgen.brainstorm.tuning_metric.tuning_metric`, the calls are drawn from the
training topics and seeds (:mod:`embtaskgen.brainstorm.tuning_splits`) unless a trainset
is given, and a tuned predictor keeps only curated demos
(:func:`~embtaskgen.brainstorm.tuning_demos.curate_demos`).

Example:
    >>> TASK_TUNING.plural, TASK_TUNING.label
    ('categories', '')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.brainstorm.tuning_demos import curate_demos
from embtaskgen.brainstorm.tuning_metric import tuning_metric
from embtaskgen.brainstorm.tuning_program import CategoryProgram
from embtaskgen.brainstorm.tuning_splits import EXAMPLE_INPUTS, make_example, training_examples
from embtaskgen.errors import ConfigError
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.programs.choice import adapter_fingerprint
from embtaskgen.programs.stages import TASKS
from embtaskgen.quality.score import METRIC_VERSION

__all__ = ["TASK_TUNING", "TaskTuning"]


class TaskTuning:
    """Stage 1's units, metric and splits for the optimizer (see :mod:`embtaskgen.tune.optimize`)."""

    stage = TASKS
    plural = "categories"
    label = ""
    calls_are = "examples"
    metric_version = METRIC_VERSION
    leading_info: dict[str, Any] = {}
    count_candidates = False
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

    def datasets(
        self,
        generator: Any,
        category: str,
        sizes: tuple[int, int],
        seed: int,
        *,
        trainset: Sequence[Any] | None = None,
        valset: Sequence[Any] | None = None,
        tasks: Sequence[str] | None = None,
    ) -> tuple[list[dspy.Example], list[dspy.Example]]:
        """The training and validation calls of ``category`` (``sizes``: how many of each when drawn)."""
        if tasks is not None:
            raise ConfigError("tasks are for tuning example prompts (stage 2); stage 1 takes a trainset")
        num_tasks = generator.num_tasks
        if trainset is None:
            train = training_examples(category, sizes[0], seed=seed, num_tasks=num_tasks)
            if valset is None:
                val = training_examples(category, sizes[1], seed=seed + 1, num_tasks=num_tasks, exclude=train)
            else:
                val = _normalise(valset, category, num_tasks, "valset")
            return train, val
        train = _normalise(trainset, category, num_tasks, "trainset")
        if valset is not None:
            return train, _normalise(valset, category, num_tasks, "valset")
        if len(train) < 2:
            raise ConfigError(f"the trainset has {len(train)} example(s) of {category}; give at least 2 or a valset")
        cut = max(1, len(train) // 3)
        return train[cut:], train[:cut]

    def finish(self, predictor: Any, category: str) -> dict[str, Any]:
        """Keep only curated demos in a tuned predictor; no per-unit figure to add."""
        predictor.demos = curate_demos(predictor.demos, category) if predictor.demos else []
        return {}


def _normalise(examples: Sequence[Any], category: str, num_tasks: int, name: str) -> list[dspy.Example]:
    """The examples of ``category``, with defaults filled in and the program's inputs set."""
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


#: Stage 1's tuning, as :func:`embtaskgen.tune.optimize.optimize` takes it.
TASK_TUNING = TaskTuning()
