"""The files of one run and the one way lines are added to them.

A run writes next to its output ``tasks.jsonl``:

* ``tasks.jsonl`` - the rows, one complete JSON line at a time;
* ``tasks.jsonl.progress.jsonl`` - the journal resume reads (see :mod:`.journal`);
* ``tasks.jsonl.failures.jsonl`` - one line per failed generation, with its reason;
* ``tasks.jsonl.summary.json`` - the :class:`~embtaskgen.runs.summary.RunSummary`.

Every append is one ``os.write`` of whole lines on a file opened with ``O_APPEND``,
retried until all bytes are out, and never interrupted by Ctrl-C (the run turns
SIGINT into a flag, see :mod:`.interrupt`). A process killed outright (SIGKILL, power
loss) can at worst leave a torn last line; :func:`repair_tail` cuts it off on resume.

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

__all__ = ["LineWriter", "RunFiles", "repair_tail", "write_json_atomic"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunFiles:
    """Paths of a run's output and sidecar files.

    Attributes:
        output: The JSONL rows.
        progress: Journal of finished generations (``<output>.progress.jsonl``).
        failures: Failed generations with reasons (``<output>.failures.jsonl``).
        summary: The run summary (``<output>.summary.json``).
    """

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


class LineWriter:
    """Appends whole lines to a file: one ``os.write`` per batch, never a partial line.

    Args:
        path: File to append to (created when missing).
        truncate: Empty the file first.
    """

    def __init__(self, path: str | os.PathLike[str], *, truncate: bool = False) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        if truncate:
            flags |= os.O_TRUNC
        self.path = Path(path)
        self._fd: int | None = os.open(self.path, flags, 0o644)

    def write_lines(self, lines: Sequence[str]) -> None:
        """Append ``lines`` (without newlines) as one write."""
        if not lines or self._fd is None:
            return
        data = ("\n".join(lines) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

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
    """Cut a torn last line (no final newline) off ``path``; return the bytes removed.

    Only a process killed in the middle of a write leaves one; a run stopped by
    Ctrl-C never does.
    """
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


def write_json_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` atomically (write a temporary file, then rename)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    os.replace(tmp, target)
