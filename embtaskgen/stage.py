"""The ``Stage`` protocol: what the one runner (:func:`embtaskgen.run`) needs of a stage.

Stage 1 (:class:`embtaskgen.brainstorm.stage.TaskStage`) and stage 2
(:class:`embtaskgen.examples.stage.ExampleStage`) implement it. Everything else (files,
resume rules, retries, Ctrl-C, the summary) is the runner's, the same for both. A call's
key is ``(label, index)``: stage 1's ``(category, generation)``, stage 2's ``(kind,
position in the plan)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

__all__ = ["Key", "Rows", "Stage"]

#: A call's key: ``(category or kind, generation or position)``.
Key = tuple[str, int]


@dataclass
class Rows:
    """What one answered call becomes: the lines to write (one write) and what to count.

    ``invalid`` (stage 2) holds the failure details of an answer that parsed but failed a
    validity check (no lines then; the recorder caps and redacts its ``raw_output``).
    """

    lines: list[str]
    kept: int = 0
    returned: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    invalid: dict[str, Any] | None = None


class Stage(Protocol):
    """One stage as the runner sees it (see the module docstring).

    Attributes:
        unit: What a call makes, in messages (``"generations"``, ``"examples"``).
        identity: The settings that must match on resume (``seed=None``: not chosen);
            a pydantic model with ``mismatch(other) -> str | None``.
        categories: The summary's ``categories`` (the kinds for stage 2).
        flatten: The summary's ``flatten``.
        format: What the output holds (``"jsonl"``, ``"sentence-transformers"``, ``"parquet"``).
        result_type: The class of a call's result (rebuilt from JSON on the Ray driver).
        journal_kind: The ``kind`` of its journal's call lines (``"generation"``, ``"example"``).
        journal_stage: The ``stage`` its journal's run lines name (``None``: none).
        final: Statuses a resume does not call again although the call left no row.
        keyed_rows: Its rows name their call (else the journal's ``ok`` lines do, in order).
        cut_unconfirmed: A call writes several rows, complete only once the journal confirms them.
    """

    unit: str
    result_type: type
    identity: Any
    categories: list[str]
    flatten: bool
    format: str
    journal_kind: str
    journal_stage: str | None
    final: frozenset[str]
    keyed_rows: bool
    cut_unconfirmed: bool

    def plan(self) -> list[Key]:
        """The keys of its calls, in plan order."""

    def names(self, key: Key) -> tuple[str, int]:
        """The key the call's rows and journal lines name it by (resume's ``done`` keys)."""

    def check(self, executor: str) -> None:
        """Refuse what this stage cannot do on ``executor`` (a ``ConfigError``)."""

    def inputs(self) -> list[tuple[str, str]]:
        """``(what, text)`` of each text of the user's that prompts and rows hold (a run refuses a key in one)."""

    def header(self, identity: BaseModel, planned: int, *, rows_reset: bool) -> dict[str, Any]:
        """The journal's ``run`` line of a session."""

    def check_fresh(self, files: Any) -> None:
        """Refuse a new run over an earlier one's files (a ``ConfigError``)."""

    def read_existing(self, files: Any) -> Any:
        """Read, repair and check an earlier run's rows and journal (an ``ExistingRun``)."""

    def caller(self, seed: int, lm: Any) -> Callable[[str, int], Any]:
        """The per-call function bound to the run's seed and LM: ``(label, index) -> result``."""

    def factory(self, seed: int) -> Any:
        """What a Ray actor builds the same caller from (picklable)."""

    def result_key(self, result: Any) -> Key:
        """The call key of a result."""

    def rows(self, result: Any, seed: int) -> Rows:
        """The rows of an answered call (or why it is invalid)."""

    def row_key(self, row: dict[str, Any]) -> tuple[str, int]:
        """The key a written row or journal line names (resume reads rows back by it)."""

    def read_row(self, row: dict[str, Any], where: str) -> tuple[tuple[str, int], list[str]]:
        """The key and tasks of an earlier run's row, checked (a ``ResumeError`` naming ``where``)."""

    def restore(self, tasks: list[str]) -> None:
        """Learn the tasks an earlier run wrote (stage 1's de-duplicator)."""

    def failure_head(self, key: Key, seed: int) -> dict[str, Any]:
        """The fields that open a failure line (which call, which seed)."""

    def journal_line(self, key: Key, status: str, kept: int) -> dict[str, Any]:
        """The journal line of a call with an outcome."""

    def describe_failure(self, key: Key, details: dict[str, Any]) -> str:
        """The log line of a failed call (``details``: its failure line's reason, error...)."""
