"""The protocol every family of checks implements, and the row it reads.

A family measures a row (``measure``: one score per reason, lower is worse) and flags
each reason whose score is under its floor (``check``). Form families measure text
(a flag is ``-1.0``, a pass ``1.0``); embed families measure cosines with a
:class:`~embtaskgen.checks.similarity.Similarity`. The floors of the embed families were
fitted on the labelled set (``docs/quality/checks.md``).

Example:
    >>> from embtaskgen.checks.matching import MatchingChecks
    >>> family = MatchingChecks()
    >>> sorted(family.kinds), family.reasons
    (['text-matching-long', 'text-matching-short'], ('pair_unrelated', 'input_off_task'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from embtaskgen.checks.similarity import Similarity
from embtaskgen.errors import ConfigError

__all__ = ["CHECK_LEVELS", "FLAG", "PASS", "CheckFamily", "FittedFamily", "Row", "flagged", "row_kind"]

#: The levels of checks, cheapest first: text alone, an embedder, a judge model.
CHECK_LEVELS: tuple[str, ...] = ("form", "embed", "judge")
#: The score of a form check that flags, and of one that passes.
FLAG, PASS = -1.0, 1.0

Row = Mapping[str, Any]


@runtime_checkable
class CheckFamily(Protocol):
    """A family of named checks of some kinds of rows (see the module docstring)."""

    name: str
    level: str
    kinds: frozenset[str]
    reasons: tuple[str, ...]

    def texts(self, row: Row) -> list[str]:
        """The texts of ``row`` the family embeds (``[]`` for form families)."""
        ...

    def measure(self, row: Row, sim: Similarity | None) -> dict[str, float]:
        """One score per reason that applies to ``row`` (lower is worse)."""
        ...

    def floors(self) -> dict[str, float]:
        """The floor of each reason: a score under it flags the reason."""
        ...


@dataclass
class FittedFamily:
    """What the families with fitted floors share: ``FITTED`` floors by reason (fitted on
    the labelled sets), ``floor``'s overrides, the fields they embed (``FIELDS``)."""

    floor: dict[str, float] = field(default_factory=dict)
    name: str = ""

    FITTED: ClassVar[dict[str, float]] = {}
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def texts(self, row: Row) -> list[str]:
        """The row's ``FIELDS``, as text (empty when absent)."""
        return [str(row.get(name) or "") for name in self.FIELDS]

    def floors(self) -> dict[str, float]:
        """The fitted floors, with ``floor``'s overrides."""
        return {**self.FITTED, **self.floor}

    def embedder(self, sim: Similarity | None) -> Similarity:
        """``sim``, which the cosines of these checks need."""
        if sim is None:
            raise ConfigError(f"the {self.name} checks need an embedder (level 'embed')")
        return sim


def flagged(family: CheckFamily, row: Row, sim: Similarity | None) -> list[str]:
    """The reasons of ``family`` that ``row`` fails, in the family's order."""
    scores = family.measure(row, sim)
    floors = family.floors()
    return [reason for reason in family.reasons if reason in scores and scores[reason] < floors[reason]]


def row_kind(row: Row) -> str:
    """An example row's ``kind``, or ``"task"`` for a task row (a ``task`` and no ``kind``)."""
    kind = row.get("kind")
    if isinstance(kind, str) and kind:
        return kind
    return "task"
