"""Fit the floors of the embed checks on labelled rows.

For each reason alone, over the labelled rows of the kinds its family checks, the floor
is the score that makes the rows the reason passes the most often kept by the reader
while still passing ``min_recall`` of the reader's keeps (ties: the lower floor).
Reasons are fitted one at a time, so together they keep less than each alone.

Example:
    >>> from embtaskgen.checks.similarity import Similarity
    >>> from embtaskgen.checks.matching import MatchingChecks
    >>> sim = Similarity(lambda texts: [[t.count("a"), t.count("b"), 0.2] for t in texts])
    >>> rows = [{"kind": "text-matching-short", "input": "a", "positive_document": d, "reader": label}
    ...         for d, label in (("a", "keep"), ("aab", "keep"), ("b", "drop"), ("bb", "drop"))]
    >>> fit_floors(rows, MatchingChecks(), sim, min_recall=1.0)
    {'pair_unrelated': 0.04}
"""

from __future__ import annotations

from collections.abc import Sequence

from embtaskgen.checks.family import CheckFamily, Row, row_kind
from embtaskgen.checks.similarity import Similarity

__all__ = ["fit_floors"]


def fit_floors(
    rows: Sequence[Row], family: CheckFamily, sim: Similarity, *, min_recall: float = 0.9, key: str = "reader"
) -> dict[str, float]:
    """The fitted floor of each reason of ``family`` that applies to some of ``rows`` (2 decimals);
    ``key`` holds the reader's verdict (``keep`` or ``drop``)."""
    mine = [row for row in rows if row_kind(row) in family.kinds]
    sim.prefetch(t for row in mine for t in family.texts(row) if t)
    scored = [(family.measure(row, sim), row[key] == "keep") for row in mine]
    floors: dict[str, float] = {}
    for reason in family.reasons:
        pairs = sorted((scores[reason], keep) for scores, keep in scored if reason in scores)
        keeps = sum(keep for _, keep in pairs)
        if not pairs or not keeps:
            continue
        best: tuple[float, float] | None = None
        for candidate in sorted({round(score, 2) for score, _ in pairs}):
            passed = [keep for score, keep in pairs if score >= candidate]
            if sum(passed) < min_recall * keeps:
                break
            precision = sum(passed) / len(passed)
            if best is None or precision > best[0] + 1e-9:
                best = (precision, candidate)
        if best is not None:
            floors[reason] = best[1]
    return floors
