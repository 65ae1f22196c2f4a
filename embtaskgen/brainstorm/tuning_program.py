"""The program an optimizer tunes: one category's predictor, called exactly as ``generate`` does.

Copies of the generator's predictors sit under its attribute names, so the tuned state loads
straight back; ``forward`` makes the call through ``EmbeddingTaskGenerator.call`` (generation 0
of run ``seed``), so a held-out score measures what users get. Demos are curated
(:func:`~embtaskgen.brainstorm.tuning_demos.curate_demos`) before they are shown.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> lm = dspy.utils.DummyLM([{"tasks": '["Given a claim, retrieve evidence documents."]'}])
    >>> program = CategoryProgram(EmbeddingTaskGenerator(lm=lm), ["text-retrieval"])
    >>> [name for name, _ in program.named_predictors()]
    ['text_retrieval']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.brainstorm.tuning_demos import curate_demos
from embtaskgen.brainstorm.tuning_metric import demo_tasks, requested_count
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.programs.stages import TASKS
from embtaskgen.programs.tunable import TunableProgram

__all__ = ["CategoryProgram"]


class CategoryProgram(TunableProgram):
    """Route an example to its category's predictor and make one ``generate`` call.

    ``progress`` is called with the number of program calls made so far.

    Raises:
        ConfigError: Unknown category (the message lists the valid choices).
    """

    def __init__(
        self, generator: Any, categories: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(generator, categories, TASKS, progress)

    def forward(self, category: str, num_tasks: int = 20, topic: str = "", seed: int = 0) -> dspy.Prediction:
        """One call (generation 0 of run ``seed``): ``Prediction(tasks, target, shown, parse_failure, raw_output)``."""
        predictor = self.tuned_predictor(category)
        generator = self.generator
        shown = curate_demos(predictor.demos, category) if predictor.demos else []
        result = generator.call(
            category,
            0,
            int(seed),
            topic=topic,
            demos=shown if predictor.demos else None,
            predictor=predictor,
            num_tasks=int(num_tasks),
        )
        self.count(result.items is None)
        adapter = adapter_for(generator.lm, category, generator.adapter)
        return dspy.Prediction(
            tasks=result.items,
            target=requested_count(int(num_tasks), adapter),
            shown=demo_tasks(shown),
            parse_failure=result.parse_failure,
            raw_output=result.raw_output,
        )
