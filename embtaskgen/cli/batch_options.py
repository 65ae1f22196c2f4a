"""The batch options of ``generate``, ``examples`` and ``pipeline``, bundled into one ``batch`` argument.

``--batch`` makes the run's calls as one batch of the provider's batch API (files +
batches; about half the price at OpenAI), ``--batch-poll S`` sets how often it is looked
at; ``--batch-requests FILE`` writes the batch input file and stops (exit 0), and
``--batch-results FILE`` reads an output file in the same format (``vllm run-batch``'s).
The command receives ``batch``: a :class:`~embtaskgen.runs.batch.mode.BatchMode` or ``None``.
Bad combinations exit 2.

Example:
    >>> import click
    >>> @click.command()
    ... @batch_options
    ... def hello(batch):
    ...     click.echo(repr(batch))
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(hello, ["--batch", "--batch-poll", "5"]).output
    'BatchMode(poll=5.0, requests=None, results=None)\\n'
    >>> [p.name for p in hello.params]
    ['batch', 'batch_poll', 'batch_requests', 'batch_results']
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import positive_option
from embtaskgen.runs.batch.mode import DEFAULT_POLL, BatchMode

__all__ = ["batch_mode", "batch_options"]


def batch_mode(batch: bool, poll: float | None, requests: Path | None, results: Path | None) -> BatchMode | None:
    """The run's :class:`BatchMode` from the four options (a ``click.BadParameter`` for a bad mix)."""
    if requests is not None and results is not None:
        raise click.BadParameter(
            "give --batch-requests (write the input file) or --batch-results (read an output file), not both",
            param_hint="--batch-requests",
        )
    if batch and (requests is not None or results is not None):
        raise click.BadParameter(
            "--batch submits to the provider's batch API; the file route (--batch-requests / "
            "--batch-results) does not: give one or the other",
            param_hint="--batch",
        )
    if poll is not None and not batch:
        raise click.BadParameter("--batch-poll needs --batch", param_hint="--batch-poll")
    if not batch and requests is None and results is None:
        return None
    return BatchMode(poll=DEFAULT_POLL if poll is None else poll, requests=requests, results=results)


def batch_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--batch``, ``--batch-poll``, ``--batch-requests`` and ``--batch-results``; pass ``batch=``."""

    @functools.wraps(command)
    def with_batch(
        *args: Any,
        batch: bool,
        batch_poll: float | None,
        batch_requests: Path | None,
        batch_results: Path | None,
        **kwargs: Any,
    ) -> Any:
        return command(*args, batch=batch_mode(batch, batch_poll, batch_requests, batch_results), **kwargs)

    decorators = (
        click.option(
            "--batch-results",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            default=None,
            metavar="FILE",
            help="Read the answers from this batch output file (as 'vllm run-batch -o' or a provider "
            "writes it) instead of calling the model, and write the rows; with --resume, continues the run "
            "that wrote the requests (same settings and seed).",
        ),
        click.option(
            "--batch-requests",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            metavar="FILE",
            help="Write the calls as a batch input file (OpenAI's format, 'vllm run-batch -i') and stop (exit 0).",
        ),
        positive_option(
            "--batch-poll",
            metavar="S",
            help=f"--batch: seconds between two looks at the batch (default {DEFAULT_POLL:g}).",
        ),
        click.option(
            "--batch",
            is_flag=True,
            help="Make the calls as one batch of the served model's batch API (/v1/files, /v1/batches) and "
            "wait for it; the batch id goes in the journal and --resume collects it, never submitting it twice.",
        ),
    )
    for decorator in decorators:
        with_batch = decorator(with_batch)
    return with_batch
