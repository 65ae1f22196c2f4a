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

A program file is data, never configuration: it is checked against a strict schema
(:data:`ProgramFile`: a predictor holds ``signature``, ``demos``, empty ``traces`` and
``train``, ``lm`` null, nothing else) and only the checked prompt parts are loaded, so a
shared file can never change where calls go (the LM comes from the user's settings).

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
from typing import Annotated, Any

from dspy.utils.saving import get_dependency_versions
from pydantic import AfterValidator, BaseModel, ConfigDict, PlainValidator, ValidationError, create_model
from pydantic_core import PydanticCustomError

from embtaskgen.brainstorm.program_json import read_program_json
from embtaskgen.errors import ConfigError, ProgramFileError
from embtaskgen.signatures import SIGNATURES
from embtaskgen.signatures.categories import CATEGORIES, PREDICTOR_NAMES, resolve_categories

__all__ = [
    "PROGRAM_FORMAT",
    "PREDICTOR_KEYS",
    "ProgramFile",
    "ProgramLoader",
    "apply_program",
    "base_instructions_digest",
    "load_program",
    "program_metadata",
    "prompt_fingerprint",
    "read_program",
    "save_program",
    "validate_program",
]

logger = logging.getLogger(__name__)

#: Version of the file layout.
PROGRAM_FORMAT = 1

_METADATA = "embtaskgen"
_DSPY_METADATA = "metadata"
_ATTRIBUTE_TO_CATEGORY = {attribute: category for category, attribute in PREDICTOR_NAMES.items()}

#: The keys a predictor's state may hold in a program file (DSPy's ``Predict.dump_state``).
PREDICTOR_KEYS = ("signature", "demos", "traces", "train", "lm")
_KINDS = (
    (type(None), "null"),
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "a string"),
    (list, "a list"),
    (Mapping, "an object"),
)


def _kind(value: Any) -> str:
    kind = next((name for types, name in _KINDS if isinstance(value, types)), type(value).__name__)
    return f"{kind} of {len(value)} item{'s' * (len(value) != 1)}" if isinstance(value, list) else kind


def _check(test: Callable[[Any], bool], message: str, after: type = PlainValidator) -> Any:
    """A validator that keeps a value when ``test`` passes, else says ``message``."""

    def check(value: Any) -> Any:
        if not test(value):
            raise PydanticCustomError("program_value", message + ", got {kind}", {"kind": _kind(value)})
        return value

    return after(check)


