"""What the commands share: option builders, the output check, errors mapped to exit statuses, redaction.

Example:
    >>> import click
    >>> @click.command()
    ... @shared_options
    ... def hello(category, model, api_base, num_tasks):
    ...     pass
    >>> [p.name for p in hello.params]
    ['category', 'model', 'api_base', 'timeout', 'max_response_bytes', 'num_tasks']
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from embtaskgen.errors import ConfigError, EmbtaskgenError, PushError, RunAborted, RunInterrupted
from embtaskgen.io.targets import check_target
from embtaskgen.lm.guarded_transport import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from embtaskgen.lm.resolve import known_secrets
from embtaskgen.lm.untrusted import redact, sanitize_text
from embtaskgen.signatures.categories import CATEGORIES

__all__ = [
    "API_BASE_OPTION",
    "CATEGORY_CHOICES",
    "EXIT_ALL_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SOME_FAILED",
    "EXIT_USAGE",
    "MODEL_HELP",
    "ApiBases",
    "Decorator",
    "RedactingFilter",
    "category_option",
    "check_output_dir",
    "choice_option",
    "cli_wording",
    "command_errors",
    "count_option",
    "install_redaction",
    "model_options",
    "options",
    "output_option",
    "positive_option",
    "program_option",
    "run_exit_status",
    "safe_text",
    "shared_options",
    "usage_errors",
]

#: Every call of the session was answered and parsed (invalid examples and dropped tasks do not count).
EXIT_OK = 0
#: Some calls failed (errors or parse failures) or the run was aborted; the file is valid.
EXIT_SOME_FAILED = 1
#: Bad usage: nothing was written.
EXIT_USAGE = 2
#: The run made calls and none of them was answered and parsed.
EXIT_ALL_FAILED = 3
#: Ctrl-C: the calls in flight were finished and written; ``--resume`` continues.
EXIT_INTERRUPTED = 130

CATEGORY_CHOICES = [*CATEGORIES, "all"]
MODEL_HELP = "Model: 'local' (embedded default), 'local:<name|file.gguf>', or a LiteLLM id such as openai/gpt-4o-mini."


def _api_bases(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str | tuple[str, ...] | None:
    """``--api-base`` given 0, 1 or more times: ``None``, the URL, or the replicas' URLs (checked by the settings)."""
    if not value:
        return None
    return value[0] if len(value) == 1 else tuple(value)


#: What ``--api-base`` gives a command: none, one URL, or several (replicas).
ApiBases = str | tuple[str, ...] | None
#: A click option, or a group of them, as a decorator.
Decorator = Callable[[Any], Any]


def options(*decorators: Decorator) -> Decorator:
    """One decorator applying ``decorators`` in order (the first comes first in ``--help``)."""

    def apply(function: Any) -> Any:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def count_option(*decls: str, default: int | None = None, minimum: int = 1, help: str | None = None) -> Decorator:
    """An integer option of at least ``minimum``; a default other than ``None`` is shown."""
    return click.option(
        *decls, type=click.IntRange(min=minimum), default=default, show_default=default is not None, help=help
    )


def positive_option(*decls: str, default: float | None = None, **extra: Any) -> Decorator:
    """A number option > 0; a default other than ``None`` is shown."""
    type_ = click.FloatRange(min=0, min_open=True)
    return click.option(*decls, type=type_, default=default, show_default=default is not None, **extra)


def choice_option(*decls: str, choices: Sequence[str], default: Any, help: str, **extra: Any) -> Decorator:
    """An option taking one of ``choices``, its default shown."""
    return click.option(*decls, type=click.Choice(choices), default=default, show_default=True, help=help, **extra)


def category_option(help: str = "Category (repeatable), or 'all'.") -> Decorator:
    """``-c/--category`` (repeatable, default ``all``)."""
    return choice_option(
        "-c", "--category", "category", choices=CATEGORY_CHOICES, default=("all",), multiple=True, help=help
    )


def program_option(default: str, help: str, name: str = "--program") -> Decorator:
    """A program choice: ``default``, ``none`` or a program file."""
    return click.option(name, default=default, show_default=True, help=help)


def output_option(help: str, *names: str, required: bool = False, **path: bool) -> Decorator:
    """``-o/--output``, a :class:`click.Path` (``path``: its checks)."""
    return click.option("-o", "--output", *names, type=click.Path(path_type=Path, **path), required=required, help=help)


API_BASE_OPTION = click.option(
    "--api-base",
    "api_base",
    multiple=True,
    callback=_api_bases,
    metavar="URL",
    help="Base URL of an OpenAI-compatible server; repeat it for replicas of the same served model "
    "(calls are spread over them round-robin). No user:password@ in it: the key goes in the provider's "
    "environment variable (OPENAI_API_KEY for openai/ models).",
)
#: ``-m/--model``, ``--api-base``, ``--timeout`` and ``--max-response-bytes``.
model_options = options(
    click.option("-m", "--model", default=None, help=MODEL_HELP),
    API_BASE_OPTION,
    positive_option(
        "--timeout",
        default=DEFAULT_TIMEOUT,
        help="Seconds a served model's attempt may take, connecting and answering; then it is retried "
        "(on the next replica). The first Ctrl-C waits this long at most.",
    ),
    count_option(
        "--max-response-bytes",
        default=DEFAULT_MAX_RESPONSE_BYTES,
        help="Longest answer body of a served model; a longer one is cut off and is a failed call.",
    ),
)
#: ``-c/--category``, ``-m/--model``, ``--api-base`` and ``--num-tasks``.
shared_options = options(
    category_option(), model_options, count_option("--num-tasks", default=20, help="Tasks asked for per call.")
)


