"""The checks against hand labels: precision and recall of what they keep and of each reason.

A labelled example is a row with the reader's verdict in ``reader`` (``keep`` or
``drop``; not ``label``, a classification example's column), a ``reader_reason`` for a
drop (``off-task``, ``mismatched``, ``nonsense``, ``copy``, ``wrong-language``,
``trivial``) and a ``split``; the labelled tasks keep theirs in ``label`` (``key="label"``). A planted
row (``tests/fixtures/planted_examples.jsonl``) has ``planted``: ``null`` for a coherent
example, else how it was spoiled (``swapped_positive``, ``foreign_label``,
``pair_of_two``).

Example:
    >>> rows = [{"kind": "sts", "S1": "A b c.", "S2": "A b d.", "S3": "E f g.", "reader": "keep"},
    ...         {"kind": "sts", "S1": "A b c.", "S2": "A b c.", "S3": "E f g.", "reader": "drop"}]
    >>> from embtaskgen.checks.registry import Checker
    >>> evaluate_checks(rows, Checker(levels=("form",)))["kept"]
    {'rows': 2, 'labelled_keep': 1, 'base_rate': 0.5, 'kept': 1, 'precision': 1.0, 'recall': 1.0}
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from embtaskgen.checks.family import Row
from embtaskgen.errors import ConfigError
from embtaskgen.io.jsonl import iter_jsonl

__all__ = ["DROP_REASONS", "READER", "evaluate_checks", "evaluate_planted", "read_labelled_rows"]

#: Why a reader drops an example.
DROP_REASONS: tuple[str, ...] = ("off-task", "mismatched", "nonsense", "copy", "wrong-language", "trivial")
_LABELS = ("keep", "drop")


#: The column of an example's reader verdict.
READER = "reader"


def read_labelled_rows(path: str | os.PathLike[str], key: str = READER) -> list[dict[str, Any]]:
    """Read labelled rows (JSONL); a ``ConfigError`` names a line whose ``key`` is not keep or drop."""
    rows = []
    for number, row in iter_jsonl(path):
        if row.get(key) not in _LABELS:
            raise ConfigError(f"{path}:{number}: expected {key!r}: {' or '.join(_LABELS)}")
        rows.append(row)
    return rows


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def evaluate_checks(rows: Sequence[Row], checker: Any, key: str = READER) -> dict[str, Any]:
    """What ``checker`` keeps of labelled ``rows`` and what each reason flags.

    Returns:
        ``kept``: ``rows``, ``labelled_keep``, ``base_rate`` (the reader's keep share),
        ``kept`` (rows passed), ``precision`` (share of them the reader keeps), ``recall``
        (share of the reader's keeps passed); ``reasons``: per reason the rows it flags
        (``flagged``), the share of those the reader drops (``precision``) and the share
        of the reader's drops of the kinds it checks that it flags (``recall``).
    """
    results = checker.check(rows)
    keeps = [row[key] == "keep" for row in rows]
    passed = [bool(result["passed"]) for result in results]
    agreed = sum(1 for ok, keep in zip(passed, keeps, strict=True) if ok and keep)
    kept = {
        "rows": len(rows),
        "labelled_keep": sum(keeps),
        "base_rate": _ratio(sum(keeps), len(rows)),
        "kept": sum(passed),
        "precision": _ratio(agreed, sum(passed)),
        "recall": _ratio(agreed, sum(keeps)),
    }
    flags: dict[str, Counter[str]] = defaultdict(Counter)
    drops_by_kind: Counter[str] = Counter()
    kinds_of: dict[str, set[str]] = defaultdict(set)
    for row, result, keep in zip(rows, results, keeps, strict=True):
        kind = str(row.get("kind") or "task")
        drops_by_kind[kind] += not keep
        for reason in result["reasons"]:
            flags[reason]["flagged"] += 1
            flags[reason]["dropped"] += not keep
            kinds_of[reason].add(kind)
    reasons = {}
    for reason, counts in sorted(flags.items()):
        drops = sum(drops_by_kind[kind] for kind in kinds_of[reason])
        reasons[reason] = {
            "flagged": counts["flagged"],
            "precision": _ratio(counts["dropped"], counts["flagged"]),
            "recall": _ratio(counts["dropped"], drops),
        }
    return {"kept": kept, "reasons": reasons}


def evaluate_planted(rows: Iterable[Mapping[str, Any]], checker: Any) -> dict[str, Any]:
    """Share of planted mismatches flagged and of coherent rows passed, overall and per plant."""
    rows = list(rows)
    results = checker.check(rows)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for row, result in zip(rows, results, strict=True):
        plant = row.get("planted") or "coherent"
        per[plant]["rows"] += 1
        per[plant]["flagged"] += not result["passed"]
    coherent = per.pop("coherent", Counter())
    planted_rows = sum(c["rows"] for c in per.values())
    return {
        "coherent": coherent["rows"],
        "coherent_passed": _ratio(coherent["rows"] - coherent["flagged"], coherent["rows"]),
        "planted": planted_rows,
        "planted_flagged": _ratio(sum(c["flagged"] for c in per.values()), planted_rows),
        "per_plant": {plant: _ratio(c["flagged"], c["rows"]) for plant, c in sorted(per.items())},
    }
