"""What stage 2 hands ``embtaskgen.tune`` (:data:`EXAMPLE_TUNING`): the unit tuned is an example kind.

Example:
    >>> EXAMPLE_TUNING.plural, EXAMPLE_TUNING.leading_info
    ('kinds', {'stage': 'examples'})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.examples.tuning_metric import example_tuning_metric
from embtaskgen.examples.tuning_program import ExampleProgram
from embtaskgen.examples.tuning_splits import example_heldout_set, example_training_set
from embtaskgen.programs.stages import EXAMPLES
from embtaskgen.quality.grading import EXAMPLE_METRIC_VERSION, grade_example
from embtaskgen.stage_tuning import StageTuning

__all__ = ["EXAMPLE_TUNING", "ExampleTuning"]


class ExampleTuning(StageTuning):
    """Stage 2's units, metric and splits for the optimizer (see :mod:`embtaskgen.tune.optimize`)."""

    stage = EXAMPLES
    plural = "kinds"
    label = " examples"
    calls_are = "calls"
    metric_version = EXAMPLE_METRIC_VERSION
    leading_info: dict[str, Any] = {"stage": "examples"}
    count_candidates = True
    refused = (("trainset", "valset"), "a trainset or valset is for tuning task prompts (stage 1); stage 2 takes tasks")
    metric = staticmethod(example_tuning_metric)
    program = ExampleProgram

    def units(self, generator: Any, chosen: str | Sequence[str] | None) -> Sequence[str]:
        """The kinds to tune (default: the generator's)."""
        return generator.settings.kinds if chosen is None else EXAMPLES.resolve(chosen)

    def settings_info(self, generator: Any, task_lm: Any) -> dict[str, Any]:
        """The generator settings a tuned program records."""
        return {"temperature": generator.settings.temperature}

    def draw(
        self, generator: Any, kind: str, count: int, seed: int, exclude: Sequence[Any], tasks: Sequence[str] | None
    ) -> list[dspy.Example]:
        """``count`` calls of ``kind``, drawn from ``tasks`` (default: the training tasks)."""
        return example_training_set(kind, count, seed=seed, tasks=tasks, exclude=exclude)

    def finish(self, predictor: Any, kind: str) -> dict[str, Any]:
        """A tuned predictor keeps its demos; their number is recorded."""
        return {"demos": len(predictor.demos)}

    def heldout_split(self, generator: Any, topics: Any, tasks: Any) -> dict[str, Any]:
        """The held-out tasks per kind."""
        if topics is not None:
            raise ConfigError("topics are for task prompts (stage 1); stage 2 is evaluated on held-out tasks")
        return {"tasks": 5 if tasks is None else tasks}

    def heldout(self, generator: Any, kind: str, report: dict[str, Any]) -> list[dspy.Example]:
        """The held-out (task, seed) calls of ``kind``."""
        return example_heldout_set(kind, tasks=report["tasks"], seeds=report["seeds"])

    def heldout_call(self, generator: Any, kind: str, call: dspy.Example, lm: Any) -> Any:
        """One held-out call, made as ``embtaskgen examples`` makes it."""
        return generator.call(kind, call.task, call.task_id, call.index, call.seed, lm=lm)

    def summarise(self, generator: Any, kind: str, results: list[Any], report: dict[str, Any]) -> dict[str, Any]:
        """The mean ``score_example`` (a parse failure scores 0), the valid share and parse failures."""
        grades = [
            grade_example({**(r.outputs or {}), "parse_failure": r.outputs is None}, kind, attributes=r.attributes)
            for r in results
        ]
        return {
            "calls": len(results),
            "score": round(sum(g.score for g in grades) / len(grades), 4),
            "valid_share": round(sum(g.valid for g in grades) / len(grades), 4),
            "parse_failures": sum(r.outputs is None for r in results),
        }


#: Stage 2's tuning, as :func:`embtaskgen.tune.optimize.optimize` takes it.
EXAMPLE_TUNING = ExampleTuning()
