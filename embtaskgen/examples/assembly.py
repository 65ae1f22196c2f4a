"""Turn finished example calls into rows and failures (the one place example rows are built).

A parsed call that passes :func:`~embtaskgen.examples.validity.check_example` becomes a
row; any other call is a failure with its reasons and raw text (an invalid example's
outputs as JSON). Every reason is counted in ``stats``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import dspy

from embtaskgen.examples.call import ExampleResult, PlannedExample
from embtaskgen.examples.kinds import OUTPUT_FIELDS
from embtaskgen.examples.rows import ExampleMetadata, ExampleRow
from embtaskgen.examples.validity import check_example
from embtaskgen.lm.untrusted import sanitize_text

__all__ = ["assemble_examples", "example_row"]

_RAW_CHARS = 4000


def example_row(planned: PlannedExample, result: ExampleResult, *, model_name: str, seed: int) -> dict[str, Any]:
    """The row of one valid example (a JSON-ready dict)."""
    outputs = result.outputs or {}
    row = ExampleRow(
        kind=planned.kind,
        category=planned.category or planned.kind,
        task=sanitize_text(planned.instruction),
        outputs={name: outputs[name] for name in OUTPUT_FIELDS[planned.kind]},
        attributes=result.attributes,
        model_name=model_name,
        seed=seed,
        task_id=planned.task_id,
        example_index=planned.index,
        metadata=ExampleMetadata(rollout_id=result.rollout_id),
    )
    return row.to_dict()


def _failure(planned: PlannedExample, result: ExampleResult, reason: str, reasons: list[str]) -> dict[str, Any]:
    raw = result.raw_output
    if reason == "invalid":
        raw = json.dumps(result.outputs, ensure_ascii=False)
    return {
        "kind": planned.kind,
        "category": planned.category or planned.kind,
        "task_id": planned.task_id,
        "example_index": planned.index,
        "rollout_id": result.rollout_id,
        "reason": reason,
        "reasons": reasons,
        "attributes": result.attributes,
        "error": None if result.error is None else sanitize_text(result.error, _RAW_CHARS),
        "raw_output": None if raw is None else sanitize_text(raw, _RAW_CHARS),
    }


def assemble_examples(
    plan: Sequence[PlannedExample], results: Sequence[ExampleResult], *, model_name: str, seed: int
) -> dspy.Prediction:
    """Assemble the calls of one ``forward`` (``results`` in ``plan`` order) into its ``dspy.Prediction``.

    Returns:
        ``dspy.Prediction(rows, seed, stats, failures)``: ``stats`` holds ``calls``,
        ``kept``, ``parse_failures``, ``errors``, ``invalid``, ``invalid_reasons``
        (per reason; an example may fail several checks), ``per_kind`` (calls and kept
        per kind) and ``usage``; ``failures`` one dict per call that gave no row
        (``reason``: ``parse_failure``, ``error`` or ``invalid``).
    """
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    usage: Counter[str] = Counter()
    per_kind: dict[str, Counter[str]] = {}
    for planned, result in zip(plan, results, strict=True):
        usage.update(result.token_counts())
        tally = per_kind.setdefault(planned.kind, Counter())
        tally["calls"] += 1
        if result.outputs is None:
            reason = "parse_failure" if result.parse_failure else "error"
            failures.append(_failure(planned, result, reason, [reason]))
            continue
        invalid = check_example(planned.kind, result.outputs, result.attributes)
        if invalid:
            reasons.update(invalid)
            failures.append(_failure(planned, result, "invalid", invalid))
            continue
        rows.append(example_row(planned, result, model_name=model_name, seed=seed))
        tally["kept"] += 1
    stats = {
        "calls": len(results),
        "kept": len(rows),
        "parse_failures": sum(1 for f in failures if f["reason"] == "parse_failure"),
        "errors": sum(1 for f in failures if f["reason"] == "error"),
        "invalid": sum(1 for f in failures if f["reason"] == "invalid"),
        "invalid_reasons": dict(sorted(reasons.items())),
        "per_kind": {kind: {"calls": c["calls"], "kept": c["kept"]} for kind, c in per_kind.items()},
        "usage": dict(usage),
    }
    return dspy.Prediction(rows=rows, seed=seed, stats=stats, failures=failures)
