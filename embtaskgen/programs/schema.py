"""The strict schema of a program file, per stage, and the one check every reader runs.

A predictor holds its signature's prompts, demos of the signature's own fields, empty
``traces`` and ``train`` and a null ``lm``, nothing else at any level; the two metadata
blocks are free. A bad file is a ``ProgramFileError`` naming the first problem's key path.

Example:
    >>> validate_program({"text_retrieval": {"signature": {}}}, "p.json")
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ProgramFileError: p.json: text_retrieval.signature.instructions: missing (and 1 more)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainValidator, ValidationError, create_model
from pydantic_core import PydanticCustomError

from embtaskgen.errors import ProgramFileError
from embtaskgen.programs.stages import ProgramStage, stage_named, stage_of_state

__all__ = ["PREDICTOR_KEYS", "program_schema", "validate_program"]

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
_ALLOWED = {
    1: "a predictor may hold " + ", ".join(PREDICTOR_KEYS),
    2: "a signature may hold instructions, fields",
    3: "a signature field may hold prefix, description",
}
_EXPECTED = {
    "model_type": "a JSON object",
    "dict_type": "a JSON object",
    "list_type": "a list",
    "string_type": "a string",
    "bool_type": "true or false",
}


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


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


_ScalarDemo = Annotated[Any, _check(_scalar, "must be a string, number, boolean or null")]
_ListDemo = Annotated[
    Any,
    _check(
        lambda v: _scalar(v) or (isinstance(v, list) and all(isinstance(i, str) for i in v)),
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


class _Metadata(BaseModel):
    """The ``"embtaskgen"`` block: free metadata, typed where it is read."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    stage: str | None = None
    base_instructions: dict[str, str] | None = None
    saved_categories: list[str] | None = None
    heldout: dict[str, dict[str, Any]] | None = None


def _predictor_model(stage: ProgramStage, unit: str) -> type[BaseModel]:
    """The schema of one predictor's state; its demos hold the signature's own fields."""
    names, attribute = list(stage.signatures[unit].fields), stage.attributes[unit]
    fields = Annotated[
        list[_FieldState],
        _check(
            lambda v: len(v) == len(names),
            f"must list the signature's {len(names)} fields ({', '.join(names)}) in order",
            AfterValidator,
        ),
    ]
    value = _ListDemo if stage.list_demos else _ScalarDemo
    signature = create_model(f"Signature_{attribute}", __base__=_Strict, instructions=(str, ...), fields=(fields, ...))
    demo_fields: dict[str, Any] = {"augmented": (bool, None), **{name: (value, None) for name in names}}
    demo = create_model(f"Demo_{attribute}", __base__=_Strict, **demo_fields)
    return create_model(
        f"Predictor_{attribute}",
        __base__=_Strict,
        signature=(signature, ...),
        demos=(list[demo], []),  # type: ignore[valid-type]
        traces=(_EmptyList, []),
        train=(_EmptyList, []),
        lm=(_Null, None),
    )


@cache
def program_schema(stage: ProgramStage) -> type[BaseModel]:
    """The schema of a program file of ``stage``: the two metadata blocks and the stage's predictors, each optional."""
    fields: dict[str, Any] = {
        "embtaskgen": (_Metadata, None),
        "metadata": (dict[str, Any], None),
        **{attribute: (_predictor_model(stage, unit), None) for unit, attribute in stage.attributes.items()},
    }
    return create_model(f"ProgramFile_{stage.name}", __base__=_Strict, **fields)


def _problem(stage: ProgramStage, error: Mapping[str, Any]) -> str:
    """One pydantic error as ``key.path: what is wrong``."""
    loc, kind = tuple(error["loc"]), error["type"]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if kind == "extra_forbidden" and len(loc) == 1:
        return f"unknown predictor {loc[0]!r}; valid names are {', '.join(stage.units_of)}"
    if kind == "extra_forbidden" and loc[1:2] == ("demos",):
        allowed = list(stage.signatures[stage.units_of[loc[0]]].fields) + ["augmented"]
        return f"{where}: not allowed; a demo may hold {', '.join(allowed)}"
    if kind == "extra_forbidden":
        return f"{where}: not allowed; {_ALLOWED[sum(isinstance(p, str) for p in loc[:-1])]}"
    if kind == "missing":
        return f"{where}: missing" + ("; a predictor state needs its signature" if loc[-1] == "signature" else "")
    expected = _EXPECTED.get(kind)
    return f"{where}: must be {expected}, got {_kind(error.get('input'))}" if expected else f"{where}: {error['msg']}"


def validate_program(
    state: Any, name: str | Path = "program", stage: str | ProgramStage | None = None
) -> tuple[ProgramStage, BaseModel]:
    """Check parsed JSON against the schema of ``stage`` (default: the file's); returns the stage and the model.

    A predictor of the other stage is an unknown one; a file with no predictor is refused too.
    """
    if not isinstance(state, Mapping):
        raise ProgramFileError(f"{name} is not a program file (expected a JSON object, got {_kind(state)})")
    checked_stage = stage_of_state(state) if stage is None else stage_named(stage)
    try:
        checked = program_schema(checked_stage).model_validate(dict(state))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ProgramFileError(f"{name}: {_problem(checked_stage, errors[0])}{more}") from None
    if not any(attribute in checked.model_fields_set for attribute in checked_stage.units_of):
        names = ", ".join(checked_stage.units_of)
        raise ProgramFileError(f"{name} holds no {checked_stage.label}predictor state; valid names are {names}")
    return checked_stage, checked
