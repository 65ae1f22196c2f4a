"""The summary of a stage-2 run, from its tally (same shape as stage 1's summary).

Both stage-2 runners (local threads and Ray) end with it; ``tests/runs`` check its
figures through them.
"""

from __future__ import annotations

from collections import Counter
from typing import cast

from embtaskgen.runs.example_recorder import ExampleTally
from embtaskgen.runs.example_resume import ExampleRunIdentity, ExistingExamples
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.summary import RunSummary, Status

__all__ = ["build_example_summary"]


def build_example_summary(
    tally: ExampleTally,
    identity: ExampleRunIdentity,
    files: RunFiles,
    planned: int,
    skipped: int,
    existing: ExistingExamples,
    seconds: float,
    workers: int,
    stopped: str,
    message: str,
) -> RunSummary:
    """The run summary of a stage-2 run (the stage-1 shape; kinds stand in for categories).

    Invalid examples count as final parse failures (they are in the failures file, not
    retried) and appear in ``errors_by_type`` as ``InvalidExample``.
    """
    final = tally.parse_failures + tally.invalid
    remaining = planned - skipped - tally.ok - final
    if stopped:
        status = stopped
    elif remaining:
        status, message = "partial", f"{remaining} examples failed with errors; resume to try them again"
    else:
        status = "complete"
    errors_by_type: Counter[str] = Counter(tally.errors_by_type)
    if tally.invalid:
        errors_by_type["InvalidExample"] += tally.invalid
    return RunSummary(
        status=cast(Status, status),
        message=message,
        output=str(files.output),
        seed=identity.seed,
        categories=identity.kinds,
        flatten=True,
        model_name=identity.model_name or "",
        planned=planned,
        skipped=skipped,
        calls=tally.calls,
        ok=tally.ok,
        failed=tally.failed,
        errors=tally.errors,
        parse_failures=tally.parse_failures,
        invalid=tally.invalid,
        retried=tally.retried,
        remaining=remaining,
        retried_earlier=tally.retried_earlier,
        tasks=tally.kept,
        returned=tally.returned + tally.invalid,
        duplicates=0,
        dropped={key: value for key, value in tally.dropped.items() if value},
        rows=tally.lines,
        total_rows=existing.rows + tally.lines,
        total_tasks=existing.rows + tally.kept,
        usage=tally.usage(),
        cost=tally.cost(),
        seconds=round(seconds, 3),
        calls_per_second=round(tally.calls / seconds, 3) if seconds > 0 else 0.0,
        concurrency=workers,
        errors_by_type=dict(errors_by_type),
    )
