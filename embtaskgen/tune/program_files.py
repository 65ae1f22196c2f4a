"""The shipped tuned program, and what ``--program`` / ``program=`` loads.

The package ships a program tuned for the embedded default model
(``embtaskgen/tune/programs/default.json``); :func:`default_program_for` returns it only
for that model and adapter, for the categories whose held-out score it improved, and only
while the signatures' instructions are the ones it was tuned from. The file format is
:mod:`embtaskgen.brainstorm.program_state`.

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

from embtaskgen.brainstorm.program_state import apply_program, base_instructions_digest, program_metadata, read_program
from embtaskgen.quality.metric import METRIC_VERSION
from embtaskgen.errors import ProgramFileError
from embtaskgen.lm.adapters import adapter_for

__all__ = ["SHIPPED_PROGRAM", "adapter_fingerprint", "check_metric_version", "default_program_for", "resolve_program"]

logger = logging.getLogger(__name__)

#: The program tuned for the embedded default model, shipped in the package.
SHIPPED_PROGRAM = Path(__file__).parent / "programs" / "default.json"

_ADAPTER_SETTINGS = ("style", "num_examples", "example_size", "max_items", "min_chars", "max_chars")




def adapter_fingerprint(adapter: Any) -> dict[str, Any] | None:
    """The adapter's class and prompt settings (``None`` for DSPy's default adapter)."""
    if adapter is None:
        return None
    fingerprint: dict[str, Any] = {"class": type(adapter).__name__}
    for name in _ADAPTER_SETTINGS:
        if hasattr(adapter, name):
            fingerprint[name] = getattr(adapter, name)
    return fingerprint














def default_program_for(lm: Any, adapter: Any = None) -> tuple[Path, list[str]] | None:
    """The shipped program and the categories to load from it, or ``None``.

    It applies only to the model it was tuned for (same model id, which includes the
    model file's fingerprint), with the same adapter settings, for the categories whose
    held-out metric score it improved and whose signature instructions are unchanged.

    Args:
        lm: The generator's LM.
        adapter: The generator's adapter (default: the one the library picks for ``lm``).
    """
    if not SHIPPED_PROGRAM.is_file():
        return None
    try:
        info = program_metadata(SHIPPED_PROGRAM)
    except ValueError as exc:  # pragma: no cover - the shipped file is tested
        logger.warning("shipped program unreadable: %s", exc)
        return None
    if info.get("model") != str(getattr(lm, "model", "")):
        return None
    if adapter is None:
        adapter = adapter_for(lm)
    if info.get("adapter") != adapter_fingerprint(adapter):
        logger.info("shipped program skipped: it was tuned with other adapter settings")
        return None
    if info.get("metric_version") != METRIC_VERSION:
        return None
    categories = []
    for category, scores in (info.get("heldout") or {}).items():
        tuned = (scores.get("tuned") or {}).get("score")
        untuned = (scores.get("untuned") or {}).get("score")
        digest = (info.get("base_instructions") or {}).get(category)
        if tuned is None or untuned is None or tuned <= untuned:
            continue
        if digest != base_instructions_digest(category):
            logger.info("shipped program for %s skipped: the signature changed since tuning", category)
            continue
        categories.append(category)
    return (SHIPPED_PROGRAM, categories) if categories else None


def check_metric_version(program: str | Path | Mapping[str, Any]) -> None:
    """Warn when a program was tuned against another version of the metric."""
    version = program_metadata(program).get("metric_version")
    if version is not None and version != METRIC_VERSION:
        logger.warning("program was tuned with metric version %s; this is version %s", version, METRIC_VERSION)


def resolve_program(generator: Any, program: str | Path | None = "default") -> str | None:
    """Apply a ``--program`` choice to ``generator``; returns what was loaded, for logs.

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
    if program is None or str(program).lower() == "none":
        return None
    if str(program) == "default":
        found = default_program_for(generator.lm, generator.adapter)
        if found is None:
            return None
        path, categories = found
        apply_program(generator, path, categories=categories)
        return f"{path.name} ({', '.join(categories)})"
    path = Path(program)
    if not path.exists():
        raise ProgramFileError(f"no program file at {str(path)!r}; pass a .json file, 'default' or 'none'")
    state = read_program(path)  # read and checked once: what is checked is what is loaded
    check_metric_version(state)
    apply_program(generator, state)
    return str(path)
