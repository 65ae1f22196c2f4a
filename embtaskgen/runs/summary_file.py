"""The summary file of a run (written whole, or kept when a resume finds nothing to do), and the secrets to redact.

Example:
    >>> import types
    >>> gen = types.SimpleNamespace(lm=None, settings=types.SimpleNamespace(
    ...     lm=None, api_base="http://user:s3cret@127.0.0.1:8000/v1"))
    >>> secrets_of(gen)
    ['s3cret']"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from embtaskgen.runs.files import RunFiles, WriteError, write_json_atomic
from embtaskgen.runs.summary import RunSummary

__all__ = ["keep_summary", "secrets_of", "write_summary"]

logger = logging.getLogger(__name__)


def secrets_of(generator: Any) -> list[str]:
    """Keys to redact besides the environment's: the LM's API key, a password in any ``api_base`` URL.

    Args:
        generator: A task or example generator (``settings.lm``, ``lm``, ``settings.api_base``).
    """
    found: list[str] = []
    for lm in (generator.settings.lm, generator.lm):
        kwargs = getattr(lm, "kwargs", None)
        if isinstance(kwargs, dict) and isinstance(kwargs.get("api_key"), str):
            found.append(kwargs["api_key"])
    api_base = generator.settings.api_base
    urls = [api_base] if api_base is None or isinstance(api_base, str) else list(api_base)
    urls += getattr(generator.lm, "api_bases", ())  # replicas of an LM object (pipeline stage 2)
    for url in urls:
        try:
            password = urlsplit(url or "").password
        except ValueError:
            password = None
        if password:
            found.append(password)
    return found


def write_summary(files: RunFiles, summary: RunSummary) -> None:
    """Write the run's summary file whole (a failed write is logged: the rows are safe)."""
    try:
        write_json_atomic(files.summary, summary.to_json())
    except WriteError as exc:
        logger.error("%s; the summary is only in the log", exc)


def keep_summary(files: RunFiles, summary: RunSummary) -> None:
    """Nothing left to do: keep the summary of the session that finished the run."""
    try:
        earlier = json.loads(files.summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = None
    if isinstance(earlier, dict) and earlier.get("status") == "complete" and earlier.get("planned") == summary.planned:
        logger.info("%s: nothing left to do; %s is kept as it was", files.output, files.summary)
        return
    write_summary(files, summary)
