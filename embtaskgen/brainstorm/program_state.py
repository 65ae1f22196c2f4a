"""Program files: a generator's prompts (instructions, field descriptions, demos) as JSON.

A program file is DSPy's own module state (``dspy.Module.save``: per predictor its
instructions, field descriptions and demos, under the generator's attribute names such
as ``text_retrieval``), without any LM, plus an ``"embtaskgen"`` block of metadata:

.. code-block:: json

    {"embtaskgen": {"format": 1, "model": "local/smollm2-...", "metric_version": "1.0",
                    "optimizer": "bootstrap", "budget": 40, "adapter": {...},
                    "base_instructions": {"text-retrieval": "<sha256 prefix>"},
                    "categories": {"text-retrieval": {...tuning stats...}},
                    "heldout": {"text-retrieval": {"untuned": {...}, "tuned": {...}}}},
     "text_retrieval": {"demos": [...], "signature": {"instructions": "...", "fields": [...]},
                        "traces": [], "train": [], "lm": null},
     "metadata": {"dependency_versions": {...}}}

Only the tuned categories are stored; the others keep the signatures' prompts. Which
program a run loads by default (the shipped one) is decided in
:mod:`embtaskgen.tune.program_files`.

Example:
    >>> import tempfile, pathlib
    >>> from embtaskgen import EmbeddingTaskGenerator
    >>> gen = EmbeddingTaskGenerator("text-retrieval", lm="openai/none")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p.json"
    >>> _ = save_program(gen, path, categories=["text-retrieval"])
    >>> sorted(read_program(path))
    ['embtaskgen', 'metadata', 'text_retrieval']
    >>> EmbeddingTaskGenerator.load(path, lm="openai/none").text_retrieval.signature.instructions == \\
    ...     gen.text_retrieval.signature.instructions
    True
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dspy.utils.saving import get_dependency_versions

from embtaskgen.signatures.categories import CATEGORIES, PREDICTOR_NAMES, resolve_categories
from embtaskgen.errors import ConfigError
from embtaskgen.signatures import SIGNATURES

__all__ = [
    "PROGRAM_FORMAT",
    "ProgramLoader",
    "apply_program",
    "base_instructions_digest",
    "load_program",
    "program_metadata",
    "prompt_fingerprint",
    "read_program",
    "save_program",
]

logger = logging.getLogger(__name__)

#: Version of the file layout.
PROGRAM_FORMAT = 1

_METADATA = "embtaskgen"
_DSPY_METADATA = "metadata"
_ATTRIBUTE_TO_CATEGORY = {attribute: category for category, attribute in PREDICTOR_NAMES.items()}


def base_instructions_digest(category: str) -> str:
    """A short digest of the category signature's own (untuned) instructions."""
    text = SIGNATURES[category].instructions or ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def save_program(
    generator: Any,
    path: str | Path,
    *,
    categories: str | Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the prompts of ``generator`` (instructions and demos) as JSON, without any LM.

    Args:
        generator: An :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`.
        path: A ``.json`` file to write (its directory must exist).
        categories: Categories to store; default: the tuned ones recorded in
            ``generator.program_info``, else all four.
        metadata: Extra metadata merged over ``generator.program_info`` (e.g. held-out
            scores).

    Returns:
        The path written.

    Raises:
        ValueError: Not a ``.json`` path, or an unknown category.

    Example:
        >>> save_program(tuned, "tuned.json", metadata={"note": "first try"})  # doctest: +SKIP
    """
    path = Path(path)
    if path.suffix != ".json":
        raise ConfigError(f"a program file must end with .json, got {str(path)!r}")
    info = dict(getattr(generator, "program_info", None) or {})
    info.update(metadata or {})
    if categories is None:
        tuned = info.get("categories")
        chosen = resolve_categories(list(tuned)) if tuned else CATEGORIES
    else:
        chosen = resolve_categories(categories)
    info["format"] = PROGRAM_FORMAT
    info["base_instructions"] = {c: base_instructions_digest(c) for c in chosen}
    info.setdefault("saved_categories", list(chosen))
    info["saved_categories"] = list(chosen)
    state: dict[str, Any] = {_METADATA: info}
    for category in chosen:
        predictor_state = generator.predictor_for(category).dump_state()
        predictor_state["lm"] = None
        state[PREDICTOR_NAMES[category]] = predictor_state
    state[_DSPY_METADATA] = {"dependency_versions": get_dependency_versions()}
    path.write_text(json.dumps(state, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    logger.info("saved program (%s) to %s", ", ".join(chosen), path)
    return path


def read_program(path: str | Path) -> dict[str, Any]:
    """Read and check a program file.

    Raises:
        ValueError: Not JSON, not a program file, or an unknown predictor name (the
            message lists the valid ones).
        FileNotFoundError: No such file.
    """
    path = Path(path)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not a JSON program file: {exc}") from exc
    if not isinstance(state, dict):
        raise ConfigError(f"{path} is not a program file (expected a JSON object)")  # noqa: TRY004
    for key in state:
        if key not in (_METADATA, _DSPY_METADATA) and key not in _ATTRIBUTE_TO_CATEGORY:
            raise ConfigError(
                f"{path}: unknown predictor {key!r}; valid names are {', '.join(_ATTRIBUTE_TO_CATEGORY)}"
            )
    if not any(key in _ATTRIBUTE_TO_CATEGORY for key in state):
        raise ConfigError(f"{path} holds no predictor state; valid names are {', '.join(_ATTRIBUTE_TO_CATEGORY)}")
    return state


def program_metadata(program: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The ``"embtaskgen"`` metadata block of a program file (``{}`` for a plain DSPy save)."""
    state = read_program(program) if isinstance(program, (str, Path)) else program
    return dict(state.get(_METADATA) or {})


def apply_program(
    generator: Any,
    program: str | Path | Mapping[str, Any],
    *,
    categories: Sequence[str] | None = None,
) -> Any:
    """Load a program's prompts into ``generator`` in place and return it.

    Args:
        generator: An :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`.
        program: A program file or its parsed JSON.
        categories: Load only these of the stored categories (default: all stored).

    Raises:
        ValueError: A bad program file (nothing is changed then).
    """
    state = read_program(program) if isinstance(program, (str, Path)) else dict(program)
    info = program_metadata(state)
    wanted = None if categories is None else set(resolve_categories(list(categories)))
    staged = []
    for attribute, predictor_state in state.items():
        category = _ATTRIBUTE_TO_CATEGORY.get(attribute)
        if category is None or (wanted is not None and category not in wanted):
            continue
        digest = (info.get("base_instructions") or {}).get(category)
        if digest is not None and digest != base_instructions_digest(category):
            logger.warning("program for %s was tuned from other instructions than the current ones", category)
        predictor = generator.predictor_for(category).deepcopy()
        predictor.load_state({**predictor_state, "lm": None})  # a trial load raises before any change
        staged.append((attribute, predictor))
    for attribute, predictor in staged:
        setattr(generator, attribute, predictor)
    loaded = {_ATTRIBUTE_TO_CATEGORY[a] for a, _ in staged}
    generator.program_info = {**info, "loaded_categories": sorted(loaded, key=CATEGORIES.index)}
    return generator


def load_program(path: str | Path, *, cls: type,
                 categories: Sequence[str] | None = None, **generator_kwargs: Any) -> Any:
    """Build a generator and load a program file into it.

    Args:
        path: The program file.
        cls: The generator class to build.
        categories: Load only these of the stored categories.
        **generator_kwargs: Passed to the generator (``lm``, ``seed``, ...). The category
            defaults to the stored ones.

    Example:
        >>> gen = load_program("tuned.json", lm="openai/gpt-4o-mini", seed=1)  # doctest: +SKIP
    """
    state = read_program(path)
    stored = [_ATTRIBUTE_TO_CATEGORY[k] for k in state if k in _ATTRIBUTE_TO_CATEGORY]
    generator_kwargs.setdefault("category", stored)
    return apply_program(cls(**generator_kwargs), state, categories=categories)


class ProgramLoader:
    """``load`` for a generator class: from the class it builds a new generator, from an
    instance it loads in place (DSPy's ``module.load(path)`` convention).

    Example:
        >>> class Gen(EmbeddingTaskGenerator):     # doctest: +SKIP
        ...     load = ProgramLoader()
        >>> Gen.load("tuned.json", lm=lm)           # doctest: +SKIP
        >>> Gen(lm=lm).load("tuned.json")           # doctest: +SKIP
    """

    def __get__(self, instance: Any, owner: type) -> Callable[..., Any]:
        if instance is None:
            def load(path: str | Path, **generator_kwargs: Any) -> Any:
                return load_program(path, cls=owner, **generator_kwargs)
        else:
            def load(path: str | Path, categories: Sequence[str] | None = None, **_ignored: Any) -> Any:
                return apply_program(instance, path, categories=categories)
        load.__doc__ = "Load a program file (see embtaskgen.tune.program_files)."
        return load


def prompt_fingerprint(generator: Any, categories: Sequence[str] | None = None) -> str:
    """A short digest of the prompts ``generator`` sends (instructions, field descriptions, demos).

    Two generators with the same fingerprint send the same prompts for those categories,
    whatever program file (or none) they were loaded from; a resume compares it.

    Args:
        generator: An :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`.
        categories: The categories that count (default: the generator's).

    Example:
        >>> from embtaskgen import EmbeddingTaskGenerator
        >>> a = EmbeddingTaskGenerator("text-retrieval", lm="openai/none")
        >>> prompt_fingerprint(a) == prompt_fingerprint(EmbeddingTaskGenerator("text-retrieval", lm="openai/none"))
        True
    """
    chosen = generator.categories if categories is None else resolve_categories(categories)
    state = {}
    for category in chosen:
        predictor_state = generator.predictor_for(category).dump_state()
        state[category] = {key: predictor_state.get(key) for key in ("signature", "demos")}
    text = json.dumps(state, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]
