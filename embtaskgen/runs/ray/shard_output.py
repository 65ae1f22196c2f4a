"""The output folder of a run on Ray: row shards committed per batch, and the run's sidecars.

``out/part-000000.jsonl`` (or ``.parquet``) per batch, ``_progress.jsonl``,
``_failures.jsonl`` and ``_summary.json``. :meth:`ShardFolder.commit` writes a batch in
an order resume can trust: the shard to a hidden pending file (whole, fsynced), then its
journal lines, then the rename that makes it visible; a driver killed at any point
leaves a complete shard with its journal lines, or no shard. Resume reads the shards in
place, in name order, each by the rules of a file (:meth:`ShardFolder.resume_files`).

Example:
    >>> import tempfile, pathlib
    >>> folder = ShardFolder(pathlib.Path(tempfile.mkdtemp()) / "out", "jsonl")
    >>> folder.check_path(); folder.open(truncate=True, header={"kind": "run"})
    >>> folder.rows.write_lines(['{"category": "text-retrieval", "task": "x"}'])
    >>> folder.journal.write_records([{"kind": "generation"}])
    >>> folder.commit(); folder.close()
    >>> sorted(p.name for p in folder.path.iterdir())
    ['_failures.jsonl', '_progress.jsonl', 'part-000000.jsonl']
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.io.jsonl import iter_jsonl
from embtaskgen.io.shards import SHARD_FORMATS, shard_name, shard_paths, write_shard
from embtaskgen.runs.files import LineWriter, RunFiles, WriteError, check_output_paths

__all__ = ["ShardFolder"]

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"^part-(\d+)\.")
_OLD_VIEW = ".rows-of-all-shards.jsonl"  # a copy of the rows an earlier version's resume could leave


class _Buffer:
    """A sink that keeps lines until the batch is committed."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write_lines(self, lines: Sequence[str]) -> None:
        self.lines.extend(lines)

    def write_records(self, records: Sequence[dict[str, Any]]) -> None:
        self.lines.extend(json.dumps(record, ensure_ascii=False) for record in records)

    def close(self) -> None:
        """Nothing to close (the folder commits)."""


class ShardFolder:
    """A run's output folder (created when missing) of ``"jsonl"`` or ``"parquet"`` shards."""

    def __init__(self, path: str | os.PathLike[str], format_: str = "jsonl") -> None:
        if format_ not in SHARD_FORMATS:
            raise ConfigError(f"format must be one of {', '.join(SHARD_FORMATS)}, got {format_!r}")
        self.path = Path(path)
        self.format = format_
        self.files = RunFiles(
            output=self.path,
            progress=self.path / "_progress.jsonl",
            failures=self.path / "_failures.jsonl",
            summary=self.path / "_summary.json",
        )
        self.rows = _Buffer()
        self.journal = _Buffer()
        self.failures: LineWriter | None = None
        self._progress: LineWriter | None = None
        self._next = 0

    def check_path(self) -> None:
        """Refuse, before anything is created, a path that is not a folder that can be written."""
        path = self.path
        if path.exists() and not path.is_dir():
            raise ConfigError(
                f"{path} is not a folder; a Ray run writes shards and sidecars (_progress.jsonl, "
                "_failures.jsonl, _summary.json) into a folder: choose a folder path"
            )
        parent = path if path.exists() else path.parent
        if not parent.is_dir():
            raise ConfigError(f"the directory of {path} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"the folder {parent} is not writable; choose another output path")
        check_output_paths(self.files, sidecars_only=True)  # its sidecars: regular files, never links

    def check_fresh(self) -> None:
        """Refuse a folder that holds an earlier run's shards or journal lines (suggesting ``resume=True``)."""
        if not self.path.is_dir():
            return
        if shard_paths(self.path):
            raise ConfigError(
                f"{self.path} holds row shards of an earlier run; pass resume=True (--resume) to "
                "continue it, or choose another output path"
            )
        if self.files.progress.exists():
            for _, record in iter_jsonl(self.files.progress):
                if record.get("kind") in ("generation", "example"):
                    raise ConfigError(
                        f"{self.files.progress} records finished calls of an earlier run; pass "
                        "resume=True (--resume) to continue it, or choose another output path"
                    )

    def resume_files(self) -> RunFiles:
        """The run's files, for the resume reader (:mod:`embtaskgen.runs.resume`), which reads the shards in place.

        A leftover pending shard is deleted first (its calls are made again). A shard of
        another format is a ``ResumeError``.
        """
        (self.path / _OLD_VIEW).unlink(missing_ok=True)
        for item in self.path.glob(".*part-*"):
            logger.warning("%s: removing a shard that was never committed; its calls are made again", item)
            item.unlink(missing_ok=True)
        for file in shard_paths(self.path):
            if file.suffix != f".{self.format}":
                raise ResumeError(
                    f"cannot resume {self.path}: format: the folder holds {file.name}, this run has "
                    f"format={self.format!r}"
                )
        return self.files

    def open(self, *, truncate: bool, header: dict[str, Any] | None = None) -> None:
        """Create the folder, open the journal and failures files, append the session's ``run`` line."""
        try:
            self.path.mkdir(exist_ok=True)
        except OSError as exc:
            raise WriteError(self.path, exc) from exc
        self._progress = LineWriter(self.files.progress, truncate=truncate)
        try:
            self.failures = LineWriter(self.files.failures, truncate=truncate)
        except WriteError:
            self._progress.close()
            raise
        numbers = [int(m.group(1)) for p in shard_paths(self.path) if (m := _NUMBER.match(p.name))]
        self._next = max(numbers, default=-1) + 1
        if header is not None:
            try:
                self._progress.write_records([header])
            except WriteError:
                self.close()
                raise

    def commit(self) -> None:
        """Make the buffered batch durable: pending shard, journal lines, rename (none visible on a ``WriteError``)."""
        rows, journal = self.rows.lines, self.journal.lines
        self.rows.lines, self.journal.lines = [], []
        target = self.path / shard_name(self._next, self.format) if rows else None
        pending = target.with_name(f".{target.name}") if target is not None else None
        try:
            if pending is not None:
                write_shard(pending, [json.loads(line) for line in rows])
            if journal and self._progress is not None:
                self._progress.write_lines(journal)
            if pending is not None and target is not None:
                os.replace(pending, target)
                self._next += 1
        except WriteError:
            if pending is not None:
                pending.unlink(missing_ok=True)
            raise
        except OSError as exc:
            if pending is not None:
                pending.unlink(missing_ok=True)
            raise WriteError(target or self.files.progress, exc) from exc

    def close(self) -> None:
        """Close the journal and failures files (idempotent)."""
        for sink in (self._progress, self.failures):
            if sink is not None:
                sink.close()
