"""How ``generate``, ``examples`` and ``pipeline`` end a run: the summary on stderr and the exit status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import (
    EXIT_ALL_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    command_errors,
    install_redaction,
    run_exit_status,
    safe_text,
)
from embtaskgen.errors import OutputLocked, RunAborted, RunInterrupted

__all__ = ["report_estimate", "report_run"]


def _footprint(output: Path | None) -> tuple[tuple[int, int] | None, ...]:
    """Size and modification time of the run's files (to tell whether a run wrote anything)."""
    if output is None:
        return ()
    from embtaskgen.runs.files import RunFiles

    files = RunFiles.for_output(output)
    stats: list[tuple[int, int] | None] = []
    for path in (files.output, files.progress, files.failures, files.summary):
        try:
            stat = path.stat()
        except OSError:
            stats.append(None)
        else:
            stats.append((stat.st_size, stat.st_mtime_ns))
    return tuple(stats)


def _echo_summary(summary: Any, what: str) -> None:
    """The one-line summary, then the full summary as JSON, on stderr."""
    if what == "generations":  # generate
        line = (
            f"calls={summary.calls} tasks_kept={summary.tasks} duplicates_dropped={summary.duplicates} "
            f"parse_failures={summary.parse_failures} errors={summary.errors} "
        )
    else:
        line = (
            f"{what}: calls={summary.calls} rows={summary.rows} parse_failures={summary.parse_failures} "
            + (f"invalid={summary.invalid} " if summary.invalid else "")
            + f"errors={summary.errors} "
        )
    output = f" output={summary.output}" if summary.output else ""
    cost = "" if getattr(summary, "cost", None) is None else f"cost=${summary.cost:.4f} "
    click.echo(f"{line}{cost}seconds={summary.seconds:.1f} seed={summary.seed}{output}", err=True)
    click.echo(safe_text(summary.to_json(indent=None)), err=True)


def _failure_line(summary: Any, status: int, what: str) -> str:
    """One sentence on the failed calls (not the invalid examples) and where their reasons are."""
    kinds = ", ".join(
        f"{name} x{count}" for name, count in sorted(summary.errors_by_type.items()) if name != "InvalidExample"
    )
    failures = (
        Path(summary.output or "") / "_failures.jsonl"
        if summary.output and Path(summary.output).is_dir()
        else f"{summary.output}.failures.jsonl"
    )
    where = f"see {failures}" if summary.output else "rerun with -v (or write to a file with -o) to see why"
    made = summary.ok + summary.failed
    if status == EXIT_ALL_FAILED:
        return f"Error: all {made} {what} failed ({kinds}); {where}"
    return f"Warning: {summary.failed - summary.invalid} of {made} {what} failed ({kinds}); {where}"


def report_run(generator: Any, output: Path | None, what: str, name: str, **options: Any) -> tuple[Any, int]:
    """:func:`embtaskgen.run` ``generator`` into ``output`` (``None``: stdout) with ``options``; print the
    summary; return it and the exit status (exit at once on 2 and 130).

    ``what`` is what a call makes, in messages (``"generations"`` prints ``generate``'s line);
    ``name`` the command, for unexpected errors.
    """
    from embtaskgen.runs.runner import run

    install_redaction()  # again: handlers the model's libraries added since main()
    before = _footprint(output)
    try:
        with command_errors(name):
            summary = run(generator, output if output is not None else "-", **options)
    except click.UsageError as exc:
        if _footprint(output) != before and not isinstance(exc.__cause__, OutputLocked):  # 2: nothing written
            raise click.ClickException(exc.message) from exc
        raise
    except RunAborted as exc:
        _echo_summary(exc.summary, what)
        click.echo(f"Error: {safe_text(str(exc))}", err=True)
        return exc.summary, run_exit_status(exc.summary)
    except RunInterrupted as exc:
        _echo_summary(exc.summary, what)
        click.echo("interrupted: the file is valid; continue with --resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    _echo_summary(summary, what)
    status = run_exit_status(summary)
    if status != EXIT_OK:
        click.echo(_failure_line(summary, status, what), err=True)
    return summary, status


def report_estimate(estimate: Any, output: Path | None) -> None:
    """A dry run's estimate: its table on stdout, and as JSON in ``output`` when given."""
    click.echo(estimate.table())
    if output is not None and str(output) != "-":
        output.write_text(estimate.to_json() + "\n", encoding="utf-8")
        click.echo(f"estimate written to {output}", err=True)
