"""``--mine-negatives`` and ``--format sentence-transformers`` on ``embtaskgen examples`` and ``pipeline``.

The options are checked and the embedding model loaded before the first model call (a
missing ``semantic`` extra fails at once); after the run the rows file is rewritten
atomically, then the sentence-transformers files are written from it.

Example:
    $ embtaskgen examples --tasks tasks.jsonl --mine-negatives --negatives 3 \\
        --format sentence-transformers --negative mined --negative-format n-tuple -o examples.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import click

from embtaskgen.cli.options import command_errors
from embtaskgen.examples.st_format import NEGATIVE_CHOICES, NEGATIVE_FORMATS
from embtaskgen.mining.negatives import MINED_KINDS

__all__ = ["NEGATIVE_CHOICES", "NEGATIVE_FORMATS", "export_examples", "mine_examples", "mining_embedder"]


class MiningArgs(Protocol):
    """The options :func:`mining_embedder` checks (``RunArgs`` of ``examples_options.py`` has them)."""

    @property
    def mine_negatives(self) -> bool: ...
    @property
    def mine_top_k(self) -> int: ...
    @property
    def negative(self) -> str: ...
    @property
    def negatives(self) -> int: ...
    @property
    def negative_format(self) -> str: ...
    @property
    def format_(self) -> str: ...


def mining_embedder(args: MiningArgs, kinds: tuple[str, ...]) -> Any:
    """Check the mining options (usage errors, exit 2) and load the embedding model before any call."""
    unmined = {"--negative mined": args.negative == "mined", "--negatives": args.negatives != 1}
    unmined["--negative-format"] = args.negative_format != "triplet"
    for option, given in unmined.items():
        if given and not args.mine_negatives:
            raise click.BadParameter(f"{option} is about mined negatives: add --mine-negatives", param_hint=option)
    if not args.mine_negatives:
        return None
    if args.format_ != "sentence-transformers" and (args.negative == "mined" or args.negative_format != "triplet"):
        raise click.BadParameter(
            "JSONL rows keep every negative (mined_negatives beside the written one); --negative mined and "
            "--negative-format lay out the files of --format sentence-transformers",
            param_hint="--negative",
        )
    if args.format_ == "sentence-transformers" and args.negative != "mined":
        raise click.BadParameter(
            "--mine-negatives with --format sentence-transformers puts the mined negatives in its files: "
            "add --negative mined (valid choices: written, mined)",
            param_hint="--negative",
        )
    if args.negatives > args.mine_top_k:
        raise click.BadParameter(
            f"--negatives {args.negatives} is more than the {args.mine_top_k} candidates of --mine-top-k",
            param_hint="--negatives",
        )
    if not any(kind in MINED_KINDS for kind in kinds):
        raise click.BadParameter(
            f"negatives are mined for {', '.join(MINED_KINDS)}; none is among the kinds {', '.join(kinds)}",
            param_hint="--mine-negatives",
        )
    from embtaskgen.quality import semantic

    with command_errors("loading the embedding model"):
        return semantic.load_default_model()


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
