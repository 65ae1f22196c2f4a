"""The options ``generate``, ``examples`` and ``pipeline`` share: how a run goes, and where it runs.

:func:`run_options` adds ``--seed``, ``--temperature``, ``--max-tokens``, ``--concurrency``
(the settings every stage has; ``generate`` places them among its own) and
:func:`session_options` ``--resume``, ``--max-failures``, ``--cache/--no-cache``,
``--progress/--no-progress``, ``--executor``, ``--ray-address`` and ``--ray-workers``
(each command keeps its own help where it says more).

``--executor local`` (the default) keeps the calls on worker threads of this process
and writes one JSONL file; ``--executor ray`` spreads them over a pool of Ray Data
actors (``--ray-workers``, default 2, splitting ``--concurrency``) and writes a folder
of shards (``--format jsonl|parquet``). ``--ray-address`` joins a running cluster
(``auto``, ``host:port``, ``ray://host:port``); without it a local Ray instance starts on
127.0.0.1 for the run. The Ray options without ``--executor ray``, or ``--format
parquet`` with the local executor, are usage errors (exit 2).

Example:
    >>> import click
    >>> @click.command()
    ... @ray_options
    ... def hello(executor, ray_address, ray_workers):
    ...     pass
    >>> [p.name for p in hello.params]
    ['executor', 'ray_address', 'ray_workers']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = ["check_executor", "ray_options", "run_options", "session_options"]

_OPTIONS = [
    click.option(
        "--executor",
        type=click.Choice(["local", "ray"]),
        default="local",
        show_default=True,
        help="Where the calls run: threads in this process (one JSONL file), or a pool of Ray Data "
        "actors (a folder of shards; needs the 'ray' extra).",
    ),
    click.option(
        "--ray-address",
        default=None,
        metavar="ADDRESS",
        help="--executor ray: join a running cluster ('auto', 'host:port', 'ray://host:port'); "
        "default: a local Ray instance on 127.0.0.1 for this run.",
    ),
    click.option(
        "--ray-workers",
        type=click.IntRange(min=1),
        default=None,
        help="--executor ray: actors in the pool (default 2); --concurrency is split over them.",
    ),
]


def _apply(options: list[Callable[[Any], Any]], function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):
        function = option(function)
    return function


def ray_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--executor``, ``--ray-address`` and ``--ray-workers`` to a command."""
    return _apply(_OPTIONS, function)


def run_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--seed``, ``--temperature``, ``--max-tokens`` and ``--concurrency`` to a command."""
    return _apply(
        [
            click.option(
                "--seed", type=click.IntRange(min=0), default=None, help="Run seed (drawn and recorded when absent)."
            ),
            click.option("--temperature", type=click.FloatRange(0, 2), default=1.0, show_default=True),
            click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Completion budget per call."),
            click.option(
                "--concurrency",
                type=click.IntRange(min=1),
                default=None,
                help="Calls in flight (default 8; the embedded model runs one at a time).",
            ),
        ],
        function,
    )


def session_options(
    resume: str = "Continue the run that wrote the output; every setting that shapes the rows must match.",
    max_failures: str = "Stop a run after this many failed calls.",
    cache: str = "Use DSPy's response cache.",
    *,
    ray: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding ``--resume``, ``--max-failures``, ``--cache``, ``--progress`` and the Ray options.

    Args:
        resume: Help of ``--resume``.
        max_failures: Help of ``--max-failures``.
        cache: Help of ``--cache/--no-cache``.
        ray: Add the Ray options last (else the command places :func:`ray_options` itself).
    """
    options = [
        click.option("--resume", is_flag=True, help=resume),
        click.option("--max-failures", type=click.IntRange(min=1), default=None, help=max_failures),
        click.option("--cache/--no-cache", default=True, show_default=True, help=cache),
        click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr."),
        *(_OPTIONS if ray else []),
    ]
    return lambda function: _apply(options, function)


def check_executor(
    executor: str, ray_address: str | None, ray_workers: int | None, output: Path | None, parquet: bool = False
) -> None:
    """Refuse (exit 2) the Ray options without ``--executor ray``, and stdout or a file with it."""
    if executor == "ray":
        if output is None or str(output) == "-":
            raise click.BadParameter("--executor ray writes a folder of shards: give -o FOLDER", param_hint="--output")
        if output.exists() and not output.is_dir():
            raise click.BadParameter(
                f"{str(output)!r} is a file; --executor ray writes a folder of shards", param_hint="--output"
            )
        return
    if ray_address is not None or ray_workers is not None:
        raise click.BadParameter("--ray-address and --ray-workers need --executor ray", param_hint="--executor")
    if parquet:
        raise click.BadParameter("--format parquet writes shards: it needs --executor ray", param_hint="--format")
