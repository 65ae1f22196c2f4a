"""The process-wide registry of loaded llama.cpp contexts (one per model file), and machine facts."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dspy import lm15

from embtaskgen.embedded.requests import PROVIDER

__all__ = ["SharedModel", "acquire", "model_fingerprint", "release", "usable_cpus"]

logger = logging.getLogger(__name__)


@dataclass
class SharedModel:
    """One loaded llama.cpp context, its lock, and how many engines hold it."""

    llama: Any
    settings: dict[str, Any]
    lock: threading.Lock = field(default_factory=threading.Lock)
    holders: int = 0


_registry_lock = threading.Lock()
_loaded: dict[str, SharedModel] = {}


@atexit.register
def _close_all() -> None:
    """Free every context before teardown (llama-cpp-python's finaliser fails noisily after it)."""
    with _registry_lock:
        models = list(_loaded.values())
        _loaded.clear()
    for shared in models:
        close = getattr(shared.llama, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # pragma: no cover - best effort at exit
                logger.debug("closing a llama.cpp context at exit failed", exc_info=True)


def acquire(path: str, settings: dict[str, Any], factory: Callable[..., Any]) -> SharedModel:
    """The process-wide context of ``path``, loaded on first use (other settings later: a warning)."""
    with _registry_lock:
        shared = _loaded.get(path)
        if shared is None:
            started = time.perf_counter()
            try:
                llama = factory(path, **settings)
            except (ValueError, RuntimeError, OSError) as exc:
                raise lm15.UnsupportedModelError(f"llama.cpp could not load {path}: {exc}", provider=PROVIDER) from exc
            logger.info("loaded %s in %.1f s", path, time.perf_counter() - started)
            shared = _loaded[path] = SharedModel(llama=llama, settings=dict(settings))
        elif shared.settings != settings:
            logger.warning(
                "%s is already loaded with %s; ignoring the different settings %s", path, shared.settings, settings
            )
        shared.holders += 1
        return shared


def release(path: str, shared: SharedModel) -> None:
    """Drop one hold on ``shared``; the last holder closes the context."""
    with _registry_lock:
        shared.holders -= 1
        if shared.holders > 0 or _loaded.get(path) is not shared:
            return
        del _loaded[path]
    with shared.lock:  # let a running generation finish first
        close = getattr(shared.llama, "close", None)
        if callable(close):
            close()


def usable_cpus() -> int:
    """How many CPUs this process may run on (its affinity mask where the OS has one), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def model_fingerprint(path: str | os.PathLike[str]) -> str:
    """Eight hex digits of a model file's size and its first and last MiB."""
    file = Path(path)
    size = file.stat().st_size
    digest = hashlib.blake2b(str(size).encode(), digest_size=4)
    with file.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        if size > 2 << 20:
            handle.seek(-(1 << 20), os.SEEK_END)
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()
