"""Mine hard negatives into the output file of a finished examples run (``--mine-negatives``).

The file is replaced atomically, line for line, so the run's journal still describes it
and ``--resume`` still works. Sentence-transformers records have room for one negative
only (``negative="mined"`` replaces it) and do not name their kind: the journal's ``ok``
lines do, in the order of the records.

Example:
    >>> import json, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "examples.jsonl"
    >>> rows = [{"kind": "text-matching-short", "input": f"q{i}", "positive_document": f"p{i}"} for i in range(3)]
    >>> _ = out.write_text("".join(json.dumps(row) + "\\n" for row in rows))
    >>> toy = lambda texts: [[1.0, float(t[1:])] for t in texts]
    >>> mine_output(out, embedder=toy)["mined"]
    3
    >>> json.loads(out.read_text().splitlines()[0])["mined_negative"]
    'p1'
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.examples.kinds import TRIPLET_FIELDS
from embtaskgen.examples.st_format import NEGATIVE_CHOICES
from embtaskgen.examples.stage import EXAMPLE_FORMATS
from embtaskgen.io.jsonl import iter_jsonl
from embtaskgen.mining.negatives import DEFAULT_MARGIN, DEFAULT_TOP_K, MINED_KINDS, check_mining, mine_negatives
from embtaskgen.quality.semantic import Embedder
from embtaskgen.runs.files import RunFiles, write_json_atomic

__all__ = ["mine_output"]

logger = logging.getLogger(__name__)

_QUERY = "\nQuery: "


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        return [record for _, record in iter_jsonl(path)]
    except ConfigError as exc:
        raise ConfigError(f"{exc}; cannot mine negatives") from None


def _ok_kinds(files: RunFiles) -> list[str]:
    """The kind of each record, from the journal's ``ok`` lines in order (after the last reset)."""
    kinds: list[str] = []
    if not files.progress.exists():
        raise ConfigError(f"{files.progress} is missing: the records of {files.output} cannot be told apart")
    for record in _read(files.progress):
        if record.get("kind") == "run" and record.get("rows_reset"):
            kinds.clear()
        elif record.get("kind") == "example" and record.get("status") == "ok":
            kinds.append(str(record.get("task_id", "")).split("/")[0])
    return kinds


def _as_row(record: dict[str, Any], kind: str) -> dict[str, Any]:
    """A record as a row of its kind: the anchor without its ``Instruct: ...`` line, the positive."""
    if kind not in MINED_KINDS:
        return {}
    query, positive, _ = TRIPLET_FIELDS[kind]
    anchor = str(record.get("anchor", ""))
    return {"kind": kind, query: anchor.partition(_QUERY)[2] or anchor, positive: str(record.get("positive", ""))}


def mine_output(
    output: str | os.PathLike[str],
    *,
    format: str = "jsonl",  # noqa: A002 - the CLI's name
    negative: str = "written",
    embedder: Embedder | None = None,
    top_k: int = DEFAULT_TOP_K,
    margin: float = DEFAULT_MARGIN,
) -> dict[str, Any]:
    """Mine negatives into an examples file in place (atomically); returns the counts.

    ``format`` is what the file holds (``"jsonl"`` rows keep both negatives;
    ``"sentence-transformers"`` records need ``negative="mined"``); ``embedder=None`` loads
    all-MiniLM-L6-v2 from the ``semantic`` extra.

    Returns:
        ``{"rows": rows of a mined kind, "mined": rows that got a negative,
        "no_candidate": rows whose candidates all fell above the margin, "top_k",
        "margin", "seconds"}``.

    Raises:
        ConfigError: Bad settings, a missing or unreadable file, records without journal.
        ImportError: ``embedder=None`` without the ``semantic`` extra.
    """
    check_mining(top_k, margin)
    if format not in EXAMPLE_FORMATS:
        raise ConfigError(f"format must be one of {', '.join(EXAMPLE_FORMATS)}, got {format!r}")
    if negative not in NEGATIVE_CHOICES:
        raise ConfigError(f"negative must be one of {', '.join(NEGATIVE_CHOICES)}, got {negative!r}")
    if format == "sentence-transformers" and negative != "mined":
        raise ConfigError(
            "sentence-transformers records hold one negative: mine them with negative='mined' "
            "(--negative mined), or write JSONL rows, which keep both"
        )
    files = RunFiles.for_output(output)
    if not files.output.is_file():
        raise ConfigError(f"no examples file at {str(files.output)!r}; nothing to mine")
    started = time.perf_counter()
    records = _read(files.output)
    if format == "sentence-transformers":
        # records that no ok line names (a write cut short) are left as they are
        rows = [_as_row(record, kind) for record, kind in zip(records, _ok_kinds(files), strict=False)]
        rows = mine_negatives(rows, embedder, top_k=top_k, margin=margin)
        for record, row in zip(records, rows, strict=False):
            if isinstance(row.get("mined_negative"), str):
                record["negative"] = row["mined_negative"]
    else:
        records = rows = mine_negatives(records, embedder, top_k=top_k, margin=margin)
    mined = [row for row in rows if row.get("kind") in MINED_KINDS]
    found = sum(isinstance(row.get("mined_negative"), str) for row in mined)
    if mined:
        write_json_atomic(files.output, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    result = {
        "rows": len(mined),
        "mined": found,
        "no_candidate": len(mined) - found,
        "top_k": top_k,
        "margin": margin,
        "seconds": round(time.perf_counter() - started, 3),
    }
    logger.info("mined negatives into %s: %s", files.output, result)
    return result
