"""The frozen pydantic base of every settings object, and the one translation of its errors.

Each field declares pydantic's constraints and a :class:`Must` saying in words what a valid
value is; :func:`config_error` turns pydantic's first problem into a
:class:`~embtaskgen.errors.ConfigError` reading ``"<name> must be <rule>, got <value>"``
(or a field check's own message).

Example:
    >>> class Pool(FrozenSettings):
    ...     size: Count = 1
    >>> Pool(size=2).replace(size=3).size
    3
    >>> Pool(size=0)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: size must be an integer >= 1, got 0
    >>> Pool(sise=2)
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: unknown setting 'sise'; valid settings are size
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from embtaskgen.errors import ConfigError

if TYPE_CHECKING:
    from typing import Self  # Python 3.11

__all__ = ["Count", "FrozenSettings", "Must", "OneOf", "OptionalCount", "Seed", "Temperature", "config_error"]


@dataclass(frozen=True)
class Must:
    """What a field's value must be, in the words of its error message (``"an integer >= 1"``)."""

    rule: str


@dataclass(frozen=True)
class OneOf(GroupedMetadata):
    """A string field that must be one of ``choices``: ``Annotated[str, OneOf(("word", "char"))]``."""

    choices: tuple[str, ...]

    @property
    def rule(self) -> str:
        """The words of the message: ``"one of word, char"``."""
        return f"one of {', '.join(self.choices)}"

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(strict=True, pattern=f"^(?:{'|'.join(map(re.escape, self.choices))})$")


# Numbers are strict: no bool for an int, no "0.5" for a float, no NaN or infinity.
Count = Annotated[int, Field(strict=True, ge=1), Must("an integer >= 1")]
OptionalCount = Annotated[int | None, Field(strict=True, ge=1), Must("an integer >= 1 or None")]
Seed = Annotated[int | None, Field(strict=True), Must("an integer or None")]
Temperature = Annotated[float, Field(strict=True, ge=0, le=2, allow_inf_nan=False), Must("a number in [0, 2]")]


class FrozenSettings(BaseModel):
    """An immutable settings object, validated at construction (a change is a new object).

    Raises:
        ConfigError: An unknown setting or a bad value; the message names the valid choices.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise config_error(error, type(self)) from None

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied, validated again (``None`` values are ignored)."""
        changes = {key: value for key, value in changes.items() if value is not None}
        return self.copy_with(**changes) if changes else self

    def copy_with(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied as given (``None`` too), validated again."""
        return type(self)(**{**dict(self), **changes})


def config_error(error: ValidationError, model: type[BaseModel]) -> ConfigError:
    """The :class:`~embtaskgen.errors.ConfigError` a user reads for the first problem pydantic found.

    Example:
        >>> from embtaskgen.settings import GenerationSettings
        >>> try:
        ...     GenerationSettings.model_validate({"temperature": 3})
        ... except ValidationError as error:
        ...     print(config_error(error, GenerationSettings))
        temperature must be a number in [0, 2], got 3
    """
    first = error.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, ConfigError):  # a field's own check: its message names the choices
        return cause
    if isinstance(cause, Exception):
        return ConfigError(f"{name}: {cause}")
    if first["type"] == "extra_forbidden":
        return ConfigError(f"unknown setting {name!r}; valid settings are {', '.join(sorted(model.model_fields))}")
    field = model.model_fields.get(name)
    rules = [m.rule for m in field.metadata if isinstance(m, Must | OneOf)] if field else []
    rule = rules[0] if rules else first["msg"]
    return ConfigError(f"{name} must be {rule}, got {first['input']!r}")
