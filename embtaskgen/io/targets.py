"""The one check of a file about to be written: a regular file, or none yet.

A whole-file write (a temporary name, then a rename: ``dedup``, ``report -o``) puts a
regular file in place of whatever held the name, a pipe a reader waits on or a device;
a run appends to it line by line. So a pipe, device, socket, folder or symbolic link is
refused (a :class:`~embtaskgen.errors.ConfigError`, exit 2), and so is an existing file
unless the caller says it may be replaced.

Example:
    >>> check_target("/dev/null", "the output")
    Traceback (most recent call last):
    ...
    embtaskgen.errors.ConfigError: /dev/null is a device, not a regular file; the output is written whole ...
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from embtaskgen.errors import ConfigError

__all__ = ["check_target", "fresh_temporary"]


def _kind(mode: int) -> str:
    """What a non-regular file is, in words (``"a pipe"``, ``"a device"``, ...), from its ``st_mode``."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def check_target(path: str | os.PathLike[str], name: str, *, overwrite: bool = True, why: str = "") -> None:
    """Refuse a ``path`` that a write must not replace or cannot use (a ``ConfigError``).

    Args:
        path: The file to be written; a missing one is fine.
        name: What it is, for the messages (``"the output"``, ``"a run file"``).
        overwrite: Whether an existing regular file may be replaced.
        why: How it is written and what to do instead (default: written whole and renamed).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ConfigError(f"cannot use {path} as {name}: {exc.strerror or exc}") from exc
    why = why or f"{name} is written whole and renamed into place, which would replace it: choose a file path"
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path} is {_kind(info.st_mode)}, not a regular file; {why}")
    if os.path.islink(path):  # never written through, nor replaced
        raise ConfigError(f"{path} is a symbolic link, not a regular file; {why}")
    if info is not None and not overwrite:
        raise ConfigError(f"{path}: {name} exists; pass overwrite=True to replace it, or choose another path")


def fresh_temporary(target: str | os.PathLike[str]) -> Path:
    """Where a write of ``target`` goes before its rename: hidden beside it, per process, with
    any stale file or planted link at that name removed (open it with ``"x"``: never followed)."""
    path = Path(target)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    return tmp
