"""``--mine-negatives`` on ``embtaskgen examples`` and ``embtaskgen pipeline``.

The options are checked and the embedder loaded before the first model call (a missing
``semantic`` extra fails at once); after the run the examples file is rewritten atomically.

Example:
    $ embtaskgen examples --tasks tasks.jsonl --mine-negatives -o examples.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embtaskgen.cli.options import command_errors
from embtaskgen.examples.st_format import NEGATIVE_CHOICES
from embtaskgen.mining.negatives import MINED_KINDS

__all__ = ["NEGATIVE_CHOICES", "mine_examples", "mining_embedder"]


def mining_embedder(mine: bool, negative: str, format_: str, kinds: tuple[str, ...]) -> Any:
    """Check the mining options (usage errors, exit 2) and load the embedder before any call."""
    if negative == "mined" and not mine:
        raise click.BadParameter(
            "--negative mined takes the mined negative: add --mine-negatives", param_hint="--negative"
        )
    if not mine:
        return None
    if format_ == "jsonl" and negative == "mined":
        raise click.BadParameter(
            "JSONL rows keep both negatives (mined_negative beside the written one); "
            "--negative mined chooses the negative of --format sentence-transformers",
            param_hint="--negative",
        )
    if format_ == "sentence-transformers" and negative != "mined":
        raise click.BadParameter(
            "sentence-transformers records hold one negative: add --negative mined to "
            "put the mined one there (valid choices: written, mined)",
            param_hint="--negative",
        )
    if not any(kind in MINED_KINDS for kind in kinds):
        raise click.BadParameter(
            f"negatives are mined for {', '.join(MINED_KINDS)}; none is among the kinds {', '.join(kinds)}",
            param_hint="--mine-negatives",
        )
    from embtaskgen.quality import semantic

    with command_errors("loading the embedding model"):
        return semantic.load_default_embedder()


def mine_examples(output: Path, embedder: Any, format_: str, negative: str, top_k: int, margin: float) -> None:
    """Mine negatives into the examples file of a finished run; one summary line on stderr."""
    if not output.is_file() or output.stat().st_size == 0:
        click.echo("mined negatives: the run wrote no examples", err=True)
        return
    from embtaskgen.mining.examples_file import mine_output

    with command_errors("mining negatives"):
        counts = mine_output(output, format=format_, negative=negative, embedder=embedder, top_k=top_k, margin=margin)
    click.echo(
        f"mined negatives: rows={counts['rows']} mined={counts['mined']} "
        f"no_candidate={counts['no_candidate']} top_k={top_k} margin={margin} "
        f"seconds={counts['seconds']:.1f} output={output}",
        err=True,
    )
