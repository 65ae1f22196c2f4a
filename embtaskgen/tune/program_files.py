"""The shipped tuned program, and what ``--program`` / ``program=`` loads.

The package ships a program tuned for the embedded default model
(``embtaskgen/tune/programs/default.json``). Which prompts a generator starts with is
decided in :mod:`embtaskgen.brainstorm.program_choice` (``EmbeddingTaskGenerator(program=...)``
uses it, and so does :func:`resolve_program`); this module adds the tuning side: the
metric version the shipped program must have been scored with (handed down on import),
and a warning when a program file was scored with another version. The file
format is :mod:`embtaskgen.brainstorm.program_state`.

Example:
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> resolve_program(EmbeddingTaskGenerator(lm="openai/none"), "none") is None
    True
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embtaskgen.brainstorm.program_choice import (
    METRIC_IN_USE,
    SHIPPED_PROGRAM,
    adapter_fingerprint,
    apply_program_choice,
    check_program_choice,
    default_program_for,
)
from embtaskgen.brainstorm.program_state import program_metadata
from embtaskgen.quality.metric import METRIC_VERSION

__all__ = ["SHIPPED_PROGRAM", "adapter_fingerprint", "check_metric_version", "default_program_for", "resolve_program"]

logger = logging.getLogger(__name__)

# The shipped program applies only while its held-out scores are of this metric.
METRIC_IN_USE["version"] = METRIC_VERSION


def check_metric_version(program: str | Path | Mapping[str, Any]) -> None:
    """Warn when a program was tuned against another version of the metric."""
    version = program_metadata(program).get("metric_version")
    if version is not None and version != METRIC_VERSION:
        logger.warning("program was tuned with metric version %s; this is version %s", version, METRIC_VERSION)


def resolve_program(generator: Any, program: str | Path | None = "default") -> str | None:
    """Apply a ``--program`` choice to ``generator``; returns what was loaded, for logs.

    Every predictor starts again from the untuned signatures (so ``"none"`` undoes the
    shipped program a generator was built with), then the choice is loaded.

    Args:
        generator: The generator to load into (in place).
        program: ``"default"`` (the shipped program when it applies to the generator's
            model, see :func:`default_program_for`), ``"none"``/``None`` (the untuned
            signatures), or a path to a program file.

    Raises:
        ProgramFileError: A path that is not a readable program file (missing, a
            directory, not JSON, or holding a key a program file may not hold).

    Example:
        >>> resolve_program(generator, "none") is None  # doctest: +SKIP
        True
    """
    choice = check_program_choice(program)
    if isinstance(choice, Path):
        check_metric_version(choice)
    return apply_program_choice(generator, choice)
