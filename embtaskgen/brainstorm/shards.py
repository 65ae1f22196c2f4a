"""Moved to :mod:`embtaskgen.io.shards`; kept for ``quality/dedup_input.py`` until it imports from there.

Delete this module when nothing imports it (the rows reader takes no line reader any
more: every JSONL file is read by :func:`embtaskgen.io.jsonl.iter_jsonl`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from embtaskgen.io import shards
from embtaskgen.io.shards import shard_paths

__all__ = ["iter_shard_rows", "shard_paths"]


def iter_shard_rows(path: str | os.PathLike[str], read_jsonl: Any = None) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """:func:`embtaskgen.io.shards.iter_shard_rows`; ``read_jsonl`` is ignored (there is one reader)."""
    return shards.iter_shard_rows(path)
