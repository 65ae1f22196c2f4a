"""Which prompts a generator starts with: ``program=`` in Python, ``--program`` on the command line.

``"default"``: for stage 1 the shipped ``default.json`` where it applies
(:func:`default_program_for`), else, and for stage 2, the untuned signatures; ``None`` or
``"none"``: the untuned signatures; a path: that program file of the generator's stage.
The choice is checked where it enters; applying it replaces every predictor's prompts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from dspy.clients.base_lm import BaseLM
from dspy.predict.predict import Predict

from embtaskgen.errors import ProgramFileError
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.lm.spec import is_local_spec
from embtaskgen.programs.files import (
    apply_program,
    base_instructions_digest,
    check_metric_version,
    program_metadata,
    read_program,
)
from embtaskgen.programs.stages import EXAMPLES, TASKS, stage_of_generator
from embtaskgen.quality.score import METRIC_VERSION

__all__ = [
    "SHIPPED_PROGRAM",
    "adapter_fingerprint",
    "apply_program_choice",
    "check_program_choice",
    "default_program_for",
    "resolve_example_program",
    "resolve_program",
]

logger = logging.getLogger(__name__)

#: The stage-1 program tuned for the embedded default model, shipped in the package.
SHIPPED_PROGRAM = Path(__file__).with_name("default.json")

_ADAPTER_SETTINGS = ("style", "num_examples", "example_size", "max_items", "min_chars", "max_chars")
_CHOICES = "pass a .json file, 'default' or 'none' (None)"


def adapter_fingerprint(adapter: Any) -> dict[str, Any] | None:
    """The adapter's class and prompt settings (``None`` for DSPy's default adapter)."""
    if adapter is None:
        return None
    settings = {name: getattr(adapter, name) for name in _ADAPTER_SETTINGS if hasattr(adapter, name)}
    return {"class": type(adapter).__name__, **settings}


def check_program_choice(program: Any) -> str | Path | None:
    """Check a ``program=`` / ``--program`` choice; returns ``"default"``, ``None`` or the file's path."""
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


def default_program_for(
    lm: Any, adapter: Any = None, *, metric_version: str | None = None, program: Path = SHIPPED_PROGRAM
) -> tuple[Path, list[str]] | None:
    """The shipped program and the categories to load from it, or ``None``.

    It applies only to the model id it was tuned for (which includes the model file's
    fingerprint), with the same adapter settings (default: the one picked for ``lm``),
    while its held-out scores are of ``metric_version`` (default: the task metric's), for
    the categories whose held-out score it improved and whose instructions are unchanged.
    """
    metric_version = metric_version or METRIC_VERSION
    if not program.is_file():
        return None
    try:
        info = program_metadata(program)
    except ValueError as exc:  # pragma: no cover - the shipped file is tested
        logger.warning("shipped program unreadable: %s", exc)
        return None
    if info.get("model") != str(getattr(lm, "model", "")):
        return None
    if info.get("metric_version") != metric_version:
        logger.info(
            "shipped program skipped: scored with metric version %s, this is %s",
            info.get("metric_version"),
            metric_version,
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
    return (program, categories) if categories else None


def _might_be_embedded(generator: Any) -> bool:
    """Whether the model could be the shipped program's, without loading a served one."""
    spec = generator.settings.lm
    return is_local_spec(spec) or isinstance(spec, BaseLM)


def apply_program_choice(generator: Any, program: Any = "default", *, metric_version: str | None = None) -> str | None:
    """Give a stage-1 ``generator`` the prompts ``program`` names (in place); returns what was loaded, for logs.

    Every predictor starts again from its untuned signature. ``"default"`` needs the
    model's id: for an embedded model that locates its file (nothing is loaded into
    memory); when its package is missing the untuned signatures stay and the first call
    says what to install. A bad choice is a ``ProgramFileError`` and changes nothing.
    """
    choice = check_program_choice(program)
    state = read_program(choice, TASKS) if isinstance(choice, Path) else None  # checked before anything changes
    for category, attribute in TASKS.attributes.items():
        setattr(generator, attribute, Predict(TASKS.signatures[category]))
    generator.program_info = {}
    if state is not None:
        apply_program(generator, state)
        return str(choice)
    if choice is None or not _might_be_embedded(generator):
        return None
    try:
        lm = generator.lm
    except ImportError as exc:  # the `local` extra is missing: the first call reports it
        logger.info("shipped program not loaded: %s", exc)
        return None
    found = default_program_for(lm, generator.adapter, metric_version=metric_version)
    if found is None:
        return None
    path, categories = found
    apply_program(generator, path, categories=categories)
    return f"{path.name} ({', '.join(categories)})"


def resolve_program(generator: Any, program: str | Path | None = "default") -> str | None:
    """Apply a ``--program`` choice to a generator of either stage, in place; returns what was loaded, for logs.

    Stage 1 starts every predictor again from the untuned signatures (so ``"none"`` undoes
    the shipped program) and warns when a file was tuned with another metric version;
    stage 2 takes ``"none"``/``"default"`` (the untuned signatures) or a file.
    """
    if stage_of_generator(generator) is EXAMPLES:
        if program is None or str(program).lower() in ("none", "default"):
            return None
        apply_program(generator, read_program(program, EXAMPLES))
        return str(program)
    choice = check_program_choice(program)
    if isinstance(choice, Path):
        check_metric_version(program_metadata(choice), METRIC_VERSION)
    return apply_program_choice(generator, choice)


def resolve_example_program(generator: Any, program: str | Path | None) -> str | None:
    """Apply an examples ``--program`` choice (see :func:`resolve_program`)."""
    return resolve_program(generator, program)
