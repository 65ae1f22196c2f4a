"""The program an optimizer tunes for stage 2: one example kind's predictor, called as ``examples`` calls it.

As stage 1's :class:`~embtaskgen.brainstorm.tuning_program.CategoryProgram`: copies of the
generator's predictors under its attribute names, and calls through
``EmbeddingExampleGenerator.call`` itself, so a score measures what users get.

Example:
    >>> import dspy
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> lm = dspy.utils.DummyLM([{"S1": "A dog runs.", "S2": "A dog is running.", "S3": "Stocks fell."}])
    >>> program = ExampleProgram(EmbeddingExampleGenerator("sts", count=1, lm=lm), ["sts"])
    >>> [name for name, _ in program.named_predictors()]
    ['similarity_triplet']
    >>> program(kind="sts", seed=1).S2
    'A dog is running.'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.examples.kinds import OUTPUT_FIELDS, SYMMETRIC_KINDS
from embtaskgen.programs.stages import EXAMPLES
from embtaskgen.programs.tunable import TunableProgram

__all__ = ["ExampleProgram"]


class ExampleProgram(TunableProgram):
    """Route an example to its kind's predictor and make one ``examples`` call.

    Raises:
        ConfigError: An unknown kind (the message names the valid kinds).
    """

    def __init__(self, generator: Any, kinds: Sequence[str], progress: Callable[[int], None] | None = None) -> None:
        super().__init__(generator, kinds, EXAMPLES, progress)

    def forward(self, kind: str, task: str = "", task_id: str = "", index: int = 0, seed: int = 0) -> dspy.Prediction:
        """One call: the kind's output fields, ``kind``, ``attributes``, ``parse_failure``, ``raw_output``."""
        predictor = self.tuned_predictor(kind)
        task_id = task_id or (kind if kind in SYMMETRIC_KINDS else f"{kind}/tune")
        result = self.generator.call(kind, task, task_id, int(index), int(seed), predictor=predictor)
        self.count(result.outputs is None)
        outputs = result.outputs or {}
        return dspy.Prediction(
            **{name: outputs.get(name) for name in OUTPUT_FIELDS[kind]},
            kind=kind,
            attributes=result.attributes,
            parse_failure=result.outputs is None,
            raw_output=result.raw_output,
        )
