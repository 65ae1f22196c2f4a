"""Run the checks of some levels on rows: :class:`Checker`.

Every row gets ``{"passed": bool, "reasons": [...]}``; :meth:`Checker.summary` counts the
rows and their reasons. Example rows are read as stage 2 writes them (``kind``, the
kind's fields as columns, ``attributes`` optional); task rows have a ``task`` and a
``category`` and no ``kind``.

Example:
    >>> checker = Checker(levels=("form",))
    >>> rows = [{"kind": "text-matching-short", "task": "Match titles.",
    ...          "input": "iPhone 13 smartphone by Apple (128GB, Red)", "positive_document": "Apple iPhone 13 in red"}]
    >>> checker.check(rows)
    [{'passed': False, 'reasons': ['near_worked_example']}]
    >>> checker.summary(checker.check(rows))
    {'rows': 1, 'passed': 0, 'reasons': {'near_worked_example': 1}}
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from embtaskgen.checks.classification import ClassificationChecks
from embtaskgen.checks.copies import CopyChecks
from embtaskgen.checks.family import CHECK_LEVELS, CheckFamily, Row, flagged, row_kind
from embtaskgen.checks.glued import GluedWordChecks
from embtaskgen.checks.language import LanguageChecks
from embtaskgen.checks.matching import MatchingChecks
from embtaskgen.checks.repetition import RepetitionChecks
from embtaskgen.checks.retrieval import RetrievalChecks
from embtaskgen.checks.similarity import Similarity
from embtaskgen.checks.tasks import TaskEmbedChecks, TaskFormChecks
from embtaskgen.checks.triplets import TripletChecks
from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS
from embtaskgen.examples.validity import check_example
from embtaskgen.quality.semantic import Embedder

__all__ = ["DEFAULT_LEVELS", "Checker", "JudgeFn", "check_levels", "default_families"]

logger = logging.getLogger(__name__)

#: The levels ``embtaskgen check`` runs unless told: no model call.
DEFAULT_LEVELS: tuple[str, ...] = ("form", "embed")

#: A judge: ``row -> reasons`` (``[]``: kept); see :mod:`embtaskgen.checks.judge`.
JudgeFn = Callable[[Row], list[str]]


def check_levels(levels: str | Iterable[str]) -> tuple[str, ...]:
    """The levels of a request (``"form,embed"`` or a list), in :data:`CHECK_LEVELS` order.

    Raises:
        ConfigError: An unknown level or none; the message names the valid ones.

    Example:
        >>> check_levels("embed,form")
        ('form', 'embed')
    """
    asked = [p.strip() for p in levels.split(",")] if isinstance(levels, str) else [str(p).strip() for p in levels]
    asked = [p for p in asked if p]
    unknown = [p for p in asked if p not in CHECK_LEVELS]
    if unknown or not asked:
        raise ConfigError(f"unknown check levels {unknown or asked}; valid levels are {', '.join(CHECK_LEVELS)}")
    return tuple(level for level in CHECK_LEVELS if level in asked)


def default_families() -> list[CheckFamily]:
    """Every family with its fitted floors."""
    return [
        CopyChecks(),
        RepetitionChecks(),
        LanguageChecks(),
        TaskFormChecks(),
        RetrievalChecks(),
        MatchingChecks(),
        ClassificationChecks(),
        TripletChecks(),
        TaskEmbedChecks(),
        GluedWordChecks(),
    ]


class Checker:
    """Run the checks of ``levels`` on rows.

    Args:
        levels: Some of ``form``, ``embed``, ``judge`` (a comma-separated string or a list).
        embedder: ``texts -> (n, d)`` for the ``embed`` level; ``None`` loads
            all-MiniLM-L6-v2 (the ``semantic`` extra) on first use.
        judge: ``row -> reasons`` for the ``judge`` level (:class:`embtaskgen.checks.judge.Judge`).
        families: The check families (default: :func:`default_families`).

    Raises:
        ConfigError: A bad level, or ``judge`` asked without a judge.
    """

    def __init__(
        self,
        levels: str | Iterable[str] = DEFAULT_LEVELS,
        *,
        embedder: Embedder | None = None,
        judge: JudgeFn | None = None,
        families: Sequence[CheckFamily] | None = None,
    ) -> None:
        self.levels = check_levels(levels)
        if "judge" in self.levels and judge is None:
            raise ConfigError("the 'judge' level needs a judge model (--judge MODEL)")
        self.judge = judge
        self.families = list(default_families() if families is None else families)
        self._embedder = embedder
        self._similarity: Similarity | None = None

    @property
    def similarity(self) -> Similarity:
        """The embedding cache (loads the default embedder on first use)."""
        if self._similarity is None:
            if self._embedder is None:
                from embtaskgen.quality.semantic import load_default_embedder

                self._embedder = load_default_embedder()
            self._similarity = Similarity(self._embedder)
        return self._similarity

    def _families(self, kind: str, level: str) -> list[CheckFamily]:
        return [f for f in self.families if f.level == level and kind in f.kinds]

    def reasons(self, row: Row, sim: Similarity | None = None) -> list[str]:
        """The reasons ``row`` fails (``[]``: passed)."""
        kind = row_kind(row)
        if kind != "task" and kind not in EXAMPLE_KINDS:
            raise ConfigError(f"unknown example kind {kind!r}; valid kinds are {', '.join(EXAMPLE_KINDS)}")
        found: list[str] = []
        if "form" in self.levels and kind != "task":
            outputs = {name: row.get(name) for name in OUTPUT_FIELDS[kind]}
            attributes = row.get("attributes")
            found += check_example(kind, outputs, attributes if isinstance(attributes, Mapping) else {})
            if "missing_field" in found:
                return found
        for level in ("form", "embed"):
            if level in self.levels:
                for family in self._families(kind, level):
                    found += flagged(family, row, sim if level == "embed" else None)
        if "judge" in self.levels and self.judge is not None:
            found += self.judge(row)
        return list(dict.fromkeys(found))

    def check(self, rows: Sequence[Row]) -> list[dict[str, Any]]:
        """``{"passed", "reasons"}`` of each row, in order (the texts are embedded in one batch)."""
        sim = None
        if "embed" in self.levels:
            sim = self.similarity
            texts = [t for row in rows for f in self._families(row_kind(row), "embed") for t in f.texts(row)]
            sim.prefetch(t for t in texts if t)
        results = []
        for row in rows:
            reasons = self.reasons(row, sim)
            results.append({"passed": not reasons, "reasons": reasons})
        return results

    @staticmethod
    def summary(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Rows, rows passed, and rows per reason (most frequent first)."""
        counts: Counter[str] = Counter()
        rows = passed = 0
        for result in results:
            rows += 1
            passed += bool(result["passed"])
            counts.update(result["reasons"])
        return {"rows": rows, "passed": passed, "reasons": dict(counts.most_common())}
