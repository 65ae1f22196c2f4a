"""Fit the floors of the embed checks on labelled rows.

For each reason alone, over the labelled rows of the kinds its family checks, the floor
is the score that makes the rows the reason passes the most often kept by the reader
while still passing ``min_recall`` of the reader's keeps, then moved down to the middle
of the gap between it and the highest score under it (a few labelled keeps would
otherwise put the floor right under the lowest of them).
Reasons are fitted one at a time, so together they keep less than each alone.

Example:
    >>> from embtaskgen.checks.similarity import Similarity
    >>> from embtaskgen.checks.matching import MatchingChecks
    >>> sim = Similarity(lambda texts: [[t.count("a"), t.count("b"), 0.2] for t in texts])
    >>> rows = [{"kind": "text-matching-short", "input": "a", "positive_document": d, "reader": label,
    ...          "reader_reason": "mismatched"}
    ...         for d, label in (("a", "keep"), ("aab", "keep"), ("b", "drop"), ("bb", "drop"))]
    >>> fit_floors(rows, MatchingChecks(), sim, min_recall=1.0)
    {'pair_unrelated': 0.46}
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from embtaskgen.checks.family import CheckFamily, Row, row_kind
from embtaskgen.checks.similarity import Similarity

__all__ = ["TARGETS", "fit_floors"]


#: The reader's drop reasons each check is meant to catch: its floor is fitted on those
#: drops and every keep (a cosine cannot tell word salad on the right subject).
TARGETS: dict[str, tuple[str, ...]] = {
    "positive_off_query": ("mismatched",),
    "positive_not_closest": ("mismatched",),
    "pair_unrelated": ("mismatched",),
    "label_fits_worse": ("mismatched",),
    "similar_not_closer": ("mismatched",),
    "negative_off_query": ("mismatched", "trivial"),
    "query_off_task": ("off-task",),
    "input_off_task": ("off-task",),
    "label_off_task": ("off-task", "mismatched"),
    "repetitive": ("nonsense",),
}


def fit_floors(
    rows: Sequence[Row],
    family: CheckFamily,
    sim: Similarity,
    *,
    min_recall: float = 0.9,
    key: str = "reader",
    targets: Mapping[str, Collection[str]] | None = None,
) -> dict[str, float]:
    """The fitted floor of each reason of ``family`` that applies to some of ``rows`` (2 decimals).

    ``key`` holds the reader's verdict (``keep`` or ``drop``) and ``key + "_reason"`` why;
    ``targets`` (default :data:`TARGETS`) names the drops each reason is fitted on (a reason
    it does not name: every drop). The model's labelled rows and the hand-written planted
    rows (those with a ``planted`` key) each keep ``min_recall`` of their own keeps: many
    coherent hand-written keeps do not let a floor fail the model's few.
    """
    targets = TARGETS if targets is None else targets
    mine = [row for row in rows if row_kind(row) in family.kinds]
    sim.prefetch(t for row in mine for t in family.texts(row) if t)
    scored = [
        (family.measure(row, sim), row[key] == "keep", row.get(f"{key}_reason"), "planted" in row) for row in mine
    ]
    floors: dict[str, float] = {}
    for reason in family.reasons:
        aimed = targets.get(reason)
        pairs = sorted(
            (scores[reason], keep, planted)
            for scores, keep, why, planted in scored
            if reason in scores and (keep or aimed is None or why in aimed)
        )
        keeps = Counter(planted for _, keep, planted in pairs if keep)
        if not pairs or not keeps:
            continue
        best: tuple[float, float] | None = None
        for candidate in sorted({math.floor(score * 100) / 100 for score, _, _ in pairs}):  # at or under a score
            passed = [(keep, planted) for score, keep, planted in pairs if score >= candidate]
            kept = Counter(planted for keep, planted in passed if keep)
            if any(kept[group] < min_recall * count for group, count in keeps.items()):
                break
            precision = sum(keep for keep, _ in passed) / len(passed)
            if best is None or precision > best[0] + 1e-9:
                best = (precision, candidate)
        if best is not None:
            under = [score for score, _, _ in pairs if score < best[1]]
            floor = (best[1] + max(under)) / 2 if under else best[1]  # the middle of the gap below
            floors[reason] = math.floor(floor * 100) / 100
    return floors
