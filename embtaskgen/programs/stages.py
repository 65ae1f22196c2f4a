"""What a program file of each stage holds: its predictors, their signatures, its metadata words.

A file names its stage in its ``"embtaskgen"`` block (``"stage": "tasks"`` or
``"examples"``); files without one (older saves, plain DSPy saves) are of the stage their
predictors are of (:func:`stage_of_state`).

Example:
    >>> stage_of_state({"embtaskgen": {"stage": "examples"}}).name
    'examples'
    >>> stage_of_state({"text_retrieval": {}}).unit
    'category'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dspy.signatures.signature import Signature

from embtaskgen.errors import ProgramFileError
from embtaskgen.examples.kinds import EXAMPLE_PREDICTOR_NAMES, resolve_kinds
from embtaskgen.quality.grading import EXAMPLE_METRIC_VERSION
from embtaskgen.signatures import EXAMPLE_SIGNATURES, SIGNATURES
from embtaskgen.signatures.categories import PREDICTOR_NAMES, resolve_categories

__all__ = ["EXAMPLES", "STAGES", "TASKS", "ProgramStage", "stage_named", "stage_of_generator", "stage_of_state"]


@dataclass(frozen=True, eq=False)
class ProgramStage:
    """The parts of a program file that differ between the stages.

    Attributes:
        name: The stage's name in a file (``"tasks"``, ``"examples"``).
        unit: What one predictor serves (``"category"``, ``"kind"``).
        attributes: The predictor attribute of each unit on the generator, in the units' order.
        signatures: The signature class of each unit.
        resolve: Checks and orders a choice of units (a ``ConfigError`` names the valid ones).
        list_demos: Whether a demo value may be a list of strings (stage 1's ``tasks``).
        label: How messages name the stage's program (``""`` or ``"example "``).
        metric_version: Stamped on a saved file that has none (``None``: not stamped).
        missing_hint: Appended to "no program file at ..." when a file is not found.
    """

    name: str
    unit: str
    attributes: Mapping[str, str]
    signatures: Mapping[str, type[Signature]]
    resolve: Callable[[Any], Sequence[str]]
    list_demos: bool = False
    label: str = ""
    metric_version: str | None = None
    missing_hint: str = ""

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit, in order."""
        return tuple(self.attributes)

    @property
    def units_of(self) -> dict[str, str]:
        """The unit of each predictor attribute."""
        return {attribute: unit for unit, attribute in self.attributes.items()}

    @property
    def plural(self) -> str:
        """``categories`` or ``kinds`` (the metadata keys ``saved_categories``, ``loaded_kinds``, ...)."""
        return "categories" if self.unit == "category" else f"{self.unit}s"


#: Stage 1, the brainstorm: one predictor per category.
TASKS = ProgramStage("tasks", "category", PREDICTOR_NAMES, SIGNATURES, resolve_categories, list_demos=True)
#: Stage 2, the examples: one predictor per example kind.
EXAMPLES = ProgramStage(
    "examples",
    "kind",
    EXAMPLE_PREDICTOR_NAMES,
    EXAMPLE_SIGNATURES,
    resolve_kinds,
    label="example ",
    metric_version=EXAMPLE_METRIC_VERSION,
    missing_hint="; pass a .json file or 'none'",
)
STAGES: dict[str, ProgramStage] = {stage.name: stage for stage in (TASKS, EXAMPLES)}


def stage_named(name: str | ProgramStage) -> ProgramStage:
    """The stage called ``name`` (a :class:`ProgramStage` is returned as it is); a
    ``ProgramFileError`` names the valid ones."""
    if isinstance(name, ProgramStage):
        return name
    if name not in STAGES:
        raise ProgramFileError(f"unknown program stage {name!r}; valid stages are {', '.join(STAGES)}")
    return STAGES[name]


def stage_of_state(state: Mapping[str, Any]) -> ProgramStage:
    """The stage a parsed program file is of: the one it names, else the one its predictors are of."""
    info = state.get("embtaskgen")
    declared = info.get("stage") if isinstance(info, Mapping) else None
    if isinstance(declared, str) and declared in STAGES:
        return STAGES[declared]
    if declared is None and any(k in EXAMPLES.units_of for k in state) and not any(k in TASKS.units_of for k in state):
        return EXAMPLES
    return TASKS


def stage_of_generator(generator: Any) -> ProgramStage:
    """The stage whose predictors ``generator`` holds (stage 1 when it holds neither's)."""
    attributes = EXAMPLES.attributes.values()
    return EXAMPLES if all(hasattr(generator, attribute) for attribute in attributes) else TASKS
