"""The precision gate against hand labels (``tests/fixtures/labelled_tasks.jsonl``).

Each labelled task is judged in the order of its call (the gate's ``templated`` check reads
the call's earlier tasks) by the gate alone (what a run keeps), the gate with the
on-category rule (what the report counts) and no gate.

Example:
    >>> rows = [
    ...     {"category": "text-retrieval", "task": "Given a query, retrieve a full query.", "label": "drop"},
    ...     {"category": "text-retrieval", "task": "Given a claim, retrieve studies that test it.", "label": "keep"},
    ... ]
    >>> evaluate_gate(rows)["gate"]
    {'kept': 1, 'precision': 1.0, 'recall': 1.0}
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from embtaskgen.brainstorm.precision_gate import PrecisionGate
from embtaskgen.brainstorm.prompt_demos import gate_for
from embtaskgen.errors import ConfigError
from embtaskgen.io.jsonl import iter_jsonl
from embtaskgen.quality.conformance import on_category

__all__ = ["evaluate_gate", "read_labelled"]

_LABELS = ("keep", "drop")


def read_labelled(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a labelled set (JSONL; a ``ConfigError`` names the line without ``category``,
    ``task`` and ``label``)."""
    rows = []
    for number, row in iter_jsonl(path):
        if not {"category", "task", "label"} <= set(row) or row["label"] not in _LABELS:
            raise ConfigError(f"{path}:{number}: expected category, task and label ({' or '.join(_LABELS)})")
        rows.append(row)
    return rows


def _figures(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    kept = sum(1 for ok, _ in pairs if ok)
    agreed = sum(1 for ok, keep in pairs if ok and keep)
    keeps = sum(1 for _, keep in pairs if keep)
    return {
        "kept": kept,
        "precision": round(agreed / kept, 3) if kept else 0.0,
        "recall": round(agreed / keeps, 3) if keeps else 0.0,
    }


def evaluate_gate(
    rows: Iterable[Mapping[str, Any]],
    gate: PrecisionGate | None = None,
    demos: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """Precision and recall of ``keep`` for the gate, the gate with the on-category rule,
    and no gate, over labelled ``rows``; ``gate`` defaults to the untuned prompts' gate
    with the program ``demos`` (per category) among its examples.

    Returns:
        ``{"tasks", "labelled_keep", "gate", "gate_on_category", "none", "reasons"}``;
        ``reasons`` counts the gate's drops per reason and per label.
    """
    if gate is None:
        gate = gate_for()
        for category, tasks in (demos or {}).items():
            gate.add_shown(category, tasks)
    calls: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    judged: dict[str, list[tuple[bool, bool]]] = {"gate": [], "gate_on_category": [], "none": []}
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: {"keep": 0, "drop": 0})
    count = keeps = 0
    for row in rows:
        category, task, keep = row["category"], row["task"], row["label"] == "keep"
        earlier = calls[(category, row.get("seed"), row.get("generation"))]
        verdict = gate.check(task, category, earlier)
        earlier.append(task)
        count += 1
        keeps += keep
        if not verdict:
            reasons[verdict.reason][row["label"]] += 1
        judged["gate"].append((verdict.ok, keep))
        judged["gate_on_category"].append((verdict.ok and on_category(task, category), keep))
        judged["none"].append((True, keep))
    return {
        "tasks": count,
        "labelled_keep": keeps,
        **{name: _figures(pairs) for name, pairs in judged.items()},
        "reasons": {reason: dict(counts) for reason, counts in sorted(reasons.items())},
    }
