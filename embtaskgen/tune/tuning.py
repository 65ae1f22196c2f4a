"""What a stage hands ``tune/``: the :class:`StageTuning` protocol, and which stage a generator is.

Stage 1 implements it in :mod:`embtaskgen.brainstorm.tuning`, stage 2 in
:mod:`embtaskgen.examples.tuning`; neither imports ``tune/``.

Example:
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> tuning, units = tuning_for(EmbeddingExampleGenerator("sts", lm="openai/none"))
    >>> tuning.plural, list(units)
    ('kinds', ['sts'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import dspy

from embtaskgen.brainstorm.tuning import TASK_TUNING
from embtaskgen.errors import ConfigError
from embtaskgen.examples.tuning import EXAMPLE_TUNING
from embtaskgen.programs.stages import EXAMPLES, ProgramStage, stage_of_generator

__all__ = ["StageTuning", "tuning_for"]


class StageTuning(Protocol):
    """What a stage hands the optimizer.

    Attributes:
        stage: The stage's program-file description (predictor attribute per unit).
        plural: The ``program_info`` key of the per-unit figures (``categories``, ``kinds``).
        label: Added to log lines after the unit (``""``, ``" examples"``).
        calls_are: What a training call is called in log lines.
        metric_version: Recorded in ``program_info``.
        leading_info: ``program_info`` keys that come first (stage 2: ``{"stage": "examples"}``).
        count_candidates: Record how many candidates were scored (else the untuned score).
        metric: The optimizers' metric (GEPA's 5-argument form).
        program: Builds the ``dspy.Module`` tuned: ``program(generator, [unit], progress=...)``.

    Its methods choose the units, record the generator's settings, draw the training
    calls, finish a tuned predictor, and (for :func:`embtaskgen.tune.evaluation.evaluate`)
    start a held-out report, list and make a unit's held-out calls, summarise them and
    complete the report.
    """

    stage: ProgramStage
    plural: str
    label: str
    calls_are: str
    metric_version: str
    leading_info: dict[str, Any]
    count_candidates: bool

    @property
    def metric(self) -> Callable[..., Any]: ...

    @property
    def program(self) -> Callable[..., Any]: ...

    def units(self, generator: Any, chosen: Any) -> Sequence[str]: ...

    def settings_info(self, generator: Any, task_lm: Any) -> dict[str, Any]: ...

    def datasets(
        self,
        generator: Any,
        unit: str,
        sizes: tuple[int, int],
        seed: int,
        *,
        trainset: Sequence[Any] | None = None,
        valset: Sequence[Any] | None = None,
        tasks: Sequence[str] | None = None,
    ) -> tuple[list[dspy.Example], list[dspy.Example]]: ...

    def finish(self, predictor: Any, unit: str) -> dict[str, Any]: ...

    def report_head(self, generator: Any, seeds: tuple[int, ...], *, topics: Any, tasks: Any) -> dict[str, Any]: ...

    def heldout(self, generator: Any, unit: str, report: dict[str, Any]) -> list[dspy.Example]: ...

    def heldout_call(self, generator: Any, unit: str, call: dspy.Example, lm: Any) -> Any: ...

    def summarise(self, generator: Any, unit: str, results: list[Any], report: dict[str, Any]) -> dict[str, Any]: ...

    def complete(self, report: dict[str, Any]) -> None: ...


def tuning_for(
    generator: Any, *, categories: str | Sequence[str] | None = None, kinds: str | Sequence[str] | None = None
) -> tuple[StageTuning, Sequence[str]]:
    """The tuning of the stage ``generator`` belongs to, and the units chosen (default: the generator's).

    Raises:
        ConfigError: An unknown unit, or units of the other stage (``kinds`` for stage 1).
    """
    tuning: StageTuning = EXAMPLE_TUNING if stage_of_generator(generator) is EXAMPLES else TASK_TUNING
    mine, other = (kinds, categories) if tuning is EXAMPLE_TUNING else (categories, kinds)
    if other is not None:
        raise ConfigError(f"this generator's prompts are tuned per {tuning.stage.unit}: pass {tuning.plural}")
    return tuning, tuning.units(generator, mine)