_DemoValue = Annotated[
    Any,
    _check(
        lambda v: (
            v is None
            or isinstance(v, (str, int, float, bool))
            or (isinstance(v, list) and all(isinstance(i, str) for i in v))
        ),
        "must be a string, number, boolean, null or a list of strings",
    ),
]
_EmptyList = Annotated[Any, _check(lambda v: v == [] and isinstance(v, list), "must be an empty list")]
_Null = Annotated[Any, _check(lambda v: v is None, "must be null: the model comes from your settings only")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _FieldState(_Strict):
    prefix: str
    description: str


class _EmbtaskgenMetadata(BaseModel):
    """The ``"embtaskgen"`` block: free metadata, typed where it is read."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    base_instructions: dict[str, str] | None = None
    saved_categories: list[str] | None = None
    heldout: dict[str, dict[str, Any]] | None = None


def _predictor_model(category: str) -> type[BaseModel]:
    """The schema of one predictor's state; its demos hold the signature's own fields."""
    names, attribute = list(SIGNATURES[category].fields), PREDICTOR_NAMES[category]
    fields = Annotated[
        list[_FieldState],
        _check(
            lambda v: len(v) == len(names),
            (f"must list the signature's {len(names)} fields ({', '.join(names)}) in order"),
            AfterValidator,
        ),
    ]
    signature = create_model(f"Signature_{attribute}", __base__=_Strict, instructions=(str, ...), fields=(fields, ...))
    demo = create_model(
        f"Demo_{attribute}", __base__=_Strict, augmented=(bool, None), **{name: (_DemoValue, None) for name in names}
    )
    return create_model(
        f"Predictor_{attribute}",
        __base__=_Strict,
        signature=(signature, ...),
        demos=(list[demo], []),
        traces=(_EmptyList, []),
        train=(_EmptyList, []),  # type: ignore[valid-type]
        lm=(_Null, None),
    )


#: The schema of a program file: ``"embtaskgen"`` metadata, DSPy's ``"metadata"`` and the
#: predictor states (each optional), nothing else at any level.
ProgramFile: type[BaseModel] = create_model(
    "ProgramFile",
    __base__=_Strict,
    embtaskgen=(_EmbtaskgenMetadata, None),
    metadata=(dict[str, Any], None),
    **{attribute: (_predictor_model(category), None) for category, attribute in PREDICTOR_NAMES.items()},
)
_ALLOWED = {
    1: "a predictor may hold " + ", ".join(PREDICTOR_KEYS),
    2: "a signature may hold instructions, fields",
    3: "a signature field may hold prefix, description",
}


def _problem(error: Mapping[str, Any]) -> str:
    """One pydantic error as ``key.path: what is wrong``."""
    loc, kind = tuple(error["loc"]), error["type"]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if kind == "extra_forbidden" and len(loc) == 1:
        return f"unknown predictor {loc[0]!r}; valid names are {', '.join(_ATTRIBUTE_TO_CATEGORY)}"
    if kind == "extra_forbidden" and loc[1:2] == ("demos",):
        allowed = list(SIGNATURES[_ATTRIBUTE_TO_CATEGORY[loc[0]]].fields) + ["augmented"]
        return f"{where}: not allowed; a demo may hold {', '.join(allowed)}"
    if kind == "extra_forbidden":
        return f"{where}: not allowed; {_ALLOWED[sum(isinstance(p, str) for p in loc[:-1])]}"
    if kind == "missing":
        return f"{where}: missing" + ("; a predictor state needs its signature" if loc[-1] == "signature" else "")
    expected = {
        "model_type": "a JSON object",
        "dict_type": "a JSON object",
        "list_type": "a list",
        "string_type": "a string",
        "bool_type": "true or false",
    }.get(kind)
    return f"{where}: must be {expected}, got {_kind(error.get('input'))}" if expected else f"{where}: {error['msg']}"


def validate_program(state: Any, name: str | Path = "program") -> BaseModel:
    """Check parsed JSON against :data:`ProgramFile`; returns the checked model.

    Raises:
        ProgramFileError: Not an object, a key that is not allowed (named as a path such
            as ``text_retrieval.config``), a value of the wrong kind, or no predictor.
    """
    if not isinstance(state, Mapping):
        raise ProgramFileError(f"{name} is not a program file (expected a JSON object, got {_kind(state)})")
    try:
        checked = ProgramFile.model_validate(dict(state))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ProgramFileError(f"{name}: {_problem(errors[0])}{more}") from None
    if not any(attribute in checked.model_fields_set for attribute in _ATTRIBUTE_TO_CATEGORY):
        raise ProgramFileError(f"{name} holds no predictor state; valid names are {', '.join(_ATTRIBUTE_TO_CATEGORY)}")
    return checked


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
        ConfigError: Not a ``.json`` path, or an unknown category.
        ProgramFileError: The prompts would not load back (e.g. a demo with a value that
            is not a string, number, boolean, null or list of strings); nothing is written.

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
    info["saved_categories"] = list(chosen)
    state: dict[str, Any] = {_METADATA: info}
    for category in chosen:
        dumped = generator.predictor_for(category).dump_state()
        if dropped := sorted(key for key in dumped if key not in PREDICTOR_KEYS and dumped[key]):
            logger.warning("program for %s: %s not saved (not a prompt)", category, ", ".join(dropped))
        state[PREDICTOR_NAMES[category]] = {
            "traces": [],
            "train": [],
            "demos": dumped.get("demos", []),
            "signature": dumped["signature"],
            "lm": None,
        }
    state[_DSPY_METADATA] = {"dependency_versions": get_dependency_versions()}
    text = json.dumps(state, indent=2, ensure_ascii=False, default=str) + "\n"
    validate_program(json.loads(text), f"{path} (not saved)")  # never write a file that would not load
    path.write_text(text, encoding="utf-8")
    logger.info("saved program (%s) to %s", ", ".join(chosen), path)
    return path


def read_program(path: str | Path) -> dict[str, Any]:
    """Read and check a program file (see :data:`ProgramFile`).

    Raises:
        ProgramFileError: No such file, not UTF-8 JSON, an unknown predictor (the message
            lists the valid ones), or a key or value a program file may not hold (named).
    """
    state = read_program_json(path)
    validate_program(state, path)
    return state


def program_metadata(program: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The ``"embtaskgen"`` metadata block of a program file (``{}`` for a plain DSPy save)."""
    state = read_program(program) if isinstance(program, (str, Path)) else program
    return dict(state.get(_METADATA) or {})


def apply_program(
    generator: Any, program: str | Path | Mapping[str, Any], *, categories: Sequence[str] | None = None
) -> Any:
    """Load a program's prompts into ``generator`` in place and return it.

    Args:
        generator: An :class:`~embtaskgen.brainstorm.generator.EmbeddingTaskGenerator`.
        program: A program file or its parsed JSON.
        categories: Load only these of the stored categories (default: all stored).

    Raises:
        ProgramFileError: A bad program file (nothing is changed then).
    """
    if isinstance(program, (str, Path)):
        state, name = read_program(program), str(program)
    else:
        state, name = program, "program"
    checked = validate_program(state, name)
    info = program_metadata(state)
    wanted = None if categories is None else set(resolve_categories(list(categories)))
    staged = []
    for attribute, category in _ATTRIBUTE_TO_CATEGORY.items():
        if attribute not in checked.model_fields_set or (wanted is not None and category not in wanted):
            continue
        digest = (info.get("base_instructions") or {}).get(category)
        if digest is not None and digest != base_instructions_digest(category):
            logger.warning("program for %s was tuned from other instructions than the current ones", category)
        predictor = generator.predictor_for(category).deepcopy()
        # Only the checked prompt parts reach DSPy: never a key taken from the file.
        predictor.load_state(_clean_state(getattr(checked, attribute)))
        staged.append((attribute, predictor))
    for attribute, predictor in staged:
        setattr(generator, attribute, predictor)
    loaded = {_ATTRIBUTE_TO_CATEGORY[a] for a, _ in staged}
    generator.program_info = {**info, "loaded_categories": sorted(loaded, key=CATEGORIES.index)}
    return generator


def load_program(
    path: str | Path, *, cls: type, categories: Sequence[str] | None = None, **generator_kwargs: Any
) -> Any:
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
    generator_kwargs.setdefault("program", None)  # the file's prompts on the untuned signatures, as --program FILE
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
