"""The options ``generate``, ``examples`` and ``pipeline`` share: how a run goes, and where it runs.

The Ray options without ``--executor ray``, or ``--format parquet`` without it, exit 2.

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

import logging
from pathlib import Path

import click

from embtaskgen.cli.options import Decorator, choice_option, count_option, options, positive_option

__all__ = ["check_executor", "cost_options", "ray_options", "run_options", "session_options"]

logger = logging.getLogger(__name__)

#: ``--executor``, ``--ray-address`` and ``--ray-workers``.
ray_options = options(
    choice_option(
        "--executor",
        choices=["local", "ray"],
        default="local",
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
    count_option(
        "--ray-workers", help="--executor ray: actors in the pool (default 2); --concurrency is split over them."
    ),
)

#: ``--seed``, ``--temperature``, ``--max-tokens`` and ``--concurrency``.
run_options = options(
    count_option("--seed", minimum=0, help="Run seed (drawn and recorded when absent)."),
    click.option("--temperature", type=click.FloatRange(0, 2), default=1.0, show_default=True),
    count_option("--max-tokens", help="Completion budget per call."),
    count_option("--concurrency", help="Calls in flight (default 8; the embedded model runs one at a time)."),
)


#: ``--dry-run``, ``--sample`` and ``--max-cost`` (prices: LiteLLM's local cost map).
cost_options = options(
    click.option(
        "--dry-run",
        is_flag=True,
        help="Send nothing, write no rows: render every planned prompt as the run would, and print "
        "(with -o: write as JSON) the calls, prompt tokens, the completion-token bound and the price, "
        "online and batch.",
    ),
    count_option(
        "--sample",
        help="--dry-run: make this many planned calls for real (nothing written) to estimate the completion tokens.",
    ),
    positive_option(
        "--max-cost",
        metavar="USD",
        help="Stop cleanly (exit 1, a valid file, resumable) before this session's spending could pass "
        "USD: a call starts only while the cost so far plus every call in flight at its bound stays "
        "within it. Needs a model LiteLLM prices.",
    ),
)


def _ignored_cache(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    """``--cache/--no-cache``, kept for old scripts: runs never use DSPy's response cache."""
    if value:
        logger.warning("--cache is ignored: runs do not use DSPy's response cache (--resume continues a run)")


def session_options(
    resume: str = "Continue the run that wrote the output; every setting that shapes the rows must match.",
    max_failures: str = "Stop a run after this many failed calls.",
) -> Decorator:
    """``--resume``, ``--max-failures``, ``--max-rpm``, ``--max-tpm``, ``--progress``, ``--wait-lock``
    (these helps), the ignored ``--cache``."""
    return options(
        click.option("--resume", is_flag=True, help=resume),
        count_option("--max-failures", help=max_failures),
        count_option(
            "--max-rpm",
            help="Requests per minute to keep under (default: the server's limit, read from its "
            "x-ratelimit-* headers when it sends them).",
        ),
        count_option(
            "--max-tpm",
            help="Tokens per minute to keep under (a call counts its messages' characters / 4 + --max-tokens).",
        ),
        click.option("--cache/--no-cache", default=None, expose_value=False, callback=_ignored_cache, hidden=True),
        click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr."),
        click.option("--wait-lock", is_flag=True, help="Wait for another run writing the output (default: exit 2)."),
    )


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
