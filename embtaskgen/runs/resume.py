"""Read what an earlier run of either stage left, check it belongs to this run, list what is done.

The rows are the truth; the journal (:mod:`.journal`) is evidence where rows cannot
speak. A call is **done** when the output holds a row of it, or, without rows, when the
journal records a final failure for it or an ``ok`` that kept 0 tasks (a flattened
generation whose tasks were all duplicates); **failed before** when, without rows, the
journal's last word on it is ``error`` (tried once more, last); **to do** otherwise.

Repairs first: a torn last line is cut off, and so are the rows of the last call not yet
confirmed by the journal when a call writes several; a Ray run's folder is read in place,
each shard by these rules (the call a torn shard loses is made again, into a new shard);
records that do not name their call (sentence-transformers) are named by the journal's
``ok`` lines in order. An output that is gone voids the journal's ``ok`` lines (the new
run line says ``rows_reset``). What differs per stage comes from the
:class:`~embtaskgen.stage.Stage`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.io.jsonl import iter_jsonl
from embtaskgen.io.shards import iter_shard_rows, shard_paths, write_shard
from embtaskgen.runs.batch.record import BATCH_KIND, open_batch
from embtaskgen.runs.files import RunFiles, repair_tail, truncate
from embtaskgen.stage import Key

__all__ = ["ExistingRun", "check_fresh", "parse_row", "read_existing"]

logger = logging.getLogger(__name__)


@dataclass
class ExistingRun:
    """What an earlier run of the same output left (``done``, ``failed_before``: keys as rows name them).

    ``seed`` is the earlier run's (journal or rows), else this run's; ``rows`` and
    ``tasks`` are counted after repairs.
    """

    seed: int | None = None
    done: set[Key] = field(default_factory=set)
    failed_before: set[Key] = field(default_factory=set)
    rows: int = 0
    tasks: int = 0
    rows_reset: bool = False
    batch: dict[str, Any] | None = None  # the journal's open batch line (submitted, not collected)

    @property
    def empty(self) -> bool:
        """Nothing to resume: no rows and no finished or failed call."""
        return self.rows == 0 and not self.done and not self.failed_before


def check_fresh(files: RunFiles, *, any_journal: bool = False) -> None:
    """Refuse to start a new run over an earlier one's results (a ``ConfigError`` suggesting ``resume=True``).

    The journal counts when it records a finished generation, or with ``any_journal``
    (stage 2) when it is not empty.
    """
    if files.output.exists() and files.output.stat().st_size > 0:
        raise ConfigError(
            f"{files.output} exists and is not empty; pass resume=True to continue "
            "that run, or choose another output path"
        )
    if any_journal:
        if files.progress.exists() and files.progress.stat().st_size > 0:
            raise ConfigError(
                f"{files.progress} records an earlier run; pass resume=True to continue it, "
                "or choose another output path"
            )
    elif files.progress.exists() and any(
        r.get("kind") in ("generation", BATCH_KIND) for _, r in iter_jsonl(files.progress)
    ):
        raise ConfigError(
            f"{files.progress} records finished generations or a batch of an earlier run; pass "
            "resume=True to continue it, or choose another output path"
        )


def read_existing(files: RunFiles, stage: Any) -> ExistingRun:
    """Read, repair and check the output and journal of an earlier run of ``files.output``.

    Raises:
        ResumeError: Other settings (the message names the setting and both values), or
            a complete line that is not a row of this run.
        ConfigError: A journal line that is not JSON or of an unknown kind.
    """
    state = ExistingRun()
    repair_tail(files.progress)
    journal = _Journal.read(files, stage) if files.progress.exists() else _Journal()
    state.seed = stage.identity.seed
    state.batch = open_batch(journal.batches)
    if journal.recorded:
        try:
            identity = type(stage.identity).from_header(journal.recorded)
        except ValidationError as exc:
            raise ResumeError(f"cannot resume {files.output}: the journal's run line is not readable ({exc})") from exc
        reason = identity.mismatch(stage.identity)
        if reason is not None:
            raise ResumeError(f"cannot resume {files.output}: {reason}")
        state.seed = identity.seed
    if not files.output.exists():
        rows: Counter[Key] = Counter()
        if journal.last:
            state.rows_reset = True
            journal.void_ok()
            logger.warning(
                "%s is gone but %s records finished %s: every one is called again (except the final failures)",
                files.output,
                files.progress,
                stage.unit,
            )
    elif stage.keyed_rows:
        rows = _scan_rows(files, state, stage, journal)
    else:
        rows = _confirmed_records(files, stage, journal)
        state.rows = state.tasks = len(rows)
    for key, status in journal.last.items():
        if key in rows:
            continue
        if key in journal.final or (status == "ok" and journal.kept.get(key) == 0):
            state.done.add(key)
        elif status == "error":
            state.failed_before.add(key)
    state.done.update(rows)
    return state


class _Journal:
    """The journal's evidence: the first run line's fields and the last status of each call."""

    def __init__(self) -> None:
        self.recorded: dict[str, Any] = {}
        self.last: dict[Key, str] = {}
        self.kept: dict[Key, int] = {}
        self.ok: list[Key] = []
        self.final: set[Key] = set()
        self.batches: list[dict[str, Any]] = []

    @classmethod
    def read(cls, files: RunFiles, stage: Any) -> _Journal:
        journal = cls()
        for number, record in iter_jsonl(files.progress):
            kind = record.get("kind")
            if kind == "run":
                if stage.journal_stage is not None and record.get("stage") != stage.journal_stage:
                    raise ResumeError(
                        f"cannot resume {files.output}: {files.progress} is the journal of a "
                        "task run (embtaskgen generate), not of an examples run"
                    )
                for name, value in record.items():
                    journal.recorded.setdefault(name, value)  # the first run line that records a field
                if record.get("rows_reset"):
                    journal.void_ok()
            elif kind == BATCH_KIND:
                journal.batches.append(record)
            elif kind == stage.journal_kind:
                try:
                    key = stage.row_key(record)
                    status = str(record["status"])
                except (KeyError, TypeError, ValueError) as exc:
                    article = "an" if kind[0] in "aeiou" else "a"
                    raise ConfigError(f"{files.progress}:{number}: not {article} {kind} line ({exc})") from exc
                journal.last[key] = status
                if status == "ok":
                    journal.ok.append(key)
                    if "kept" in record:
                        journal.kept[key] = int(record["kept"] or 0)
                elif status in stage.final:
                    journal.final.add(key)
            else:
                raise ConfigError(f"{files.progress}:{number}: unknown journal line kind {kind!r}")
        return journal

    def void_ok(self) -> None:
        """Forget every ``ok`` so far: the rows they describe are gone."""
        self.last = {key: status for key, status in self.last.items() if status != "ok"}
        self.kept.clear()
        self.ok.clear()


@dataclass
class _Group:
    """The rows of one call at the end of the file, held back until the next starts."""

    key: Key
    start: int
    tasks: list[str] = field(default_factory=list)
    lines: int = 0


def _scan_rows(files: RunFiles, state: ExistingRun, stage: Any, journal: _Journal) -> Counter[Key]:
    """Check every row, repair the tail (of each shard of a folder), feed the stage's de-duplicator; rows per call."""
    expected = stage.identity
    counts: Counter[Key] = Counter()

    def keep(group: _Group) -> None:
        counts[group.key] += group.lines
        stage.restore(group.tasks)
        state.rows += group.lines
        state.tasks += len(group.tasks)

    paths = shard_paths(files.output) if files.output.is_dir() else [files.output]
    for path in paths:
        group: _Group | None = None
        torn_at: int | None = None
        parquet = path != files.output and path.suffix == ".parquet"  # a shard (a file is JSONL by any name)
        for number, start, raw in _lines(path, parquet=parquet):
            if not raw.endswith(b"\n"):
                torn_at = start  # only the last line can lack its newline
                break
            if not raw.strip():
                continue
            where = f"cannot resume {path} (line {number})"
            row = parse_row(raw, where)
            row_seed = row.get("seed")
            if state.seed is None:
                state.seed = row_seed
            if row_seed != state.seed:
                raise ResumeError(f"{where}: seed: the row was made with {row_seed}, this run has {state.seed}")
            model = row.get("model_name")
            if model is not None and expected.model_name is not None and model != expected.model_name:
                raise ResumeError(
                    f"{where}: model_name: the row was made with {model!r}, this run has {expected.model_name!r}"
                )
            key, tasks = stage.read_row(row, where)
            if group is None or group.key != key:
                if group is not None:
                    keep(group)
                group = _Group(key, start)
            group.tasks.extend(tasks)
            group.lines += 1
        cut: int | None = torn_at
        removed = "a torn last line" if torn_at is not None else ""
        if group is not None:
            confirmed = (
                journal.last.get(group.key) == "ok" and journal.kept.get(group.key) == counts[group.key] + group.lines
            )
            if stage.cut_unconfirmed and not confirmed and (torn_at is not None or path == paths[-1]):
                # The last write may have been cut short: its rows are complete only when the
                # journal's ok line (written after them) confirms their number.
                cut = group.start
                removed = (
                    f"{group.lines} row(s) of {group.key[0]} generation {group.key[1]} not confirmed by the journal"
                    + (" and a torn last line" if torn_at is not None else "")
                )
            else:
                keep(group)
        if cut is not None:
            if parquet:
                write_shard(path, [row for _, number, row in iter_shard_rows(path) if number <= cut])
            else:
                truncate(path, cut)
            logger.warning("%s: removed %s; that %s is called again", path, removed, stage.unit[:-1])
    return counts


