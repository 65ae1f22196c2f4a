"""``embtaskgen dedup``: near-duplicate removal across a whole dataset (MinHash LSH).

Bad arguments exit 2 and write nothing (an existing OUT needs ``--overwrite``; OUT may
not be inside the input folder, nor a pipe or device); the output and the report are
written whole or not at all, and a one-line summary goes to stderr. ``pipeline --dedup`` runs the same
step on stage 1's tasks (:func:`dedup_stage`).

Example:
    $ embtaskgen dedup tasks.jsonl -o tasks.dedup.jsonl
    $ embtaskgen dedup examples/ -o queries.dedup.jsonl --column user_query --threshold 0.8
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import choice_option, command_errors, output_option
from embtaskgen.dedup.run import EXECUTORS, dedup_rows
from embtaskgen.dedup.settings import DEFAULT_THRESHOLD, DedupSettings
from embtaskgen.dedup.shingling import SHINGLE_KINDS
from embtaskgen.dedup.sketch import DEFAULT_ENGINE, DEFAULT_NUM_PERM, ENGINES

__all__ = ["dedup_command", "dedup_stage"]


@click.command("dedup")
@click.argument("source", metavar="IN", type=click.Path(path_type=Path))
@output_option("JSONL file to write the kept rows to.", required=True, dir_okay=False)
@click.option(
    "--column",
    default=None,
    help="Text column to compare: a string column (near-duplicate rows are dropped) "
    "or a list column (items are dropped from the lists). Default: 'task', "
    "else 'tasks'.",
)
@choice_option(
    "--shingles",
    choices=SHINGLE_KINDS,
    default="word",
    help="'word': stemmed content words; 'char': character n-grams of the normalised text.",
)
@click.option(
    "--shingle-size", type=int, default=None, help="Words or characters per shingle (default: 1 for word, 4 for char)."
)
@click.option(
    "--threshold",
    type=float,
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Estimated Jaccard similarity of the shingle sets at which a text is dropped, in (0, 1].",
)
@click.option(
    "--num-perm", type=int, default=DEFAULT_NUM_PERM, show_default=True, help="MinHash values per text (16-1024)."
)
@choice_option("--engine", choices=ENGINES, default=DEFAULT_ENGINE, help="MinHash implementation.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the hash functions.")
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the report (default: OUT.dedup-report.json).",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace an existing OUT and report (without it, an existing one exits 2)."
)
@choice_option(
    "--executor",
    choices=EXECUTORS,
    default="local",
    help="'ray': compute the signatures of a folder's shards with Ray Data (extra 'ray').",
)
@click.option(
    "--ray-address",
    default=None,
    help="With --executor ray: an existing cluster ('auto', 'ray://...'); default: a local instance on loopback.",
)
def dedup_command(
    source: Path,
    output: Path,
    column: str | None,
    report: Path | None,
    overwrite: bool,
    executor: str,
    ray_address: str | None,
    **settings: Any,
) -> None:
    """Remove near-duplicate tasks (or examples, by --column) from a JSONL file or a folder
    of shards, keeping the first of each cluster; write OUT and a report of what was removed."""
    if ray_address is not None and executor != "ray":
        raise click.BadParameter("--ray-address needs --executor ray", param_hint="--ray-address")
    # The other options are DedupSettings' fields by name.
    _dedup(
        "dedup",
        source,
        output,
        settings,
        column=column,
        report=report,
        overwrite=overwrite,
        executor=executor,
        ray_address=ray_address,
    )


def _dedup(what: str, source: Path, output: Path, settings: dict[str, Any], **kwargs: Any) -> Path:
    """Run :func:`dedup_rows` with the command's error mapping, print its summary, return the output."""
    with command_errors(what):
        result = dedup_rows(source, output, settings=DedupSettings(**settings), **kwargs)
    click.echo(
        f"dedup: kept {result.kept} of {result.items} texts ({result.removed} near-duplicates "
        f"of {result.clusters} kept texts), {result.rows_written} of {result.rows} rows "
        f"written to {result.output}; report: {result.report} ({result.seconds:.1f} s)",
        err=True,
    )
    return result.output


def dedup_stage(tasks: Path, folder: Path) -> Path:
    """``pipeline --dedup``: de-duplicate stage 1's tasks (a file or a folder of shards)
    into ``folder/tasks.dedup.jsonl`` (report beside it) and return that path. The
    pipeline owns both files: a re-run or ``--resume`` replaces them.

    Example:
        >>> import json, pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> rows = [{"task": "Classify emails by urgency."}, {"task": "classify the emails by urgency!"}]
        >>> _ = (folder / "tasks.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
        >>> dedup_stage(folder / "tasks.jsonl", folder).name
        'tasks.dedup.jsonl'
    """
    return _dedup("pipeline --dedup", tasks, folder / "tasks.dedup.jsonl", {}, overwrite=True)
