"""Example program files: the tuned prompts of stage 2 as JSON, checked as strictly as stage 1's.

The layout is stage 1's (:mod:`embtaskgen.brainstorm.program_state`): DSPy's module
state per predictor (``signature``: instructions and fields; ``demos``; empty ``traces``
and ``train``; ``lm`` null) under the example generator's attribute names
(``retrieval_example``, ..., ``bitext_triplet``), plus an ``"embtaskgen"`` block with
``"stage": "examples"`` (model, metric version, optimizer, budget, per-kind tuning
stats and held-out scores). A file is data, never configuration: it is checked against
a strict schema (nothing else at any level, a demo holds only its signature's fields,
``lm`` must be null) and only the checked prompt parts are loaded. A stage-1 program
passed here (or this one to ``generate``) is refused naming the valid predictors.

Example:
    >>> import tempfile, pathlib
    >>> from embtaskgen import EmbeddingExampleGenerator
    >>> gen = EmbeddingExampleGenerator("sts", lm="openai/none")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "examples.json"
    >>> _ = save_example_program(gen, path, kinds=["sts"])
    >>> sorted(read_example_program(path))
    ['embtaskgen', 'metadata', 'similarity_triplet']
    >>> resolve_example_program(EmbeddingExampleGenerator("sts", lm="openai/none"), path) == str(path)
    True
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from dspy.utils.saving import get_dependency_versions
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, create_model

from embtaskgen.brainstorm.program_json import read_program_json
from embtaskgen.errors import ConfigError, ProgramFileError
from embtaskgen.examples.kinds import EXAMPLE_KINDS, EXAMPLE_PREDICTOR_NAMES, resolve_kinds
from embtaskgen.quality.grading import EXAMPLE_METRIC_VERSION
from embtaskgen.signatures import EXAMPLE_SIGNATURES

__all__ = [
    "ExampleProgramFile",
    "apply_example_program",
    "read_example_program",
    "resolve_example_program",
    "save_example_program",
]

logger = logging.getLogger(__name__)

_STAGE = "examples"
_ATTRIBUTE_TO_KIND = {attribute: kind for kind, attribute in EXAMPLE_PREDICTOR_NAMES.items()}


def _must(test: Any, message: str) -> Any:
    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(f"{message}, got {type(value).__name__}")
        return value

    return AfterValidator(check)


_Scalar = Annotated[
    Any,
    _must(lambda v: v is None or isinstance(v, (str, int, float, bool)), "must be a string, number, boolean or null"),
]
_Empty = Annotated[list[Any], _must(lambda v: v == [], "must be an empty list")]
_Null = Annotated[Any, _must(lambda v: v is None, "must be null: the model comes from your settings only")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Field(_Strict):
    prefix: str
    description: str


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    stage: str | None = None


def _predictor_model(kind: str) -> type[BaseModel]:
    names, attribute = list(EXAMPLE_SIGNATURES[kind].fields), EXAMPLE_PREDICTOR_NAMES[kind]
    fields = Annotated[
        list[_Field],
        _must(lambda v: len(v) == len(names), f"must list the signature's {len(names)} fields ({', '.join(names)})"),
    ]
    signature = create_model(
        f"ExampleSignature_{attribute}", __base__=_Strict, instructions=(str, ...), fields=(fields, ...)
    )
    demo = create_model(
        f"ExampleDemo_{attribute}",
        __base__=_Strict,
        augmented=(bool, None),
        **{name: (_Scalar, None) for name in names},
    )
    return create_model(
        f"ExamplePredictor_{attribute}",
        __base__=_Strict,
        signature=(signature, ...),
        demos=(list[demo], []),
        traces=(_Empty, []),
        train=(_Empty, []),  # type: ignore[valid-type]
        lm=(_Null, None),
    )


#: The schema of an example program file.
ExampleProgramFile: type[BaseModel] = create_model(
    "ExampleProgramFile",
    __base__=_Strict,
    embtaskgen=(_Metadata, None),
    metadata=(dict[str, Any], None),
    **{attribute: (_predictor_model(kind), None) for kind, attribute in EXAMPLE_PREDICTOR_NAMES.items()},
)


def _problem(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        return f"unknown predictor {loc[0]!r}; valid names are {', '.join(_ATTRIBUTE_TO_KIND)}"
    if error["type"] == "extra_forbidden":
        return f"{where}: not allowed in an example program file"
    return f"{where}: {error['msg']}"


def _validate(state: Any, name: str | Path) -> BaseModel:
    if not isinstance(state, Mapping):
        raise ProgramFileError(f"{name} is not a program file (expected a JSON object, got {type(state).__name__})")
    try:
        checked = ExampleProgramFile.model_validate(dict(state))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ProgramFileError(f"{name}: {_problem(errors[0])}{more}") from None
    if not any(attribute in checked.model_fields_set for attribute in _ATTRIBUTE_TO_KIND):
        raise ProgramFileError(f"{name} holds no example predictor; valid names are {', '.join(_ATTRIBUTE_TO_KIND)}")
    return checked


def read_example_program(path: str | Path) -> dict[str, Any]:
    """Read and check an example program file.

    Raises:
        ProgramFileError: No such file, not UTF-8 JSON, an unknown predictor (the message
            names the valid ones, so a stage-1 program is told apart), or a key or value a
            program file may not hold.
    """
    state = read_program_json(path, missing_hint="; pass a .json file or 'none'")
    _validate(state, path)
    return state


def save_example_program(
    generator: Any,
    path: str | Path,
    *,
    kinds: str | Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the example prompts of ``generator`` (instructions and demos) as JSON, without any LM.

    Args:
        generator: An ``EmbeddingExampleGenerator``.
        path: A ``.json`` file (its directory must exist).
        kinds: Kinds to store; default: the tuned ones in ``generator.program_info``, else its kinds.
        metadata: Extra metadata merged over ``generator.program_info``.

    Raises:
        ConfigError: Not a ``.json`` path, or an unknown kind.
        ProgramFileError: The prompts would not load back; nothing is written.
    """
    path = Path(path)
    if path.suffix != ".json":
        raise ConfigError(f"a program file must end with .json, got {str(path)!r}")
    info = {**dict(getattr(generator, "program_info", None) or {}), **dict(metadata or {})}
    if kinds is None:
        kinds = list(info.get("kinds") or generator.settings.kinds)
    chosen = resolve_kinds(kinds)
    info.update(
        stage=_STAGE, metric_version=info.get("metric_version", EXAMPLE_METRIC_VERSION), saved_kinds=list(chosen)
    )
    state: dict[str, Any] = {"embtaskgen": info}
    for kind in chosen:
        dumped = generator.predictor_for(kind).dump_state()
        state[EXAMPLE_PREDICTOR_NAMES[kind]] = {
            "traces": [],
            "train": [],
            "demos": dumped.get("demos", []),
            "signature": dumped["signature"],
            "lm": None,
        }
    state["metadata"] = {"dependency_versions": get_dependency_versions()}
    text = json.dumps(state, indent=2, ensure_ascii=False, default=str) + "\n"
    _validate(json.loads(text), f"{path} (not saved)")
    path.write_text(text, encoding="utf-8")
    logger.info("saved example program (%s) to %s", ", ".join(chosen), path)
    return path


