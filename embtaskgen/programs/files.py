"""Program files: a generator's prompts (instructions, field descriptions, demos) as JSON, either stage.

A program file is DSPy's module state (``dspy.Module.save``) under the generator's
attribute names (``text_retrieval``, ``similarity_triplet``, ...), without any LM, plus
an ``"embtaskgen"`` metadata block that names the stage (``docs/tuning/program-files.md``);
only the saved units are stored. Files are checked by
:func:`~embtaskgen.programs.schema.validate_program` and only the checked prompt parts
are loaded, so a shared file can never change where calls go.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dspy.utils.saving import get_dependency_versions

from embtaskgen.errors import ConfigError, ProgramFileError
from embtaskgen.programs.schema import PREDICTOR_KEYS, validate_program
from embtaskgen.programs.stages import TASKS, ProgramStage, stage_named, stage_of_generator

__all__ = [
    "MAX_PROGRAM_BYTES",
    "PROGRAM_FORMAT",
    "ProgramLoader",
    "apply_program",
    "base_instructions_digest",
    "load_program",
    "program_metadata",
    "prompt_fingerprint",
    "prompts_digest",
    "read_program",
    "read_program_json",
    "save_program",
]

logger = logging.getLogger(__name__)

#: Version of the file layout.
PROGRAM_FORMAT = 1
#: The largest program file read (a tuned program is a few kB to a few hundred kB).
MAX_PROGRAM_BYTES = 16 * 1024 * 1024


def read_program_json(path: str | Path, *, missing_hint: str = "") -> Any:
    """The JSON value of a program file, not yet checked; a ``ProgramFileError`` says why
    it cannot be read."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_PROGRAM_BYTES:
            raise ProgramFileError(f"{path} is larger than {MAX_PROGRAM_BYTES} bytes, not a program file")
        data = path.read_bytes()
        if not data.strip():
            raise ProgramFileError(f"{path} is empty, not a JSON program file")
        return json.loads(data.decode("utf-8-sig"))
    except FileNotFoundError:
        raise ProgramFileError(f"no program file at {str(path)!r}{missing_hint}") from None
    except IsADirectoryError:
        raise ProgramFileError(f"{path} is a directory, not a program file") from None
    except OSError as exc:
        raise ProgramFileError(f"{path}: cannot read the program file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ProgramFileError(
            f"{path} is not a JSON program file: not UTF-8 text at byte {exc.start} (a binary file?)"
        ) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProgramFileError(f"{path} is not a JSON program file: {exc or 'nested too deeply'}") from None


def read_program(path: str | Path, stage: str | ProgramStage | None = None) -> dict[str, Any]:
    """Read and check a program file.

    Args:
        path: The file.
        stage: The stage it must be of (``"tasks"``, ``"examples"``); default: the one it names.

    Raises:
        ProgramFileError: No such file, not UTF-8 JSON, an unknown predictor (the message
            lists the valid ones, so a file of the other stage is told apart), or a key or
            value a program file may not hold (named).
    """
    hint = "" if stage is None else stage_named(stage).missing_hint
    state = read_program_json(path, missing_hint=hint)
    validate_program(state, path, stage)
    return state


