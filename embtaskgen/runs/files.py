"""The files of one run and the one way lines are added to them.

Next to ``tasks.jsonl``: ``.progress.jsonl`` (the journal), ``.failures.jsonl`` and
``.summary.json``. Every append is one ``os.write`` of whole lines (``O_APPEND``, retried
until all bytes are out); a write that fails cuts the file back to its last whole line
and raises :class:`WriteError`. A process killed outright can at worst leave a torn last
line, which resume cuts off (:func:`repair_tail`).

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
    >>> with LineWriter(path) as out:
    ...     out.write_lines(['{"a": 1}'])
    >>> path.read_text()
    '{"a": 1}\\n'
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.io.targets import check_target, fresh_temporary
from embtaskgen.lm.untrusted import sanitize_text

__all__ = ["LineWriter", "RunFiles", "WriteError", "check_output_paths", "repair_tail", "truncate", "write_json_atomic"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunFiles:
    """Paths of a run's output (the rows) and sidecar files (journal, failures, summary)."""

    output: Path
    progress: Path
    failures: Path
    summary: Path

    @classmethod
    def for_output(cls, output: str | os.PathLike[str]) -> RunFiles:
        """The file set of the run writing ``output``."""
        path = Path(output)
        return cls(
            output=path,
            progress=path.with_name(path.name + ".progress.jsonl"),
            failures=path.with_name(path.name + ".failures.jsonl"),
            summary=path.with_name(path.name + ".summary.json"),
        )

    @property
    def all(self) -> tuple[Path, Path, Path, Path]:
        """Every file of the run: output, progress, failures, summary."""
        return (self.output, self.progress, self.failures, self.summary)


class WriteError(OSError):
    """A write to one of the run's files failed (``reason``: what the OS said); the file was cut back to whole lines."""

    def __init__(self, path: str | os.PathLike[str], error: OSError) -> None:
        self.path = Path(path)
        self.reason = error.strerror or str(error) or type(error).__name__
        super().__init__(error.errno, f"cannot write {self.path}: {self.reason}")

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def check_output_paths(files: RunFiles, *, sidecars_only: bool = False) -> None:
    """Refuse, before anything is created, paths the run cannot write line by line (a ``ConfigError``).

    Each file must be a regular writable file (not a link) or not exist yet, in a writable
    folder; ``sidecars_only``: those of a Ray run (its folder, ``files.output``, checks itself).

    Example:
        >>> check_output_paths(RunFiles.for_output("/dev/null"))
        Traceback (most recent call last):
        ...
        embtaskgen.errors.ConfigError: /dev/null is a device, not a regular file; ...
    """
    for path in files.all[1:] if sidecars_only else files.all:
        check_target(
            path,
            "a run file",
            why="a run writes its rows and sidecar files (.progress.jsonl, .failures.jsonl, .summary.json) "
            "next to a regular file: choose a file path (or '-' for stdout)",
        )
        if path.exists() and not os.access(path, os.W_OK):
            raise ConfigError(f"{path} is not writable; choose another output path or fix its permissions")
    if sidecars_only:
        return
    folder = files.output.parent
    if not folder.is_dir():
        raise ConfigError(f"the directory of {files.output} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"the folder {folder} is not writable; a run creates {files.output.name} and its sidecar "
            "files there: choose another output path"
        )


class LineWriter:
    """Appends whole lines to a file (created when missing): one ``os.write`` per batch.

    A failed write cuts the file back to its size before that write and raises
    :class:`WriteError`; lone surrogates are replaced (no UTF-8 file can hold them).
    """

    def __init__(self, path: str | os.PathLike[str], *, truncate: bool = False) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | getattr(os, "O_BINARY", 0)
        if truncate:
            flags |= os.O_TRUNC
        self.path = Path(path)
        try:
            self._fd: int | None = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise WriteError(self.path, exc) from exc

    def write_lines(self, lines: Sequence[str]) -> None:
        """Append ``lines`` (without newlines) as one write (a :class:`WriteError` leaves the file as it was)."""
        if not lines or self._fd is None:
            return
        text = "\n".join(lines) + "\n"
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            data = sanitize_text(text).encode("utf-8")  # lone surrogates
        fd = self._fd
        try:
            before = os.fstat(fd).st_size
        except OSError as exc:
            raise WriteError(self.path, exc) from exc
        view = memoryview(data)
        try:
            while view:
                written = os.write(fd, view)
                view = view[written:]
        except OSError as exc:
            self._cut_back(before)
            raise WriteError(self.path, exc) from exc

    def _cut_back(self, size: int) -> None:
        try:
            os.ftruncate(self._fd, size)  # type: ignore[arg-type]
        except OSError as exc:  # pragma: no cover - a file that cannot even be truncated
            logger.error("%s: could not remove a partial write (%s); resume will cut it", self.path, exc)

    def write_records(self, records: Sequence[dict[str, Any]]) -> None:
        """Append JSON objects, one line each, as one write."""
        self.write_lines([json.dumps(record, ensure_ascii=False) for record in records])

    def sync(self) -> None:
        """Ask the OS to put the written lines on disk."""
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        """Flush to disk and close (idempotent)."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError:  # pragma: no cover - e.g. a pipe or /dev/null
                pass
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> LineWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def repair_tail(path: str | os.PathLike[str]) -> int:
    """Cut a torn last line (left by a process killed mid-write) off ``path``; return the bytes removed."""
    target = Path(path)
    if not target.exists():
        return 0
    size = target.stat().st_size
    if size == 0:
        return 0
    with open(target, "rb+") as handle:
        end = size
        chunk = 1 << 16
        keep = 0
        while end > 0:
            start = max(0, end - chunk)
            handle.seek(start)
            block = handle.read(end - start)
            index = block.rfind(b"\n")
            if index >= 0:
                keep = start + index + 1
                break
            end = start
        if keep == size:
            return 0
        handle.truncate(keep)
    logger.warning("%s: removed a torn last line (%d bytes) left by a killed process", target, size - keep)
    return size - keep


def truncate(path: str | os.PathLike[str], size: int) -> None:
    """Cut ``path`` to its first ``size`` bytes."""
    with open(path, "rb+") as handle:
        handle.truncate(size)


def write_json_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a :class:`WriteError` leaves it unchanged, no temporary file)."""
    target = Path(path)
    tmp = fresh_temporary(target)
    try:
        with open(tmp, "x", encoding="utf-8") as handle:
            handle.write(text + ("" if text.endswith("\n") else "\n"))
        os.replace(tmp, target)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise WriteError(target, exc) from exc
