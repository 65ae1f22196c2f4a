"""Push a folder of rows and its dataset card to the Hugging Face Hub (``huggingface_hub``'s public API).

Only the card and the data files its ``configs`` name are uploaded (no journal, failures
file or summary: they hold raw answers and the endpoint). The token is
``huggingface_hub``'s own (``HF_TOKEN`` or ``hf auth login``), never an argument written
anywhere; so is the Hub's address (``HF_ENDPOINT``, read when ``huggingface_hub`` is imported).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from embtaskgen.errors import ConfigError, MissingDependency, PushError, install_hint
from embtaskgen.publish.card import CARD_NAME, data_configs, write_dataset_card

__all__ = ["push_to_hub"]

logger = logging.getLogger(__name__)


def push_to_hub(folder: str | os.PathLike[str], repo_id: str, *, private: bool = True, license: str = "other") -> str:
    """Write ``folder``'s dataset card and upload it with the data files to the dataset repo ``repo_id``.

    Args:
        folder: A folder of rows (a ``pipeline -o`` folder).
        repo_id: The dataset repo, ``"user/name"`` (created when missing).
        private: Create the repo private (the default); an existing repo keeps its visibility.
        license: The licence of the rows, for the card.

    Returns:
        The URL of the commit.

    Raises:
        ConfigError: A bad folder or repo id.
        MissingDependency: ``huggingface_hub`` is not installed (the ``hf`` extra).
        PushError: The Hub refused the push or could not be reached.

    Example:
        >>> push_to_hub("out/", "me/retrieval-data")  # doctest: +SKIP
        'https://huggingface.co/datasets/me/retrieval-data/commit/...'
    """
    if repo_id.count("/") > 1 or not repo_id.strip("/") or any(c.isspace() for c in repo_id):
        raise ConfigError(f"repo id {repo_id!r}: give 'user/name' or 'organisation/name'")
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError
    except ImportError as exc:
        raise MissingDependency(f"pushing to the Hub needs huggingface_hub: {install_hint('hf')}") from exc
    write_dataset_card(folder, license=license)
    files = [CARD_NAME]
    for config in data_configs(folder):
        files.append(config["data_files"])
    api = HfApi()
    try:
        repo = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(
            folder_path=Path(folder),
            repo_id=repo.repo_id,
            repo_type="dataset",
            allow_patterns=files,
            commit_message="embtaskgen: rows and dataset card",
        )
    except (HfHubHTTPError, LocalTokenNotFoundError, OSError) as exc:
        raise PushError(f"push to {repo_id} failed: {exc}") from exc
    logger.info("pushed %s to %s", ", ".join(files), commit.commit_url)
    return str(commit.commit_url)