def program_metadata(program: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The ``"embtaskgen"`` metadata block of a program file (``{}`` for a plain DSPy save)."""
    state = read_program(program) if isinstance(program, (str, Path)) else program
    return dict(state.get("embtaskgen") or {})


def base_instructions_digest(unit: str, stage: str | ProgramStage = TASKS) -> str:
    """A short digest of the untuned instructions of one category's (or kind's) signature."""
    text = stage_named(stage).signatures[unit].instructions or ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def save_program(
    generator: Any,
    path: str | Path,
    *,
    categories: str | Sequence[str] | None = None,
    kinds: str | Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the prompts of ``generator`` (instructions and demos) as JSON, without any LM.

    Args:
        generator: An ``EmbeddingTaskGenerator`` or an ``EmbeddingExampleGenerator``.
        path: A ``.json`` file to write (its directory must exist).
        categories: Stage 1: the categories to store; default: the tuned ones recorded in
            ``generator.program_info``, else all four.
        kinds: Stage 2: the kinds to store; default: the tuned ones, else the generator's.
        metadata: Extra metadata merged over ``generator.program_info`` (e.g. held-out
            scores).

    Returns:
        The path written.

    Raises:
        ConfigError: Not a ``.json`` path, or an unknown category or kind.
        ProgramFileError: The prompts would not load back (e.g. a demo with a value that
            is not a string, number, boolean, null or list of strings); nothing is written.

    Example:
        >>> save_program(tuned, "tuned.json", metadata={"note": "first try"})  # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix != ".json":
        raise ConfigError(f"a program file must end with .json, got {str(path)!r}")
    stage = stage_of_generator(generator)
    info = {**dict(getattr(generator, "program_info", None) or {}), **dict(metadata or {})}
    if stage is TASKS:
        tuned = info.get("categories")
        chosen = tuple(stage.resolve(categories if categories is not None else (list(tuned) if tuned else "all")))
        info.update(format=PROGRAM_FORMAT, stage=stage.name)
        info["base_instructions"] = {c: base_instructions_digest(c) for c in chosen}
    else:
        chosen = tuple(
            stage.resolve(kinds if kinds is not None else list(info.get("kinds") or generator.settings.kinds))
        )
        info.update(stage=stage.name, metric_version=info.get("metric_version", stage.metric_version))
    info[f"saved_{stage.plural}"] = list(chosen)
    state: dict[str, Any] = {"embtaskgen": info}
    for unit in chosen:
        dumped = generator.predictor_for(unit).dump_state()
        if dropped := sorted(key for key in dumped if key not in PREDICTOR_KEYS and dumped[key]):
            logger.warning("program for %s: %s not saved (not a prompt)", unit, ", ".join(dropped))
        state[stage.attributes[unit]] = {
            "traces": [],
            "train": [],
            "demos": dumped.get("demos", []),
            "signature": dumped["signature"],
            "lm": None,
        }
    state["metadata"] = {"dependency_versions": get_dependency_versions()}
    text = json.dumps(state, indent=2, ensure_ascii=False, default=str) + "\n"
    validate_program(json.loads(text), f"{path} (not saved)", stage)  # never write a file that would not load
    path.write_text(text, encoding="utf-8")
    logger.info("saved %sprogram (%s) to %s", stage.label, ", ".join(chosen), path)
    return path


def apply_program(
    generator: Any,
    program: str | Path | Mapping[str, Any],
    *,
    categories: Sequence[str] | None = None,
    metric_version: str | None = None,
) -> Any:
    """Load a program (a file or its parsed JSON) of ``generator``'s stage into it, in place.

    ``categories`` limits the units loaded; a program tuned with another ``metric_version``
    gets a warning (default: stage 2's metric; stage 1 warns where ``--program`` is read).
    A bad program or one of the other stage is a ``ProgramFileError`` and changes nothing.
    """
    stage = stage_of_generator(generator)
    state: Mapping[str, Any]
    if isinstance(program, (str, Path)):
        state, name = read_program(program, stage), str(program)
    else:
        state, name = program, "program"
    _, checked = validate_program(state, name, stage)
    info = program_metadata(state)
    wanted = None if categories is None else set(stage.resolve(list(categories)))
    staged = []
    for attribute, unit in stage.units_of.items():
        if attribute not in checked.model_fields_set or (wanted is not None and unit not in wanted):
            continue
        digest = (info.get("base_instructions") or {}).get(unit)
        if digest is not None and digest != base_instructions_digest(unit, stage):
            logger.warning("program for %s was tuned from other instructions than the current ones", unit)
        predictor = generator.predictor_for(unit).deepcopy()
        # Only the checked prompt parts reach DSPy: never a key taken from the file.
        predictor.load_state(_clean_state(getattr(checked, attribute)))
        staged.append((attribute, predictor))
    for attribute, predictor in staged:
        setattr(generator, attribute, predictor)
    check_metric_version(info, metric_version or stage.metric_version, stage)
    loaded = {stage.units_of[a] for a, _ in staged}
    generator.program_info = {**info, f"loaded_{stage.plural}": [u for u in stage.units if u in loaded]}
    return generator


def check_metric_version(info: Mapping[str, Any], in_use: str | None, stage: ProgramStage = TASKS) -> None:
    """Warn when a program was tuned against another version of the metric than ``in_use``."""
    version = info.get("metric_version")
    if version is not None and in_use is not None and version != in_use:
        logger.warning("%sprogram was tuned with metric version %s; this is version %s", stage.label, version, in_use)


def _clean_state(checked: Any) -> dict[str, Any]:
    """A predictor state built only from checked values: no key a file could add, no LM."""
    fields = [{"prefix": f.prefix, "description": f.description} for f in checked.signature.fields]
    return {
        "signature": {"instructions": checked.signature.instructions, "fields": fields},
        "demos": [demo.model_dump(exclude_unset=True) for demo in checked.demos],
        "traces": [],
        "train": [],
        "lm": None,
    }


def load_program(
    path: str | Path,
    *,
    cls: type,
    stage: str | ProgramStage = TASKS,
    categories: Sequence[str] | None = None,
    **generator_kwargs: Any,
) -> Any:
    """Build a ``cls`` generator of ``stage`` (by default for the stored units) and load the file into it."""
    stage = stage_named(stage)
    state = read_program(path, stage)
    stored = [stage.units_of[k] for k in state if k in stage.units_of]
    if stage is TASKS:
        generator_kwargs.setdefault("category", stored)
        generator_kwargs.setdefault("program", None)  # the file's prompts on the untuned signatures, as --program FILE
    else:
        generator_kwargs.setdefault("kinds", stored)
    return apply_program(cls(**generator_kwargs), state, categories=categories)


class ProgramLoader:
    """``load`` for a generator class: from the class it builds a new generator, from an
    instance it loads in place (DSPy's ``module.load(path)`` convention)."""

    def __get__(self, instance: Any, owner: type) -> Callable[..., Any]:
        def build(path: str | Path, **generator_kwargs: Any) -> Any:
            return load_program(path, cls=owner, **generator_kwargs)

        def load_into(path: str | Path, categories: Sequence[str] | None = None, **_ignored: Any) -> Any:
            return apply_program(instance, path, categories=categories)

        load = build if instance is None else load_into
        load.__doc__ = "Load a program file (see embtaskgen.programs.files)."
        return load


def prompt_fingerprint(generator: Any, categories: Sequence[str] | None = None) -> str:
    """A short digest of the prompts a stage-1 ``generator`` sends for ``categories`` (default:
    its own), whatever program file they came from; a resume compares it.

    Example:
        >>> from embtaskgen import EmbeddingTaskGenerator
        >>> a = EmbeddingTaskGenerator("text-retrieval", lm="openai/none")
        >>> prompt_fingerprint(a) == prompt_fingerprint(EmbeddingTaskGenerator("text-retrieval", lm="openai/none"))
        True
    """
    chosen = generator.categories if categories is None else TASKS.resolve(categories)
    return prompts_digest((category, generator.predictor_for(category)) for category in chosen)


def prompts_digest(predictors: Iterable[tuple[str, Any]]) -> str:
    """A short digest of the prompts (signature and demos) of ``(name, predictor)`` pairs: what a resume compares."""
    state = {}
    for name, predictor in predictors:
        dumped = predictor.dump_state()
        state[name] = {key: dumped.get(key) for key in ("signature", "demos")}
    text = json.dumps(state, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]
