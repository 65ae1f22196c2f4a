"""Tasks (stage 1 rows): the precision gate and the on-category rule (form), and the
task scorer fitted on the hand-labelled tasks (embed).

``gate``: the precision gate drops the task (its reason is in
:func:`gate_reason`); ``off_category`` fails the on-category rule; ``task_scored_low``: the scorer gives the
task a chance under the floor that a reader keeps it.

Example:
    >>> flagged(TaskFormChecks(), {"category": "text-retrieval", "task": "Given a query, retrieve a full query."}, None)
    ['gate', 'off_category']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from embtaskgen.checks.family import FLAG, PASS, FittedFamily, Row, flagged
from embtaskgen.checks.similarity import Similarity
from embtaskgen.checks.task_scorer import TaskScorer
from embtaskgen.quality.conformance import on_category

__all__ = ["TaskEmbedChecks", "TaskFormChecks", "flagged", "gate_reason"]


def gate_reason(task: str, category: str, gate: Any = None) -> str:
    """The precision gate's reason for dropping ``task`` (``""``: kept)."""
    if gate is None:
        from embtaskgen.brainstorm.prompt_demos import gate_for

        gate = gate_for()
    verdict = gate.check(task, category)
    return "" if verdict.ok else str(verdict.reason)


@dataclass
class TaskFormChecks:
    """The precision gate and the on-category rule; ``gate`` defaults to the untuned prompts' gate."""

    gate: Any = None
    name: str = "task_form"
    level: str = "form"
    kinds: frozenset[str] = frozenset({"task"})
    reasons: tuple[str, ...] = ("gate", "off_category")

    def texts(self, row: Row) -> list[str]:
        """No texts to embed."""
        return []

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """``-1.0`` when the gate drops the task / it is off its category."""
        if self.gate is None:
            from embtaskgen.brainstorm.prompt_demos import gate_for

            self.gate = gate_for()
        task, category = str(row.get("task") or ""), str(row.get("category") or "")
        return {
            "gate": FLAG if gate_reason(task, category, self.gate) else PASS,
            "off_category": PASS if on_category(task, category) else FLAG,
        }

    def floors(self) -> dict[str, float]:
        """A flag (``-1.0``) is under the floor ``0.0``."""
        return dict.fromkeys(self.reasons, 0.0)


@dataclass
class TaskEmbedChecks(FittedFamily):
    """The task scorer's chance that a reader keeps the task; ``floor`` overrides the fitted floor."""

    scorer_path: str | None = None
    name: str = "task_embed"
    level: str = "embed"
    kinds: frozenset[str] = frozenset({"task"})
    reasons: tuple[str, ...] = ("task_scored_low",)

    #: Fitted on the labelled tasks' dev split (docs/quality/checks.md).
    FITTED = {"task_scored_low": 0.2}

    @cached_property
    def scorer(self) -> TaskScorer:
        """The shipped scorer (or the one at ``scorer_path``)."""
        return TaskScorer.load(self.scorer_path) if self.scorer_path else TaskScorer.load()

    FIELDS = ("task",)

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """The scorer's chance that a reader keeps the task."""
        sim = self.embedder(sim)
        task, category = str(row.get("task") or ""), str(row.get("category") or "")
        return {"task_scored_low": self.scorer.score([sim.vector(task)], [category])[0]}
