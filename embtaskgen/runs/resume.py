"""Read what an earlier run left behind, check it belongs to this run, and list what is done.

The rows are the truth; the journal (:mod:`.journal`) is evidence where rows cannot
speak. A generation of the plan is:

* **done** when the output holds a row of it; or, without rows, when the journal's
  last word on it is a parse failure (final: the same seed gives the same answer) or an
  ``ok`` that kept 0 tasks (a flattened generation whose tasks were all duplicates
  leaves no row). An ``ok`` that kept tasks but has no row in the file is called again.
* **failed before** when, without rows, the journal's last word on it is ``error``: a
  resumed session tries it once more, after the others (see :mod:`.runner`).
* **to do** otherwise (never started, interrupted, or its rows are gone).

Repairs, before anything is counted: a torn last line of the output (a process killed
mid-write) is cut off, and so are the rows the same write left of that generation in a
flattened file (they are complete only when the journal's ``ok`` line confirms their
number), so it is called again. A torn last journal line is cut off. An output file
that is gone while the journal records finished generations makes every ``ok`` line
before it void (the new session's run line says ``rows_reset``): everything is called
again except the parse failures.

Tasks already in the file go back into the de-duplicator, so a resumed run drops the
same duplicates a single run would have.

Example:
    >>> import tempfile, pathlib
    >>> from embtaskgen.brainstorm.cleaning import TaskDeduper
    >>> files = RunFiles.for_output(pathlib.Path(tempfile.mkdtemp()) / "t.jsonl")
    >>> expected = RunIdentity(seed=7, categories=["text-retrieval"], flatten=False, num_tasks=20,
    ...                        topic="", model_name="m", keep_duplicates=False)
    >>> state = read_existing(files, expected=expected, deduper=TaskDeduper())
    >>> state.seed, len(state.done)
    (7, 0)
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.jsonl_lines import iter_jsonl
from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.runs.files import RunFiles, repair_tail, truncate
from embtaskgen.runs.journal import RunIdentity

__all__ = ["ExistingRun", "check_fresh", "parse_row", "read_existing"]

logger = logging.getLogger(__name__)

Key = tuple[str, int]


@dataclass
class ExistingRun:
    """What an earlier run of the same output left.

    Attributes:
        identity: The settings the journal's run lines record (the stage's identity; ``None`` without one).
        seed: The seed to continue with: the earlier run's (journal or rows), else this run's.
        done: ``(category, generation)`` pairs that need no new call.
        failed_before: Pairs that failed with an error in an earlier session and have
            no rows: tried once more, last.
        rows: Lines in the output file (after repairs).
        tasks: Tasks in the output file (after repairs).
        rows_reset: The output file is gone although the journal records finished
            generations (the journal's ``ok`` lines were set aside).
        repaired: What was cut off, one sentence per file.
    """

    identity: BaseModel | None = None
    seed: int | None = None
    done: set[Key] = field(default_factory=set)
    failed_before: set[Key] = field(default_factory=set)
    rows: int = 0
    tasks: int = 0
    rows_reset: bool = False
    repaired: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to resume: no rows and no finished or failed generation."""
        return self.rows == 0 and not self.done and not self.failed_before


def check_fresh(files: RunFiles) -> None:
    """Refuse to start a new run over an earlier one's results.

    Raises:
        ConfigError: The output file is not empty, or the journal records finished
            generations; the message suggests ``resume=True`` or another path.
    """
    if files.output.exists() and files.output.stat().st_size > 0:
        raise ConfigError(
            f"{files.output} exists and is not empty; pass resume=True to continue "
            "that run, or choose another output path"
        )
    if files.progress.exists():
        for _, record in iter_jsonl(files.progress):
            if record.get("kind") == "generation":
                raise ConfigError(
                    f"{files.progress} records finished generations of an earlier run; pass "
                    "resume=True to continue it, or choose another output path"
                )


def read_existing(files: RunFiles, *, expected: RunIdentity, deduper: TaskDeduper) -> ExistingRun:
    """Read, repair and check the output and journal of an earlier run of ``files.output``.

    Args:
        files: The run's files.
        expected: This run's identity; ``seed=None`` when the caller chose no seed
            (the earlier run's seed is adopted then).
        deduper: The de-duplicator of this run; it learns the tasks already written.

    Returns:
        What is there, with the seed it was made with (or this run's, or ``None`` when
        neither is known; :func:`embtaskgen.seeds.decide_seed` decides then).

    Raises:
        ResumeError: The file was made with other settings (the message names the
            setting and both values), or a complete line is not a row of this run.
        ConfigError: The journal holds a line that is not JSON or of an unknown kind.
    """
    state = ExistingRun()
    if repair_tail(files.progress):
        state.repaired.append(f"{files.progress}: a torn last line")
    journal = _Journal.read(files) if files.progress.exists() else _Journal()
    state.identity = journal.identity
    if journal.identity is not None:
        reason = journal.identity.mismatch(expected)
        if reason is not None:
            raise ResumeError(f"cannot resume {files.output}: {reason}")
        state.seed = journal.identity.seed
    else:
        state.seed = expected.seed
    if files.output.exists():
        rows = _scan_rows(files, state, expected, journal, deduper)
    else:
        rows = {}
        if journal.last:
            state.rows_reset = True
            journal.void_ok()
            logger.warning(
                "%s is gone but %s records finished generations: every generation is called again "
                "(except the parse failures, which are final)",
                files.output,
                files.progress,
            )
    for key, status in journal.last.items():
        if key in rows:
            continue
        if key in journal.parse_failed or (status == "ok" and journal.kept.get(key) == 0):
            state.done.add(key)
        elif status == "error":
            state.failed_before.add(key)
    state.done.update(rows)
    state.failed_before -= state.done
    return state


class _Journal:
    """The journal's evidence: the identity and the last status of each generation."""

    def __init__(self) -> None:
        self.identity: RunIdentity | None = None
        self.last: dict[Key, str] = {}
        self.kept: dict[Key, int] = {}
        self.parse_failed: set[Key] = set()

    @classmethod
    def read(cls, files: RunFiles) -> _Journal:
        journal = cls()
        recorded: dict[str, Any] = {}
        for number, record in iter_jsonl(files.progress):
            kind = record.get("kind")
            if kind == "run":
                for name, value in record.items():
                    recorded.setdefault(name, value)  # the first run line that records a field
                if record.get("rows_reset"):
                    journal.void_ok()
            elif kind == "generation":
                try:
                    key = (str(record["category"]), int(record["generation"]))
                    status = str(record["status"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise ConfigError(f"{files.progress}:{number}: not a generation line ({exc})") from exc
                journal.last[key] = status
                if status == "ok":
                    journal.kept[key] = int(record.get("kept") or 0)
                elif status == "parse_failure":
                    journal.parse_failed.add(key)
            else:
                raise ConfigError(f"{files.progress}:{number}: unknown journal line kind {kind!r}")
        if recorded:
            try:
                journal.identity = RunIdentity.from_header(recorded)
            except ValidationError as exc:
                raise ResumeError(
                    f"cannot resume {files.output}: the journal's run line is not readable ({exc})"
                ) from exc
        return journal

    def void_ok(self) -> None:
        """Forget every ``ok`` so far: the rows they describe are gone."""
        self.last = {key: status for key, status in self.last.items() if status != "ok"}
        self.kept.clear()


@dataclass
class _Group:
    """The rows of one generation at the end of the file, held back until the next starts."""

    key: Key
    start: int
    tasks: list[str] = field(default_factory=list)
    lines: int = 0


def _scan_rows(
    files: RunFiles, state: ExistingRun, expected: RunIdentity, journal: _Journal, deduper: TaskDeduper
) -> dict[Key, int]:
    """Check every row, repair the tail, feed the de-duplicator; rows per generation."""
    flatten = expected.flatten
    shape, other = ("task", "tasks") if flatten else ("tasks", "task")
    categories = set(expected.categories)
    counts: dict[Key, int] = {}
    group: _Group | None = None
    offset = 0
    torn_at: int | None = None
    with open(files.output, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.endswith(b"\n"):
                torn_at = start  # only the last line can lack its newline
                break
            if not raw.strip():
                continue
            where = f"cannot resume {files.output} (line {number})"
            row = parse_row(raw, where)
            if shape not in row:
                made = {"task": "one row per task (flattened)", "tasks": "one row per call (not flattened)"}.get(
                    other if other in row else "", "rows of another kind"
                )
                raise ResumeError(f"{where}: flatten: the file has {made}, this run has flatten={flatten}")
            row_seed = row.get("seed")
            if state.seed is None:
                state.seed = row_seed
            if row_seed != state.seed:
                raise ResumeError(f"{where}: seed: the row was made with {row_seed}, this run has {state.seed}")
            category = row.get("category")
            if category not in categories:
                raise ResumeError(
                    f"{where}: categories: the file holds {category!r}, this run has {', '.join(sorted(categories))}"
                )
            model = row.get("model_name")
            if model is not None and expected.model_name is not None and model != expected.model_name:
                raise ResumeError(
                    f"{where}: model_name: the row was made with {model!r}, this run has {expected.model_name!r}"
                )
            try:
                key = (category, int(row["generation"]))
                tasks = [str(row["task"])] if flatten else [str(task) for task in row["tasks"]]
            except (KeyError, TypeError, ValueError) as exc:
                raise ResumeError(f"{where}: not a row of a run ({exc!r} missing or malformed)") from exc
            if group is None or group.key != key:
                if group is not None:
                    _keep(group, counts, state, deduper)
                group = _Group(key, start)
            group.tasks.extend(tasks)
            group.lines += 1
    cut: int | None = torn_at
    removed = "a torn last line" if torn_at is not None else ""
    if group is not None:
        confirmed = (
            journal.last.get(group.key) == "ok"
            and journal.kept.get(group.key) == counts.get(group.key, 0) + group.lines
        )
        if flatten and not confirmed:
            # The last write may have been cut short: its rows are complete only when the
            # journal's ok line (written after them) confirms their number.
            cut = group.start
            removed = (
                f"{group.lines} row(s) of {group.key[0]} generation {group.key[1]} not confirmed by the journal"
                + (" and a torn last line" if torn_at is not None else "")
            )
        else:
            _keep(group, counts, state, deduper)
    if cut is not None:
        truncate(files.output, cut)
        message = f"{files.output}: removed {removed}; that generation is called again"
        state.repaired.append(message)
        logger.warning("%s", message)
    return counts


def _keep(group: _Group, counts: dict[Key, int], state: ExistingRun, deduper: TaskDeduper) -> None:
    counts[group.key] = counts.get(group.key, 0) + group.lines
    deduper.clean(group.tasks)
    state.rows += group.lines
    state.tasks += len(group.tasks)


def parse_row(raw: bytes, where: str) -> dict[str, Any]:
    """One JSONL line of an earlier run as a JSON object (a :class:`ResumeError` naming ``where`` otherwise)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResumeError(f"{where}: not valid JSON ({exc}); the file was changed by something else") from exc
    if not isinstance(value, dict):
        raise ResumeError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value
