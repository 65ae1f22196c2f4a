"""llama.cpp's log lines, routed to Python ``logging`` instead of stderr.

llama-cpp-python's own callback reads an older ggml's level numbers, so today's warnings
(level 3) went to stderr as errors whatever ``verbose=False`` says. The logger
``embtaskgen.embedded.llama_cpp`` gets errors as ``ERROR``, everything else as ``DEBUG``
(shown with ``embtaskgen -vv``).

Example:
    >>> level_for(4), level_for(3), level_for(2)
    (40, 10, 10)
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any

__all__ = ["LLAMA_LOGGER", "level_for", "route_llama_logs"]

#: The logger llama.cpp's lines go to.
LLAMA_LOGGER = "embtaskgen.embedded.llama_cpp"

logger = logging.getLogger(LLAMA_LOGGER)

# ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5 (continues the last line).
_GGML_ERROR = 4
_GGML_CONT = 5

_lock = threading.Lock()
_callback: Any = None  # kept alive: llama.cpp holds a raw pointer to it
_last_level = logging.DEBUG


def level_for(ggml_level: int) -> int:
    """The ``logging`` level of a llama.cpp log line of ``ggml_level``."""
    return logging.ERROR if ggml_level == _GGML_ERROR else logging.DEBUG


def _handle(ggml_level: int, text: bytes | None) -> None:
    global _last_level
    level = _last_level if ggml_level == _GGML_CONT else level_for(ggml_level)
    _last_level = level
    line = (text or b"").decode("utf-8", errors="replace").rstrip("\n")
    if line.strip() and logger.isEnabledFor(level):
        logger.log(level, "%s", line)


def route_llama_logs() -> None:
    """Install the routing callback (again after llama-cpp-python re-installed its own); no-op without it."""
    global _callback
    try:
        import llama_cpp
        import llama_cpp._logger  # noqa: F401 - installs its callback on import: replace it after
    except ImportError:  # pragma: no cover - the local extra is missing
        return
    with _lock:
        if _callback is None:

            @llama_cpp.llama_log_callback
            def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
                try:
                    _handle(level, text)
                except Exception:  # noqa: BLE001 - never raise into C
                    pass

            _callback = callback
        llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))
