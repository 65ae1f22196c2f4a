"""``--executor``, ``--ray-address`` and ``--ray-workers``: where ``generate``, ``examples`` and ``pipeline`` run.

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

__all__ = ["check_executor", "ray_options"]

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


def ray_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--executor``, ``--ray-address`` and ``--ray-workers`` to a command."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


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
