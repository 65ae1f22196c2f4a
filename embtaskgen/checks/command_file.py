"""Check every row of a file of examples or tasks and write it back with its verdict.

Each row comes out as it went in plus ``checks: {"passed": bool, "reasons": [...]}``; a
row of stage 1 that lists its tasks (``tasks``) is checked task by task and its
``checks`` also holds ``tasks``, one verdict per task. The output and its report
(``OUT.check-report.json``: the summary by reason) are written whole, then renamed.

Example:
    >>> import json, pathlib, tempfile
    >>> from embtaskgen.checks.registry import Checker
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rows = [{"kind": "sts", "S1": "A cat sleeps.", "S2": "A cat naps.", "S3": "A cat sleeps."}]
    >>> _ = (folder / "in.jsonl").write_text(json.dumps(rows[0]) + "\\n")
    >>> check_file(folder / "in.jsonl", folder / "out.jsonl", Checker(levels="form"))["reasons"]
    {'texts_not_distinct': 1}
    >>> json.loads((folder / "out.jsonl").read_text())["checks"]
    {'passed': False, 'reasons': ['texts_not_distinct']}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from embtaskgen.checks.registry import Checker
from embtaskgen.io.shards import iter_shard_rows
from embtaskgen.io.targets import check_target, fresh_temporary

__all__ = ["check_file", "report_path"]

_BATCH = 256


def report_path(output: str | os.PathLike[str]) -> Path:
    """Where the report of ``output`` goes: ``OUT.check-report.json``."""
    path = Path(output)
    return path.with_name(path.name + ".check-report.json")


def _units(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows to check for one input row: itself, or each task of a stage 1 row with a list."""
    if "kind" not in row and isinstance(row.get("tasks"), list):
        return [{"category": row.get("category"), "task": task} for task in row["tasks"] if isinstance(task, str)]
    return [row]


def _batches(source: Path) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for _, _, row in iter_shard_rows(source):
        batch.append(row)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def check_file(
    source: str | os.PathLike[str], output: str | os.PathLike[str], checker: Checker, *, overwrite: bool = False
) -> dict[str, Any]:
    """Check the rows of ``source`` (a JSONL or Parquet file, or a folder of shards), write
    them with their ``checks`` to ``output`` and the summary to its report; return the summary.

    Raises:
        ConfigError: An output that exists (without ``overwrite``) or is no regular file,
            an unreadable line, or a row of an unknown kind.
    """
    out, report = Path(output), report_path(output)
    for path, name in ((out, "the output"), (report, "the report")):
        check_target(path, name, overwrite=overwrite)
    tmp_out, tmp_report = fresh_temporary(out), fresh_temporary(report)
    verdicts: list[dict[str, Any]] = []
    try:
        with open(tmp_out, "x", encoding="utf-8") as handle:
            for batch in _batches(Path(source)):
                units = [_units(row) for row in batch]
                results = iter(checker.check([unit for group in units for unit in group]))
                for row, group in zip(batch, units, strict=True):
                    mine = [next(results) for _ in group]
                    verdicts.extend(mine)
                    if group == [row]:
                        row["checks"] = mine[0]
                    else:
                        reasons = list(dict.fromkeys(r for verdict in mine for r in verdict["reasons"]))
                        row["checks"] = {"passed": not reasons, "reasons": reasons, "tasks": mine}
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        summary = {"levels": list(checker.levels), **Checker.summary(verdicts)}
        judge: Any = checker.judge
        if judge is not None and hasattr(judge, "usage"):
            cost = getattr(judge, "cost", None)
            summary["judge"] = {
                "model": judge.model_name,
                "usage": dict(judge.usage),
                "cost": None if cost is None else round(cost, 6),
            }
        tmp_report.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp_out, out)
        os.replace(tmp_report, report)
    finally:
        tmp_out.unlink(missing_ok=True)
        tmp_report.unlink(missing_ok=True)
    return summary
