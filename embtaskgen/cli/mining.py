"""``--mine-negatives`` and ``--format sentence-transformers`` on ``embtaskgen examples`` and ``pipeline``.

The options are checked and the embedding model loaded before the first model call
(``RunArgs.mining_embedder``: a missing ``semantic`` extra fails at once); after the run the
rows file is rewritten atomically, then the sentence-transformers files are written from it.

Example:
    $ embtaskgen examples --tasks tasks.jsonl --mine-negatives --negatives 3 \\
        --format sentence-transformers --negative mined --negative-format n-tuple -o examples.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import command_errors
from embtaskgen.examples.st_format import NEGATIVE_CHOICES, NEGATIVE_FORMATS

__all__ = ["NEGATIVE_CHOICES", "NEGATIVE_FORMATS", "export_examples", "mine_examples"]


def mine_examples(output: Path, embedder: Any, top_k: int, margin: float, negatives: int) -> None:
    """Mine negatives into the rows file of a finished run; one summary line on stderr."""
    if not output.is_file() or output.stat().st_size == 0:
        click.echo("mined negatives: the run wrote no examples", err=True)
        return
    from embtaskgen.mining.examples_file import mine_output

    with command_errors("mining negatives"):
        counts = mine_output(output, embedder=embedder, top_k=top_k, margin=margin, negatives=negatives)
    click.echo(
        f"mined negatives: rows={counts['rows']} mined={counts['mined']} "
        f"no_candidate={counts['no_candidate']} negatives={counts['negatives']} top_k={top_k} margin={margin} "
        f"seconds={counts['seconds']:.1f} output={output}",
        err=True,
    )


def export_examples(output: Path, negative: str, negative_format: str) -> None:
    """Write the sentence-transformers files of the rows file (one per shape); one line on stderr."""
    from embtaskgen.examples.st_format import write_sentence_transformers
    from embtaskgen.io.jsonl import iter_jsonl

    if not output.is_file():
        return
    with command_errors("writing the sentence-transformers files"):
        rows = [row for _, row in iter_jsonl(output)]
        written = write_sentence_transformers(rows, output, negative, negative_format)
    shown = " ".join(f"{shape}={path}" for shape, path in written.items()) or "none (no examples)"
    click.echo(f"sentence-transformers files: {shown}", err=True)
