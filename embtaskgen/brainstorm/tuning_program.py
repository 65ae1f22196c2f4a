"""The program an optimizer tunes: one category's predictor, called exactly as ``generate`` does.

DSPy's optimizers tune a ``dspy.Module`` whose ``forward`` takes an example's inputs.
:class:`CategoryProgram` holds copies of the generator's predictors for the categories
being tuned, under the generator's attribute names (``text_retrieval``, ...), so that
the tuned state loads straight back into an
:class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`. Its ``forward(category, num_tasks,
topic, seed)`` routes the example to its category's predictor and makes the call through
:meth:`EmbeddingTaskGenerator.call` itself (generation 0 of run ``seed``: the same
``rollout_id``, temperature, adapter and sampling seed as ``generate``), so different
examples are different samples and a held-out score measures what users get.

Demos are curated (:func:`embtaskgen.brainstorm.tuning_demos.curate_demos`) before they are shown, as they
are when the tuned program is saved.

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

    Args:
        generator: The :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator` whose LM,
            adapter, temperature and levers the calls use; its predictors are copied.
        categories: The categories whose predictors are tuned.
        progress: Called with the number of program calls made so far.

    Raises:
        ConfigError: Unknown category (the message lists the valid choices).
    """

    def __init__(
        self, generator: Any, categories: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(generator, categories, TASKS, progress)

    @property
    def tuned_categories(self) -> tuple[str, ...]:
        """The categories tuned."""
        return self.tuned_units

    def forward(self, category: str, num_tasks: int = 20, topic: str = "", seed: int = 0) -> dspy.Prediction:
        """One call: generation 0 of run ``seed`` for ``category`` on ``topic``.

        Returns:
            ``dspy.Prediction(tasks, target, shown, parse_failure, raw_output)``;
            ``tasks`` is ``None`` when the answer did not parse.
        """
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