def check_output_dir(output: Path | None, hint: str = "--output") -> None:
    """Refuse (exit 2) an output that cannot be written (a missing or read-only folder, a pipe, device or link)."""
    if output is None or str(output) == "-":
        return
    parent = output.parent
    if not parent.exists():
        raise click.BadParameter(f"directory {str(parent)!r} does not exist", param_hint=hint)
    if not parent.is_dir():
        raise click.BadParameter(f"{str(parent)!r} is not a directory", param_hint=hint)
    try:  # a folder, a pipe, a device, a link
        check_target(output, "the output", why="choose a file path")
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from exc
    if not os.access(parent, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise click.BadParameter(f"{str(output)!r} is not writable", param_hint=hint)


def cli_wording(message: str) -> str:
    """A library message in the command line's words (``pass resume=True`` -> ``pass --resume``; overwrite, wait_lock).

    Example:
        >>> cli_wording("out.jsonl exists and is not empty; pass resume=True to continue that run")
        'out.jsonl exists and is not empty; pass --resume to continue that run'
    """
    return re.sub(r"pass (resume|overwrite|wait_lock)=True", lambda m: f"pass --{m[1].replace('_', '-')}", message)


def safe_text(text: str) -> str:
    """``text`` with API keys redacted (the environment's and the model's), storable."""
    return sanitize_text(redact(text, secrets=known_secrets()))


@contextlib.contextmanager
def usage_errors() -> Iterator[None]:
    """Map the library's errors to exits: bad input 2 (usage), a missing extra 1 with its hint; redacted."""
    try:
        yield
    except (RunAborted, PushError):
        raise  # not usage errors: a stopped run exits 1 (3) with its summary, a refused push 1
    except ImportError as exc:  # a missing extra (MissingDependency) or module: its install hint
        raise click.ClickException(safe_text(str(exc))) from exc
    except (EmbtaskgenError, ValueError) as exc:
        raise click.UsageError(cli_wording(safe_text(str(exc)))) from exc


@contextlib.contextmanager
def command_errors(what: str, *, usage: bool = True) -> Iterator[None]:
    """Turn an unexpected error into a one-line, redacted message (exit 1), Ctrl-C into 130.

    The traceback goes to the debug log (``-vv``). Click's own exceptions and a run's
    :class:`RunAborted` / :class:`RunInterrupted` (the command reports their summary) pass
    through; with ``usage``, the library's errors are mapped by :func:`usage_errors` first.
    """
    context: contextlib.AbstractContextManager[None] = usage_errors() if usage else contextlib.nullcontext()
    try:
        with context:
            yield
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, RunAborted, RunInterrupted):
        raise  # the command's own statuses
    except KeyboardInterrupt:
        click.echo(f"interrupted: {what} stopped", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback
        logging.getLogger(__name__).debug("%s failed", what, exc_info=True)
        first = (safe_text(str(exc)).strip().splitlines() or [""])[0]
        raise click.ClickException(
            f"{what} failed: {type(exc).__name__}: {first} (run with -vv for the details)"
        ) from None


def run_exit_status(summary: Any) -> int:
    """The exit status of a run from its :class:`~embtaskgen.runs.summary.RunSummary` (this session's calls).

    Only calls that failed (errors, parse failures) and stopped runs set it: stage 2's invalid
    examples, like the tasks stage 1's gates drop, are content decisions, counted in the
    summary (``invalid``, ``dropped``) and the failures file, never in the status.

    Example:
        >>> from types import SimpleNamespace as S
        >>> run_exit_status(S(status="complete", ok=4, failed=0, remaining=0))
        0
        >>> run_exit_status(S(status="complete", ok=3, failed=1, remaining=0))
        1
        >>> run_exit_status(S(status="complete", ok=3, failed=1, invalid=1, remaining=0))
        0
        >>> run_exit_status(S(status="partial", ok=0, failed=4, remaining=4))
        3
        >>> run_exit_status(S(status="aborted", ok=2, failed=3, remaining=5))
        1
        >>> run_exit_status(S(status="pending", ok=0, failed=0, remaining=5))
        0
    """
    if summary.status == "interrupted":
        return EXIT_INTERRUPTED
    if summary.status == "pending":  # batch requests written, as asked
        return EXIT_OK
    invalid = getattr(summary, "invalid", 0)  # answered, then refused: stage 2 only
    failed = summary.failed - invalid
    if summary.ok + invalid == 0 and failed > 0:
        return EXIT_ALL_FAILED
    if failed == 0 and summary.status == "complete" and not summary.remaining:
        return EXIT_OK
    return EXIT_SOME_FAILED


class RedactingFilter(logging.Filter):
    """A log handler filter that redacts API keys (the environment's, the model's) from each record.

    Example:
        >>> record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key %s", ("sk-abcdefghijklmnop",), None)
        >>> RedactingFilter().filter(record), record.getMessage()
        (True, 'key [REDACTED]')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = known_secrets()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: logging reports it itself
            message = None
        if message is not None:
            record.msg, record.args = redact(message, secrets=secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets=secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets=secrets)
        return True


def install_redaction() -> None:
    """Put a :class:`RedactingFilter` on every log handler there is, once per handler.

    DSPy and LiteLLM log through handlers of their own that do not propagate to the root
    logger; calling this again covers handlers added since.
    """
    loggers: list[Any] = [logging.getLogger()]
    loggers += [item for item in list(logging.Logger.manager.loggerDict.values()) if isinstance(item, logging.Logger)]
    for logger_ in loggers:
        for handler in list(logger_.handlers):
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
