"""One writer per output: ``fcntl.flock`` on a run's journal (or a folder) while the run lasts (POSIX).

No lock file is added, and the kernel drops a lock with its process: a killed run's lock is taken over."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from embtaskgen.errors import ConfigError, OutputLocked

__all__ = ["hold_output"]


def _holder(fd: int) -> str:
    """``"process PID"`` holding the lock of ``fd``'s file, from ``/proc/locks`` (else ``"another process"``)."""
    info = os.fstat(fd)
    where = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    with contextlib.suppress(OSError), open("/proc/locks", encoding="ascii") as handle:
        for fields in map(str.split, handle):  # "1: FLOCK ADVISORY WRITE <pid> <dev>:<inode> 0 EOF"
            if fields[1:2] == ["FLOCK"] and fields[5:6] == [where]:
                return f"process {fields[4]}"
    return "another process"


@contextlib.contextmanager
def hold_output(lock: Path, output: Path | None = None, *, wait: bool = False) -> Iterator[None]:
    """Hold ``lock`` (a file, made when missing with its folder, or a folder) as the one writer of ``output``.

    Raises:
        OutputLocked: Another process (named) holds it; with ``wait``, wait for it instead.
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
                    raise OutputLocked(f"{held}; pass wait_lock=True to wait, or choose another path") from None
                logging.getLogger(__name__).warning("%s; waiting for it to finish", held)
                fcntl.flock(fd, fcntl.LOCK_EX)
            with contextlib.suppress(OSError):
                if os.path.samestat(os.fstat(fd), os.stat(lock)):
                    break  # else its holder removed it: lock the new one
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    except ConfigError:
        for path in reversed(created):  # refused before writing anything: leave no trace
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()  # only when empty
                elif not path.stat().st_size:
                    path.unlink()
        raise
    finally:
        os.close(fd)
