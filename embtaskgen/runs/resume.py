"""Read what an earlier run left behind, check it belongs to this run, and list what is done.

A generation counts as done when the output holds a row of it, or the journal says
``ok`` or ``parse_failure`` (see :mod:`.journal`). Generations that failed with an
error are tried again. Tasks already in the file go back into the de-duplicator, so a
resumed run drops the same duplicates a single run would have.

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

import logging
from dataclasses import dataclass, field

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.rows import iter_jsonl
from embtaskgen.runs.files import RunFiles, repair_tail
from embtaskgen.runs.journal import DONE_STATUSES, RunIdentity
from embtaskgen.errors import ConfigError, ResumeError

__all__ = ["ExistingRun", "check_fresh", "read_existing"]

logger = logging.getLogger(__name__)


@dataclass
class ExistingRun:
    """What an earlier run of the same output left.

    Attributes:
        identity: The identity in the journal's first ``run`` line (``None`` without one).
        seed: The seed to continue with: the earlier run's (journal or rows), else this run's.
        done: ``(category, generation)`` pairs that need no new call.
        rows: Lines in the output file.
        tasks: Tasks in the output file.
    """

    identity: RunIdentity | None = None
    seed: int | None = None
    done: set[tuple[str, int]] = field(default_factory=set)
    rows: int = 0
    tasks: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to resume: no rows and no finished generation."""
        return self.rows == 0 and not self.done


def check_fresh(files: RunFiles) -> None:
    """Refuse to start a new run over an earlier one's results.

    Raises:
        ValueError: The output file is not empty, or the journal records finished
            generations; the message suggests ``resume=True`` or another path.
    """
    if files.output.exists() and files.output.stat().st_size > 0:
        raise ConfigError(
            f"{files.output} exists and is not empty; pass resume=True (--resume) to continue "
            "that run, or choose another output path"
        )
    if files.progress.exists():
        for _, record in iter_jsonl(files.progress):
            if record.get("kind") == "generation":
                raise ConfigError(
                    f"{files.progress} records finished generations of an earlier run; pass "
                    "resume=True (--resume) to continue it, or choose another output path"
                )


def read_existing(
    files: RunFiles,
    *,
    expected: RunIdentity,
    deduper: TaskDeduper,
) -> ExistingRun:
    """Read the output and journal of an earlier run of ``files.output``.

    Torn last lines (a killed process) are cut off first. The journal's identity and
    every row are checked against this run; the rows' tasks are fed to ``deduper``.

    Args:
        files: The run's files.
        expected: This run's identity; ``seed=None`` when the caller chose no seed
            (the earlier run's seed is adopted then).
        deduper: The de-duplicator of this run; it learns the tasks already written.

    Returns:
        What is there, with the seed it was made with (or this run's, or ``None`` when
        neither is known; :func:`embtaskgen.settings.decide_seed` decides then).

    Raises:
        ValueError: The file was made with another seed, other categories or the other
            row shape (the message names the mismatch), or a line is not valid JSON.
    """
    state = ExistingRun()
    for path in (files.output, files.progress):
        repair_tail(path)
    if files.progress.exists():
        _read_journal(files, state)
    if state.identity is not None:
        reason = state.identity.mismatch(expected)
        if reason is not None:
            raise ResumeError(f"cannot resume {files.output}: {reason}")
        state.seed = state.identity.seed
    else:
        state.seed = expected.seed
    if files.output.exists():
        _read_rows(files, state, set(expected.categories), expected.flatten, deduper)
    return state


def _read_journal(files: RunFiles, state: ExistingRun) -> None:
    for number, record in iter_jsonl(files.progress):
        kind = record.get("kind")
        if kind == "run":
            if state.identity is None:
                state.identity = RunIdentity.from_header(record)
        elif kind == "generation":
            if record.get("status") in DONE_STATUSES:
                state.done.add((str(record["category"]), int(record["generation"])))
        else:
            raise ConfigError(f"{files.progress}:{number}: unknown journal line kind {kind!r}")


def _read_rows(
    files: RunFiles, state: ExistingRun, categories: set[str], flatten: bool, deduper: TaskDeduper
) -> None:
    shape, other = ("task", "tasks") if flatten else ("tasks", "task")
    for number, row in iter_jsonl(files.output):
        where = f"cannot resume {files.output} (line {number})"
        if shape not in row:
            made = "one row per task" if other in row else "rows of another kind"
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
        state.done.add((category, int(row["generation"])))
        tasks = [row["task"]] if flatten else list(row["tasks"])
        deduper.clean(tasks)
        state.rows += 1
        state.tasks += len(tasks)
