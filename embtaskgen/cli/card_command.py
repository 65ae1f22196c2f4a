"""``embtaskgen card``: a Hugging Face dataset card for a folder of rows, and the push to the Hub.

``pipeline -o DIR`` writes the same card when it ends and takes the same ``--push-to-hub``.

Example:
    $ embtaskgen card out/ --license cc-by-4.0
    $ embtaskgen card out/ --push-to-hub me/retrieval-data
"""

from __future__ import annotations

from pathlib import Path

import click

from embtaskgen.cli.options import command_errors, options
from embtaskgen.publish.card import write_dataset_card
from embtaskgen.publish.hub import push_to_hub

__all__ = ["card_command", "hub_options", "publish"]

#: ``--push-to-hub REPO`` and ``--public`` (``card`` and ``pipeline``).
hub_options = options(
    click.option(
        "--push-to-hub",
        "repo",
        metavar="REPO",
        default=None,
        help="Upload the card and the data files to the Hugging Face dataset repo REPO ('user/name'), "
        "created private when missing. The token is huggingface_hub's (HF_TOKEN or 'hf auth login').",
    ),
    click.option("--public", is_flag=True, help="With --push-to-hub: create the repo public (default: private)."),
)


def publish(folder: Path, repo: str, *, public: bool, license: str = "other") -> None:
    """Push ``folder`` to ``repo`` and say where (errors as :func:`command_errors` maps them)."""
    with command_errors("push to the Hub"):
        url = push_to_hub(folder, repo, private=not public, license=license)
    click.echo(f"pushed to {url}", err=True)


@click.command("card")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--license",
    default="other",
    show_default=True,
    help="Licence of the rows, a Hub licence id (apache-2.0, cc-by-4.0, ...); the generating "
    "model's terms are stated in the card either way.",
)
@click.option("--overwrite", is_flag=True, help="Replace a DIR/README.md that embtaskgen did not write.")
@hub_options
def card_command(folder: Path, license: str, overwrite: bool, repo: str | None, public: bool) -> None:
    """Write DIR/README.md, a Hugging Face dataset card for the rows in DIR (configs, model, seed, counts, terms)."""
    with command_errors("card"):
        path = write_dataset_card(folder, license=license, overwrite=overwrite)
    click.echo(f"card written to {path}", err=True)
    if repo:
        publish(folder, repo, public=public, license=license)