def _lines(path: Path, *, parquet: bool) -> Iterator[tuple[int, int, bytes]]:
    """``(number, start, line)`` of a JSONL file (start: its byte offset) or a Parquet shard (its row index)."""
    if parquet:
        for _, number, row in iter_shard_rows(path):
            yield number, number - 1, json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
        return
    offset = 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, offset, raw
            offset += len(raw)


def _confirmed_records(files: RunFiles, stage: Any, journal: _Journal) -> Counter[Key]:
    """Records that do not name their call, named by the journal's ``ok`` lines in order."""
    repair_tail(files.output)
    offsets = [0]
    with open(files.output, "rb") as handle:
        for raw in handle:
            offsets.append(offsets[-1] + len(raw))
    lines = len(offsets) - 1
    if lines > len(journal.ok):  # records no ok line confirms: a write cut short
        truncate(files.output, offsets[len(journal.ok)])
        logger.warning("%s: removed %d record(s) not confirmed by the journal", files.output, lines - len(journal.ok))
        lines = len(journal.ok)
    planned = {stage.names(key) for key in stage.plan()}
    for key in journal.ok[:lines]:
        if key not in planned:
            raise ResumeError(
                f"cannot resume {files.output}: tasks: the journal records example {key[1]} of "
                f"task {key[0]!r}, which this run does not plan (another task file?)"
            )
    return Counter(journal.ok[:lines])


def parse_row(raw: bytes, where: str) -> dict[str, Any]:
    """One JSONL line of an earlier run as a JSON object (a :class:`ResumeError` naming ``where`` otherwise)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResumeError(f"{where}: not valid JSON ({exc}); the file was changed by something else") from exc
    if not isinstance(value, dict):
        raise ResumeError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value
