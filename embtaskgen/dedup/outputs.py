"""The second pass of ``embtaskgen dedup``: write the kept rows and the report, whole or not at all.

Once the LSH pass has decided which texts are near-duplicates (by position: texts
counted from 0 in input order), the input is streamed again: each row is written to
the output without its near-duplicate texts (a string column's row is dropped; a list
column's row keeps its other items), and every dropped text is listed in the report
with the kept text it nearly duplicates and their estimated Jaccard similarity.

The report (JSON) holds the settings, the counts (``rows``, ``rows_written``, ``items``,
``kept``, ``removed``, ``clusters``: kept texts with at least one near-duplicate,
``rows_emptied``: list rows left with no item) and ``duplicates``: one entry per dropped
text, in input order::

    {"item": 7, "source": "tasks.jsonl:8", "text": "...", "similarity": 0.81,
     "kept": {"item": 2, "source": "tasks.jsonl:3", "text": "..."}}

(``"index"`` too, the text's place in its row's list, for a list column.)

Both files are written under temporary names next to their targets and renamed into
place only when complete: a failure leaves neither a partial output nor a partial report.

Example:
    >>> import json, pathlib, tempfile
    >>> from embtaskgen.dedup.source import DedupSource
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.jsonl").write_text('{"task": "a"}\\n{"task": "a!"}\\n')
    >>> counts = write_outputs(DedupSource(folder / "in.jsonl", None), {1: (0, 1.0)},
    ...                        folder / "out.jsonl", folder / "report.json", {})
    >>> counts["rows_written"], (folder / "out.jsonl").read_text()
    (1, '{"task": "a"}\\n')
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embtaskgen.dedup.source import DedupSource
from embtaskgen.errors import ConfigError

__all__ = ["report_path_for", "write_outputs"]

_REPORT_SUFFIX = ".dedup-report.json"


def report_path_for(output: str | os.PathLike[str]) -> Path:
    """The default report path: the output's name with ``.dedup-report.json`` appended.

    Example:
        >>> report_path_for("out/tasks.jsonl").as_posix()
        'out/tasks.jsonl.dedup-report.json'
    """
    target = Path(output)
    return target.with_name(target.name + _REPORT_SUFFIX)


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}")


def write_outputs(
    source: DedupSource,
    removed: Mapping[int, tuple[int, float]],
    output: Path,
    report: Path,
    header: Mapping[str, Any],
    items: int | None = None,
) -> dict[str, Any]:
    """Stream ``source`` again, writing the kept rows to ``output`` and the report.

    Args:
        source: The input.
        removed: Dropped text position -> (kept text position, estimated similarity).
        output: The JSONL file to write.
        report: The report file to write.
        header: Settings to put at the top of the report.
        items: The number of texts the first pass saw, if known (checked).

    Returns:
        The report's counts.

    Raises:
        ConfigError: The input changed between the passes or has a bad line.
        OSError: A file cannot be written (nothing is left behind).
    """
    wanted = {kept for kept, _ in removed.values()}
    kept_at: dict[int, tuple[str, str]] = {}  # kept position -> (source, text)
    entries: list[dict[str, Any]] = []
    counts = {"rows": 0, "rows_written": 0, "items": 0, "rows_emptied": 0}
    tmp_out, tmp_report = _temporary(output), _temporary(report)
    try:
        with open(tmp_out, "w", encoding="utf-8", errors="surrogatepass") as handle:
            position = 0
            for file, number, row, texts in source.rows():
                where = f"{file}:{number}"
                counts["rows"] += 1
                keep: list[str] = []
                for index, text in enumerate(texts):
                    hit = removed.get(position)
                    if hit is None:
                        keep.append(text)
                        if position in wanted:
                            kept_at[position] = (where, text)
                    else:
                        if hit[0] not in kept_at:
                            raise ConfigError(f"{where}: the input changed while it was read")
                        kept_where, kept_text = kept_at[hit[0]]
                        entry: dict[str, Any] = {"item": position, "source": where}
                        if source.is_list:
                            entry["index"] = index
                        entry.update(
                            text=text,
                            similarity=round(float(hit[1]), 4),
                            kept={"item": hit[0], "source": kept_where, "text": kept_text},
                        )
                        entries.append(entry)
                    position += 1
                counts["items"] += len(texts)
                if source.is_list:
                    counts["rows_emptied"] += bool(texts) and not keep
                    row = {**row, source.column: keep}
                elif not keep:
                    continue
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                counts["rows_written"] += 1
            handle.flush()
            os.fsync(handle.fileno())
        if items is not None and counts["items"] != items:
            raise ConfigError(f"{source.path}: the input changed while it was read")
        counts.update(kept=counts["items"] - len(entries), removed=len(entries), clusters=len(wanted))
        document = {**header, **counts, "duplicates": entries}
        with open(tmp_report, "w", encoding="utf-8", errors="surrogatepass") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.replace(tmp_report, report)
        os.replace(tmp_out, output)
    except BaseException:
        tmp_out.unlink(missing_ok=True)
        tmp_report.unlink(missing_ok=True)
        raise
    return counts
