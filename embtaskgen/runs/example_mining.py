"""Mine hard negatives into the output file of a finished examples run (``--mine-negatives``).

:func:`mine_output` reads what :func:`embtaskgen.run`
wrote, mines one negative per row of a mined kind
(:mod:`embtaskgen.quality.mined_negatives`: top-k neighbours among the positives of the
same kind, positive-aware margin) and replaces the file atomically (a temporary file,
then a rename: a crash leaves the old file or the new one, never half of each). The
lines keep their order and number, so the run's journal still describes the file and
``--resume`` still works; a resumed run is mined again as a whole.

* ``format="jsonl"``: every row of a mined kind gets ``mined_negative``,
  ``mined_negative_score`` and ``mined_positive_score`` beside its written
  ``hard_negative_document``.
* ``format="sentence-transformers"``: the records have no room for a second negative,
  so only ``negative="mined"`` is accepted: a record of a mined kind gets the mined
  negative in ``negative`` (keeping the one it has when no candidate survived). Records
  do not name their kind: the journal's ``ok`` lines do, in the order of the records
  (a task id starts with its kind, see :mod:`embtaskgen.examples.task_input`); the query
  is the anchor without its ``Instruct: ...`` line.

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
from collections import Counter
from typing import Any

from embtaskgen.errors import ConfigError
from embtaskgen.examples.st_format import NEGATIVE_CHOICES
from embtaskgen.examples.stage import EXAMPLE_FORMATS
from embtaskgen.quality.mined_negatives import (
    DEFAULT_MARGIN,
    DEFAULT_TOP_K,
    MINED_KINDS,
    check_mining,
    mine_negatives,
    mine_pool,
)
from embtaskgen.quality.semantic import Embedder, load_default_embedder
from embtaskgen.runs.files import RunFiles, write_json_atomic

__all__ = ["mine_output"]

logger = logging.getLogger(__name__)

_QUERY = "\nQuery: "


def _read_lines(path: Any) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not valid JSON ({exc}); cannot mine negatives") from exc
            if not isinstance(record, dict):
                raise ConfigError(f"{path}:{number}: expected a JSON object; cannot mine negatives")
            records.append(record)
    return records


def _ok_kinds(files: RunFiles) -> list[str]:
    """The kind of each record, from the journal's ``ok`` lines in order (after the last reset)."""
    kinds: list[str] = []
    if not files.progress.exists():
        raise ConfigError(f"{files.progress} is missing: the records of {files.output} cannot be told apart")
    for record in _read_lines(files.progress):
        if record.get("kind") == "run" and record.get("rows_reset"):
            kinds.clear()
        elif record.get("kind") == "example" and record.get("status") == "ok":
            kinds.append(str(record.get("task_id", "")).split("/")[0])
    return kinds


def _mine_records(
    records: list[dict[str, Any]], kinds: list[str], embedder: Embedder | None, top_k: int, margin: float
) -> Counter[str]:
    counts: Counter[str] = Counter()
    pools: dict[str, list[int]] = {}
    for number, kind in enumerate(kinds[: len(records)]):
        if kind in MINED_KINDS:
            pools.setdefault(kind, []).append(number)
    if pools and embedder is None:
        embedder = load_default_embedder()
    for members in pools.values():
        queries = [
            str(records[n].get("anchor", "")).partition(_QUERY)[2] or str(records[n].get("anchor", "")) for n in members
        ]
        positives = [str(records[n].get("positive", "")) for n in members]
        found = mine_pool(queries, positives, embedder, top_k=top_k, margin=margin)  # type: ignore[arg-type]
        for number, negative in zip(members, found, strict=True):
            counts["rows"] += 1
            if negative.text is None:
                counts["no_candidate"] += 1
            else:
                counts["mined"] += 1
                records[number]["negative"] = negative.text
    return counts


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

    Args:
        output: The examples file of a run.
        format: What it holds: ``"jsonl"`` rows or ``"sentence-transformers"`` records.
        negative: For records, where ``negative`` comes from: only ``"mined"`` makes
            sense (see the module docstring); JSONL rows keep both negatives.
        embedder: Maps texts to an ``(n, d)`` array; ``None``: all-MiniLM-L6-v2 from the
            ``semantic`` extra.
        top_k: Candidates looked at per row.
        margin: The positive-aware margin.

    Returns:
        ``{"rows": rows of a mined kind, "mined": rows that got a negative,
        "no_candidate": rows whose candidates all fell above the margin, "top_k",
        "margin", "seconds"}``.

    Raises:
        ConfigError: Bad settings, a missing or unreadable file, records without their
            journal.
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
    records = _read_lines(files.output)
    if format == "sentence-transformers":
        counts = _mine_records(records, _ok_kinds(files), embedder, top_k, margin)
    else:
        records = mine_negatives(records, embedder, top_k=top_k, margin=margin)
        mined = [r for r in records if r.get("kind") in MINED_KINDS]
        counts = Counter(rows=len(mined), mined=sum(isinstance(r.get("mined_negative"), str) for r in mined))
        counts["no_candidate"] = counts["rows"] - counts["mined"]
    if counts["rows"]:
        write_json_atomic(files.output, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    result = {
        "rows": counts["rows"],
        "mined": counts["mined"],
        "no_candidate": counts["no_candidate"],
        "top_k": top_k,
        "margin": margin,
        "seconds": round(time.perf_counter() - started, 3),
    }
    logger.info("mined negatives into %s: %s", files.output, result)
    return result
