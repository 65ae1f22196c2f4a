"""Mine hard negatives into the rows file of a finished examples run (``--mine-negatives``).

The file is replaced atomically, line for line, so the run's journal still describes it
and ``--resume`` still works. The sentence-transformers files are written from the mined
rows afterwards (:func:`~embtaskgen.examples.st_format.write_sentence_transformers`).

Example:
    >>> import json, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "examples.jsonl"
    >>> rows = [{"kind": "text-matching-short", "input": f"q{i}", "positive_document": f"p{i}"} for i in range(3)]
    >>> _ = out.write_text("".join(json.dumps(row) + "\\n" for row in rows))
    >>> toy = lambda texts: [[1.0, float(t[1:])] for t in texts]
    >>> mine_output(out, embedder=toy)["mined"]
    3
    >>> json.loads(out.read_text().splitlines()[0])["mined_negatives"]
    ['p1']
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.io.jsonl import iter_jsonl
from embtaskgen.mining.negatives import DEFAULT_MARGIN, DEFAULT_TOP_K, MINED_KINDS, check_mining, mine_negatives
from embtaskgen.runs.files import RunFiles, write_json_atomic

__all__ = ["mine_output"]

logger = logging.getLogger(__name__)


def mine_output(
    output: str | os.PathLike[str],
    *,
    embedder: Any = None,
    top_k: int = DEFAULT_TOP_K,
    margin: float = DEFAULT_MARGIN,
    negatives: int = 1,
) -> dict[str, Any]:
    """Mine negatives into an examples file of rows in place (atomically); returns the counts.

    ``embedder=None`` loads all-MiniLM-L6-v2 from the ``semantic`` extra (see
    :func:`~embtaskgen.mining.negatives.mine_negatives`).

    Returns:
        ``{"rows": rows of a mined kind, "mined": rows that got a negative,
        "no_candidate": rows whose candidates all fell above the margin, "negatives":
        negatives mined in all, "top_k", "margin", "seconds"}``.

    Raises:
        ConfigError: Bad settings, a missing or unreadable file.
        ImportError: ``embedder=None`` without the ``semantic`` extra.
    """
    check_mining(top_k, margin, negatives)
    files = RunFiles.for_output(output)
    if not files.output.is_file():
        raise ConfigError(f"no examples file at {str(files.output)!r}; nothing to mine")
    started = time.perf_counter()
    try:
        records = [record for _, record in iter_jsonl(files.output)]
    except ConfigError as exc:
        raise ConfigError(f"{exc}; cannot mine negatives") from None
    rows = mine_negatives(records, embedder, top_k=top_k, margin=margin, negatives=negatives)
    mined = [row for row in rows if row.get("kind") in MINED_KINDS]
    if mined:
        write_json_atomic(files.output, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    found = sum(bool(row["mined_negatives"]) for row in mined)
    result = {
        "rows": len(mined),
        "mined": found,
        "no_candidate": len(mined) - found,
        "negatives": sum(len(row["mined_negatives"]) for row in mined),
        "top_k": top_k,
        "margin": margin,
        "seconds": round(time.perf_counter() - started, 3),
    }
    logger.info("mined negatives into %s: %s", files.output, result)
    return result
