"""Which stage's tuning a generator gets (:func:`tuning_for`).

Example:
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> tuning, units = tuning_for(EmbeddingExampleGenerator("sts", lm="openai/none"))
    >>> tuning.plural, list(units)
    ('kinds', ['sts'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from embtaskgen.brainstorm.tuning import TASK_TUNING
from embtaskgen.errors import ConfigError
from embtaskgen.examples.tuning import EXAMPLE_TUNING
from embtaskgen.programs.stages import EXAMPLES, stage_of_generator
from embtaskgen.stage_tuning import StageTuning

__all__ = ["tuning_for"]


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
