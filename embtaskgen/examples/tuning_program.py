"""The program an optimizer tunes for stage 2: one example kind's predictor, called as ``examples`` calls it.

:class:`ExampleProgram` holds copies of an
:class:`~embtaskgen.examples.generator.EmbeddingExampleGenerator`'s predictors
for the kinds being tuned, under the generator's attribute names (``retrieval_example``,
..., ``bitext_triplet``), so the tuned state loads straight back into a generator
(:mod:`embtaskgen.programs.files`). Its ``forward(kind, task, task_id,
index, seed)`` routes the example to its kind's predictor and makes the call through
:meth:`EmbeddingExampleGenerator.call` itself: the same attributes (drawn from the
seed), ``rollout_id``, temperature and adapter as ``embtaskgen examples``, so a score
measures what users get.

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

    Args:
        generator: The ``EmbeddingExampleGenerator`` whose LM, adapter, temperature and
            languages the calls use; its predictors are copied.
        kinds: The kinds whose predictors are tuned.
        progress: Called with the number of program calls made so far.

    Raises:
        ConfigError: An unknown kind (the message names the valid kinds).
    """

    def __init__(self, generator: Any, kinds: Sequence[str], progress: Callable[[int], None] | None = None) -> None:
        super().__init__(generator, kinds, EXAMPLES, progress)

    @property
    def tuned_kinds(self) -> tuple[str, ...]:
        """The kinds tuned."""
        return self.tuned_units

    def forward(self, kind: str, task: str = "", task_id: str = "", index: int = 0, seed: int = 0) -> dspy.Prediction:
        """One call: example ``index`` of ``kind`` for ``task`` in run ``seed``.

        Returns:
            ``dspy.Prediction`` with the kind's output fields (``None`` when the answer did
            not parse), ``kind``, ``attributes``, ``parse_failure`` and ``raw_output``.
        """
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
