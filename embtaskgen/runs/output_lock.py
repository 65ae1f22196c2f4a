"""One writer per output: an advisory lock held for the length of a run.

The lock is ``fcntl.flock`` on the run's journal (a Ray run's ``_progress.jsonl``; for
``pipeline``, its folder): no lock file is added, and the kernel drops the lock when its
process ends, so the lock of a killed run is simply taken over. A second run on the same
output is refused (:class:`~embtaskgen.errors.OutputLocked`, exit 2) naming the process
that holds it (from ``/proc/locks``, where there is one), or waits with ``wait=True``.
What the lock created (an empty journal, the folder) is removed again when the run is
refused (a ``ConfigError``) before it wrote anything.

Example:
    >>> import tempfile, pathlib
    >>> journal = pathlib.Path(tempfile.mkdtemp()) / "out.jsonl.progress.jsonl"
    >>> with hold_output(journal), hold_output(journal):
    ...     pass
    Traceback (most recent call last):
    ...
    embtaskgen.errors.OutputLocked: ...progress.jsonl is being written by process ...
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from embtaskgen.errors import ConfigError, OutputLocked

__all__ = ["hold_output"]

logger = logging.getLogger(__name__)


def _holder(fd: int) -> str:
    """Who holds the lock of ``fd``'s file: ``"process PID"`` from ``/proc/locks``, else ``"another process"``."""
    info = os.fstat(fd)
    where = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    with contextlib.suppress(OSError), open("/proc/locks", encoding="ascii") as handle:
        for fields in map(str.split, handle):  # "1: FLOCK ADVISORY WRITE <pid> <dev>:<inode> 0 EOF"
            if fields[1:2] == ["FLOCK"] and fields[5:6] == [where]:
                return f"process {fields[4]}"
    return "another process"


@contextlib.contextmanager
def hold_output(lock: Path, output: Path | None = None, *, wait: bool = False) -> Iterator[None]:
    """Hold the lock of a run's output for the block (see the module docstring).

    Args:
        lock: A file (created when missing, with its folder) or an existing folder.
        output: What the lock guards, for the messages (default: ``lock``).
        wait: Wait for the run that holds it to end, instead of raising.

    Raises:
        OutputLocked: Another process holds it (a ``ConfigError``; not with ``wait``).
    """
    while True:
        created = [path for path in (lock.parent, lock) if not path.exists()]
        lock.parent.mkdir(exist_ok=True)
        fd = os.open(lock, os.O_RDONLY | (0 if lock.is_dir() else os.O_CREAT | os.O_NOFOLLOW), 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held = f"{output or lock} is being written by {_holder(fd)}, which holds its lock"
                if not wait:
                    raise OutputLocked(
                        f"{held}; pass wait_lock=True to wait for it, or choose another output"
                    ) from None
                logger.warning("%s; waiting for it to finish", held)
                fcntl.flock(fd, fcntl.LOCK_EX)
            with contextlib.suppress(OSError):
                if os.path.samestat(os.fstat(fd), os.stat(lock)):
                    break  # else the holder removed what it had created: lock the new one
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    except ConfigError:
        for path in reversed(created):  # refused before writing: leave no trace
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()  # only when empty
                elif path.stat().st_size == 0:
                    path.unlink()
        raise
    finally:
        os.close(fd)