def apply_example_program(generator: Any, program: str | Path | Mapping[str, Any]) -> Any:
    """Load an example program's prompts into ``generator`` in place and return it.

    Raises:
        ProgramFileError: A bad program file (nothing is changed then).
    """
    state = read_example_program(program) if isinstance(program, (str, Path)) else program
    checked = _validate(state, program if isinstance(program, (str, Path)) else "program")
    staged = []
    for attribute, kind in _ATTRIBUTE_TO_KIND.items():
        if attribute not in checked.model_fields_set:
            continue
        part = getattr(checked, attribute)
        predictor = generator.predictor_for(kind).deepcopy()
        fields = [{"prefix": f.prefix, "description": f.description} for f in part.signature.fields]
        predictor.load_state(
            {
                "signature": {"instructions": part.signature.instructions, "fields": fields},
                "demos": [demo.model_dump(exclude_unset=True) for demo in part.demos],
                "traces": [],
                "train": [],
                "lm": None,
            }
        )
        staged.append((attribute, predictor))
    for attribute, predictor in staged:
        setattr(generator, attribute, predictor)
    info = dict(state.get("embtaskgen") or {})
    version = info.get("metric_version")
    if version is not None and version != EXAMPLE_METRIC_VERSION:
        logger.warning(
            "example program was tuned with metric version %s; this is version %s", version, EXAMPLE_METRIC_VERSION
        )
    loaded = {_ATTRIBUTE_TO_KIND[a] for a, _ in staged}
    generator.program_info = {**info, "loaded_kinds": [k for k in EXAMPLE_KINDS if k in loaded]}
    return generator


def resolve_example_program(generator: Any, program: str | Path | None) -> str | None:
    """Apply an examples ``--program`` choice: ``"none"``/``None`` (the signatures) or a file.

    ``"default"`` means the signatures too: no tuned example program is shipped yet.

    Returns:
        What was loaded, for logs (``None``: the untuned signatures).

    Raises:
        ProgramFileError: A path that is not a readable example program file.
    """
    if program is None or str(program).lower() in ("none", "default"):
        return None
    apply_example_program(generator, read_example_program(program))
    return str(program)
