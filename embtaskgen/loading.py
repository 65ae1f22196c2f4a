"""Load a program file of either stage into a new generator of that stage.

Example:
    >>> import tempfile, pathlib
    >>> from embtaskgen import EmbeddingExampleGenerator, save_program
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p.json"
    >>> _ = save_program(EmbeddingExampleGenerator("sts", count=1, lm="openai/none"), path)
    >>> type(load_program(path, lm="openai/none")).__name__
    'EmbeddingExampleGenerator'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
from embtaskgen.examples.generator import EmbeddingExampleGenerator
from embtaskgen.programs import files
from embtaskgen.programs.stages import EXAMPLES, stage_of_state

__all__ = ["load_program"]


def load_program(
    path: str | Path, *, categories: Sequence[str] | None = None, **generator_kwargs: Any
) -> EmbeddingTaskGenerator | EmbeddingExampleGenerator:
    """Build the generator of a program file's stage, with the file's prompts.

    Args:
        path: The program file (stage 1 or stage 2; the file says which).
        categories: Load only these of the stored categories (stage 2: kinds).
        **generator_kwargs: Passed to the generator (``lm``, ``seed``, ...). The category
            (stage 2: the kinds) defaults to the stored ones.

    Returns:
        An ``EmbeddingTaskGenerator`` for a stage-1 file, an ``EmbeddingExampleGenerator``
        for a stage-2 file.

    Raises:
        ProgramFileError: The file is missing, too large or not a valid program file.

    Example:
        >>> gen = load_program("tuned.json", lm="openai/gpt-4o-mini", seed=1)  # doctest: +SKIP
    """
    stage = stage_of_state(files.read_program(path))
    cls = EmbeddingExampleGenerator if stage is EXAMPLES else EmbeddingTaskGenerator
    return files.load_program(path, cls=cls, stage=stage, categories=categories, **generator_kwargs)
