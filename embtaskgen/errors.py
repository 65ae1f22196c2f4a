"""The one exception hierarchy of embtaskgen.

Everything the library raises on purpose is an :class:`EmbtaskgenError`, except
:class:`RunInterrupted` (a ``KeyboardInterrupt``). :class:`ConfigError` is also a
``ValueError`` (the CLI maps it to exit status 2), :class:`MissingDependency` an ``ImportError``.

Example:
    >>> from embtaskgen import ConfigError, EmbeddingTaskGenerator
    >>> try:
    ...     EmbeddingTaskGenerator("text-nonsense")
    ... except ConfigError as exc:
    ...     "text-retrieval" in str(exc)
    True
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BatchError",
    "ConfigError",
    "EmbtaskgenError",
    "MissingDependency",
    "OutputLocked",
    "ProgramFileError",
    "PushError",
    "ResponseTooLarge",
    "ResumeError",
    "RunAborted",
    "RunInterrupted",
    "check_int",
    "install_hint",
]


class EmbtaskgenError(Exception):
    """Base class of every error embtaskgen raises on purpose."""


class ConfigError(EmbtaskgenError, ValueError):
    """A bad argument or setting; the message names the valid choices. Also a ``ValueError``."""


class ProgramFileError(ConfigError):
    """A program file that is not JSON, not a program, or does not fit the generator."""


class ResumeError(ConfigError):
    """An existing output that this run cannot continue (another seed, shape or setting)."""


class OutputLocked(ConfigError):
    """Another run is writing the output (it holds the output's lock); the message names its process."""


class PushError(EmbtaskgenError):
    """The Hub refused a push or could not be reached (no token, no right to the repo, the network)."""


class ResponseTooLarge(EmbtaskgenError):
    """A served model's answer passed ``max_response_bytes`` (cut off as it streamed in; not retried)."""


class BatchError(EmbtaskgenError, RuntimeError):
    """A provider's batch API refused a request or could not be reached (files, batches); the run's files are whole."""


class MissingDependency(EmbtaskgenError, ImportError):
    """An optional dependency is not installed; the message gives the ``pip install``."""


class _StoppedRun(BaseException):
    """A stopped run's error: its message is the summary's, and it carries the summary."""

    def __init__(self, summary: Any) -> None:
        super().__init__(summary.message)
        self.summary = summary


class RunAborted(_StoppedRun, EmbtaskgenError, RuntimeError):
    """A run stopped because more generations failed than ``max_failures`` allows.

    The output file is valid and holds every generation that succeeded; resume it once
    the cause is fixed.

    Attributes:
        summary: The run's :class:`~embtaskgen.runs.summary.RunSummary`
            (``status == "aborted"``).
    """


class RunInterrupted(_StoppedRun, KeyboardInterrupt):
    """A run stopped by Ctrl-C (or a ``KeyboardInterrupt`` inside a model call).

    A ``KeyboardInterrupt``, so ``except Exception`` still lets it through. The output file
    is valid (the calls in flight were written unless Ctrl-C was pressed twice); resume it.

    Attributes:
        summary: The run's :class:`~embtaskgen.runs.summary.RunSummary`
            (``status == "interrupted"``).
    """


def install_hint(extra: str) -> str:
    """The ``pip install`` command that brings an optional extra.

    Example:
        >>> install_hint("local")
        "pip install 'embtaskgen[local]'"
    """
    return f"pip install 'embtaskgen[{extra}]'"


def check_int(name: str, value: object, *, minimum: int = 1, optional: bool = False) -> int | None:
    """``value``, checked to be an ``int`` (not a ``bool``) of at least ``minimum`` (or ``None`` if ``optional``).

    Example:
        >>> check_int("num_generations", 3)
        3
        >>> check_int("num_generations", 0)
        Traceback (most recent call last):
        ...
        embtaskgen.errors.ConfigError: num_generations must be an integer >= 1, got 0
    """
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        suffix = " or None" if optional else ""
        raise ConfigError(f"{name} must be an integer >= {minimum}{suffix}, got {value!r}")
    return value
