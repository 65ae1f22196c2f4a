"""What ``embtaskgen dedup`` reads: rows from a file or a folder of shards, and their texts.

Shards are read in name order with the strict reader (a bad line is a ConfigError naming
file and line). A string column gives one text per row (a near-duplicate row is dropped);
a list-of-strings column one per item (dropped from its list; ``null`` is empty). No
column given: ``task`` if the first row has that string, else ``tasks``.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.io.shards import iter_shard_rows, shard_paths

__all__ = ["DedupSource", "Row"]

#: ``(file, line, row, texts)``: one row read and the texts of its column.
Row = tuple[Path, int, dict[str, Any], list[str]]


def _describe(row: dict[str, Any]) -> str:
    return ", ".join(sorted(map(str, row))) or "none"


class DedupSource:
    """The rows of an input and the texts of one column (``None``: ``task`` / ``tasks``).

    Raises:
        ConfigError: The input is missing or empty, or its first row has no such column.
    """

    def __init__(self, path: str | os.PathLike[str], column: str | None) -> None:
        self.path = Path(path)
        if not self.path.is_dir() and not self.path.is_file():
            raise ConfigError(f"{self.path}: no such file or folder")
        self.files = shard_paths(self.path) if self.path.is_dir() else [self.path]
        if not self.files:
            raise ConfigError(f"{self.path}: the folder holds no shards (*.jsonl or *.parquet)")
        rows = self._raw()
        first = next(rows, None)
        rows.close()  # the file is read again, from the start, by rows()
        if first is None:
            raise ConfigError(f"{self.path}: no rows to de-duplicate")
        file, number, row = first
        if column is None:
            if isinstance(row.get("task"), str):
                column = "task"
            elif isinstance(row.get("tasks"), list):
                column = "tasks"
            else:
                raise ConfigError(
                    f"{file}:{number}: the row has neither a 'task' string nor a "
                    f"'tasks' list; choose a column with --column (columns: "
                    f"{_describe(row)})"
                )
        if not isinstance(column, str) or not column:
            raise ConfigError(f"column must be a non-empty string, got {column!r}")
        if column not in row:
            raise ConfigError(f"{file}:{number}: no column {column!r} (columns: {_describe(row)})")
        self.column = column
        self.is_list = isinstance(row[column], list)

    @classmethod
    def for_file(cls, file: Path, column: str, is_list: bool) -> DedupSource:
        """One shard of an input whose column is known (a Ray worker's view; may be empty)."""
        source = cls.__new__(cls)
        source.path, source.files, source.column, source.is_list = file, [file], column, is_list
        return source

    def _raw(self) -> Generator[tuple[Path, int, dict[str, Any]], None, None]:
        for file in self.files:
            yield from iter_shard_rows(file)

    def texts_of(self, row: dict[str, Any], where: str) -> list[str]:
        """The texts of one row's column; a ConfigError if it lacks it or holds another kind."""
        value = row.get(self.column, ...)
        if value is ...:
            raise ConfigError(f"{where}: no column {self.column!r} (columns: {_describe(row)})")
        if self.is_list:
            if value is None:
                return []
            if isinstance(value, list) and all(isinstance(t, str) for t in value):
                return value
            raise ConfigError(
                f"{where}: column {self.column!r} must be a list of strings "
                f"like the first row's, got {type(value).__name__}"
            )
        if isinstance(value, str):
            return [value]
        raise ConfigError(
            f"{where}: column {self.column!r} must be a string like the first row's, got {type(value).__name__}"
        )

    def rows(self) -> Iterator[Row]:
        """Yield ``(file, line, row, texts)`` for every row, in order."""
        for file, number, row in self._raw():
            yield file, number, row, self.texts_of(row, f"{file}:{number}")
