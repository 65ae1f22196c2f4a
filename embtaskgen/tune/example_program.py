"""The program an optimizer tunes for stage 2: one example kind's predictor, called as ``examples`` calls it.

:class:`ExampleProgram` holds copies of an
:class:`~embtaskgen.examples.generator.EmbeddingExampleGenerator`'s predictors
for the kinds being tuned, under the generator's attribute names (``retrieval_example``,
..., ``bitext_triplet``), so the tuned state loads straight back into a generator
(:mod:`embtaskgen.tune.example_program_files`). Its ``forward(kind, task, task_id,
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

import threading
from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import EXAMPLE_PREDICTOR_NAMES, OUTPUT_FIELDS, SYMMETRIC_KINDS, resolve_kinds

__all__ = ["ExampleProgram"]


class _Shared:
    """What the optimizers' deep copies keep sharing: the generator and the call counter."""

    def __init__(self, generator: Any, progress: Callable[[int], None] | None) -> None:
        self.generator = generator
        self.progress = progress
        self.calls = 0
        self.parse_failures = 0
        self._lock = threading.Lock()

    def count(self, parse_failure: bool) -> None:
        with self._lock:
            self.calls += 1
            self.parse_failures += int(parse_failure)
            calls = self.calls
        if self.progress is not None:
            self.progress(calls)

    def __deepcopy__(self, memo: dict[int, Any]) -> _Shared:
        return self


class ExampleProgram(dspy.Module):
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
        super().__init__()
        self.tuned_kinds = resolve_kinds(list(kinds))
        self._shared = _Shared(generator, progress)
        for kind in self.tuned_kinds:
            setattr(self, EXAMPLE_PREDICTOR_NAMES[kind], generator.predictor_for(kind).deepcopy())

    @property
    def calls(self) -> int:
        """Program calls made so far (this program and all its copies)."""
        return self._shared.calls

    @property
    def parse_failures(self) -> int:
        """Calls whose answer did not parse into the kind's fields."""
        return self._shared.parse_failures

    def forward(self, kind: str, task: str = "", task_id: str = "", index: int = 0, seed: int = 0) -> dspy.Prediction:
        """One call: example ``index`` of ``kind`` for ``task`` in run ``seed``.

        Returns:
            ``dspy.Prediction`` with the kind's output fields (``None`` when the answer did
            not parse), ``kind``, ``attributes``, ``parse_failure`` and ``raw_output``.
        """
        if kind not in self.tuned_kinds:
            raise ConfigError(f"kind {kind!r} is not tuned by this program; choose from {', '.join(self.tuned_kinds)}")
        predictor = getattr(self, EXAMPLE_PREDICTOR_NAMES[kind])
        task_id = task_id or (kind if kind in SYMMETRIC_KINDS else f"{kind}/tune")
        result = self._shared.generator.call(kind, task, task_id, int(index), int(seed), predictor=predictor)
        self._shared.count(result.outputs is None)
        outputs = result.outputs or {}
        return dspy.Prediction(
            **{name: outputs.get(name) for name in OUTPUT_FIELDS[kind]},
            kind=kind,
            attributes=result.attributes,
            parse_failure=result.outputs is None,
            raw_output=result.raw_output,
        )
