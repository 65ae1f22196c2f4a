"""One planned example call, what a plan may override, and a call's raw outcome, before validity checks and rows.

:class:`ExampleResult` fits the executor's ``CallOutcome`` (``items``, ``error``,
``parse_failure``), so :func:`embtaskgen.execute.collect.collect` runs it like a
brainstorm call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from embtaskgen.brainstorm.call_result import usage_counts
from embtaskgen.examples.kinds import FIXED_INSTRUCTIONS

__all__ = ["ExampleResult", "PlanOverrides", "PlannedExample"]


@dataclass(frozen=True)
class PlannedExample:
    """One example to write: its kind, the task and category it is for (symmetric kinds:
    none, the kind as ``task_id``) and its index among that task's examples."""

    kind: str
    task_id: str
    index: int
    task: str = ""
    category: str = ""

    @property
    def instruction(self) -> str:
        """The row's ``task``: the task, or the paper's fixed instruction of a symmetric kind."""
        return self.task or FIXED_INSTRUCTIONS.get(self.kind, "")


class PlanOverrides(TypedDict, total=False):
    """The settings one plan (or run) of a generator may override; ``None`` keeps the settings' own."""

    kinds: str | Sequence[str] | None
    count: int | None
    examples_per_task: int | None


@dataclass
class ExampleResult:
    """The raw outcome of one example call.

    Attributes:
        outputs: The parsed, sanitised output fields (``None`` when the answer did not parse).
        raw_output: The model's text when it did not parse.
        error: Reason of a failure other than a parse failure.
        usage: Token usage per model, as DSPy reports it.
    """

    kind: str
    task_id: str
    index: int
    rollout_id: int
    attributes: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    raw_output: str | None = None
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)

    @property
    def items(self) -> dict[str, Any] | None:
        """The executor's view of the answer: the outputs."""
        return self.outputs

    @property
    def parse_failure(self) -> bool:
        """The model answered, but not with the signature's fields."""
        return self.outputs is None and self.error is None

    def token_counts(self) -> Counter[str]:
        """Integer usage counters of this call, summed over the models it used."""
        return usage_counts(self.usage)
