"""Which prompts a generator starts with: ``program=`` in Python, ``--program`` on the command line.

The choices are the same in both places:

* ``"default"`` (the default): the program the package ships, tuned for the embedded
  default model (``embtaskgen/tune/programs/default.json``), loaded only with the model
  and adapter settings it was tuned for, for the categories whose held-out score it
  improved, and only while the signatures' instructions are the ones it was tuned from;
  every other case runs the untuned signatures;
* ``None`` or ``"none"``: the untuned signatures;
* a path to a program file (``embtaskgen optimize``, ``generator.save``): its prompts
  for the categories it holds, the untuned signatures for the others.

The choice is checked where it enters (a missing file is a
:class:`~embtaskgen.errors.ProgramFileError` naming the valid choices); applying it
replaces every predictor's prompts, so a choice made after construction starts from the
untuned signatures too. The shipped program's held-out scores count only for the metric
version they were measured with: the metric lives above this layer, so
:mod:`embtaskgen.tune.program_files` hands its version down (:data:`METRIC_IN_USE`, set
when ``embtaskgen`` is imported); a shipped program of another version is not loaded.

Example:
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> gen = EmbeddingTaskGenerator("text-retrieval", lm="openai/none")
    >>> apply_program_choice(gen, "none") is None
    True
    >>> check_program_choice("nowhere.json")
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ProgramFileError: no program file at 'nowhere.json'; pass a .json file, 'default' or 'none' (None)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dspy

from embtaskgen.brainstorm.program_state import apply_program, base_instructions_digest, program_metadata, read_program
from embtaskgen.errors import ProgramFileError
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.lm.spec import is_local_spec
from embtaskgen.signatures.categories import PREDICTOR_NAMES, signature_for

__all__ = [
    "METRIC_IN_USE",
    "SHIPPED_PROGRAM",
    "adapter_fingerprint",
    "apply_program_choice",
    "check_program_choice",
    "default_program_for",
]

logger = logging.getLogger(__name__)

#: The program tuned for the embedded default model, shipped in the package.
SHIPPED_PROGRAM = Path(__file__).parents[1] / "tune" / "programs" / "default.json"

#: The version of the quality metric in use, set by :mod:`embtaskgen.tune.program_files`
#: (``{"version": None}``: unknown, and the shipped program is not loaded).
METRIC_IN_USE: dict[str, str | None] = {"version": None}

_ADAPTER_SETTINGS = ("style", "num_examples", "example_size", "max_items", "min_chars", "max_chars")
_CHOICES = "pass a .json file, 'default' or 'none' (None)"


def adapter_fingerprint(adapter: Any) -> dict[str, Any] | None:
    """The adapter's class and prompt settings (``None`` for DSPy's default adapter)."""
    if adapter is None:
        return None
    fingerprint: dict[str, Any] = {"class": type(adapter).__name__}
    for name in _ADAPTER_SETTINGS:
        if hasattr(adapter, name):
            fingerprint[name] = getattr(adapter, name)
    return fingerprint


def check_program_choice(program: Any) -> str | Path | None:
    """Check a ``program=`` / ``--program`` choice; returns ``"default"``, ``None`` or the file's path.

    Raises:
        ProgramFileError: Not a string or path, or a path with no file there.
    """
    if program is None:
        return None
    if not isinstance(program, (str, Path)):
        raise ProgramFileError(f"program must be a path, 'default' or 'none' (None), got {type(program).__name__}")
    if isinstance(program, str) and program.strip().lower() in ("none", "default"):
        return None if program.strip().lower() == "none" else "default"
    path = Path(program)
    if not path.exists():
        raise ProgramFileError(f"no program file at {str(path)!r}; {_CHOICES}")
    if path.is_dir():
        raise ProgramFileError(f"{str(path)!r} is a directory; {_CHOICES}")
    return path


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
    if info.get("metric_version") != METRIC_IN_USE["version"]:
        logger.info(
            "shipped program skipped: scored with metric version %s, this is %s",
            info.get("metric_version"),
            METRIC_IN_USE["version"],
        )
        return None
    if adapter is None:
        adapter = adapter_for(lm)
    if info.get("adapter") != adapter_fingerprint(adapter):
        logger.info("shipped program skipped: it was tuned with other adapter settings")
        return None
    categories = []
    for category, scores in (info.get("heldout") or {}).items():
        tuned = (scores.get("tuned") or {}).get("score")
        untuned = (scores.get("untuned") or {}).get("score")
        if tuned is None or untuned is None or tuned <= untuned:
            continue
        if (info.get("base_instructions") or {}).get(category) != base_instructions_digest(category):
            logger.info("shipped program for %s skipped: the signature changed since tuning", category)
            continue
        categories.append(category)
    return (SHIPPED_PROGRAM, categories) if categories else None


def _might_be_embedded(generator: Any) -> bool:
    """Whether the generator's model could be the one the shipped program was tuned for,
    decided without loading anything for a served model id."""
    spec = generator.settings.lm
    return is_local_spec(spec) or isinstance(spec, dspy.BaseLM)


def apply_program_choice(generator: Any, program: Any = "default") -> str | None:
    """Give ``generator`` the prompts ``program`` names (in place); returns what was loaded, for logs.

    Every predictor starts again from its untuned signature, then the choice is loaded.
    ``"default"`` needs the model's id: for an embedded model that locates its file (the
    first use assembles it; nothing is loaded into memory). When the embedded model's
    package is missing, the untuned signatures stay and the first call says what to
    install.

    Args:
        generator: An :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`.
        program: ``"default"``, ``None``/``"none"``, or a program file's path.

    Raises:
        ProgramFileError: A bad choice or a file that is not a program (nothing changes then).
    """
    choice = check_program_choice(program)
    state = read_program(choice) if isinstance(choice, Path) else None  # checked before anything changes
    for category, attribute in PREDICTOR_NAMES.items():
        setattr(generator, attribute, dspy.Predict(signature_for(category)))
    generator.program_info = {}
    if isinstance(choice, Path):
        apply_program(generator, state)
        return str(choice)
    if choice is None or not _might_be_embedded(generator):
        return None
    try:
        lm = generator.lm
    except ImportError as exc:  # the `local` extra is missing: the first call reports it
        logger.info("shipped program not loaded: %s", exc)
        return None
    found = default_program_for(lm, generator.adapter)
    if found is None:
        return None
    path, categories = found
    apply_program(generator, path, categories=categories)
    return f"{path.name} ({', '.join(categories)})"
