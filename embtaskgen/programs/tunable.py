"""What an optimizer tunes, for either stage: copies of a generator's predictors, one call counter.

The copies sit under the generator's attribute names, so the tuned state loads straight
back into it; each stage's subclass makes one call in ``forward`` exactly as a run does.

Example:
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> from embtaskgen.programs.stages import EXAMPLES
    >>> program = TunableProgram(EmbeddingExampleGenerator("sts", lm="openai/none"), ["sts"], EXAMPLES)
    >>> [name for name, _ in program.named_predictors()], program.calls
    (['similarity_triplet'], 0)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.programs.stages import ProgramStage

__all__ = ["TunableProgram"]


class _Shared:
    """State that optimizers' deep copies of the program keep sharing: the generator, the
    stage and the call counter (never part of the tuned parameters)."""

    def __init__(self, generator: Any, stage: ProgramStage, progress: Callable[[int], None] | None) -> None:
        self.generator = generator
        self.stage = stage
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


class TunableProgram(dspy.Module):
    """Copies of ``generator``'s predictors for ``units`` of ``stage``, and the count of calls
    made through them (``progress`` is called with it)."""

    def __init__(
        self, generator: Any, units: Sequence[str], stage: ProgramStage, progress: Callable[[int], None] | None = None
    ) -> None:
        super().__init__()
        self.tuned_units = tuple(stage.resolve(units))
        self._shared = _Shared(generator, stage, progress)
        for unit in self.tuned_units:
            setattr(self, stage.attributes[unit], generator.predictor_for(unit).deepcopy())

    @property
    def generator(self) -> Any:
        """The generator the calls go through."""
        return self._shared.generator

    @property
    def calls(self) -> int:
        """Program calls made so far (this program and all its copies)."""
        return self._shared.calls

    @property
    def parse_failures(self) -> int:
        """Calls whose answer did not parse."""
        return self._shared.parse_failures

    def tuned_predictor(self, unit: str) -> Any:
        """The predictor being tuned for ``unit`` (a ``ConfigError`` if it is not tuned)."""
        stage = self._shared.stage
        if unit not in self.tuned_units:
            raise ConfigError(
                f"{stage.unit} {unit!r} is not tuned by this program; choose from {', '.join(self.tuned_units)}"
            )
        return getattr(self, stage.attributes[unit])

    def count(self, parse_failure: bool) -> None:
        """Count one call (and report progress)."""
        self._shared.count(parse_failure)
