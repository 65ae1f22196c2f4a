"""What ``embtaskgen dedup`` writes: the kept rows and the report, whole or not at all.

Rows are written as soon as their texts are decided: a string column's near-duplicate
row is dropped, a list column's row keeps its other items. The report (JSON) holds the
settings, the counts and one entry per dropped text, in input order::

    {"item": 7, "source": "tasks.jsonl:8", "text": "...", "similarity": 0.81,
     "kept": {"item": 2, "source": "tasks.jsonl:3", "text": "..."}}

(with ``"index"``, the place in the row's list, for a list column). The kept texts wait
for the report in a temporary file, not in memory. Both files are written under
temporary names and renamed into place only when complete.
"""

from __future__ import annotations

import json
import os
import tempfile
from array import array
from collections.abc import Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from embtaskgen.io.targets import fresh_temporary

__all__ = ["DedupOutputs", "report_path_for"]

_REPORT_SUFFIX = ".dedup-report.json"
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(row, ensure_ascii=False), made once


def report_path_for(output: str | os.PathLike[str]) -> Path:
    """The default report path: the output's name with ``.dedup-report.json`` appended.

    Example:
        >>> report_path_for("out/tasks.jsonl").as_posix()
        'out/tasks.jsonl.dedup-report.json'
    """
    target = Path(output)
    return target.with_name(target.name + _REPORT_SUFFIX)


class DedupOutputs:
    """The output and the report being written (a context manager: on error, nothing is left)."""

    def __init__(self, output: Path, report: Path, column: str, is_list: bool) -> None:
        self.output, self.report, self.column, self.is_list = output, report, column, is_list
        self.tmp_out, self.tmp_report = fresh_temporary(output), fresh_temporary(report)
        self.counts = {"rows": 0, "rows_written": 0, "items": 0, "rows_emptied": 0}
        # Per dropped text, ``(item, index in its row, kept item)`` and the estimate; the texts
        # wait on disk ("where\0text" each), so that memory holds numbers only.
        self.dropped, self._similarity = array("q"), array("d")
        self._spool = tempfile.TemporaryFile()
        self._offsets = array("q", [0])
        self._handle = open(self.tmp_out, "x", encoding="utf-8", errors="surrogatepass")

    def __enter__(self) -> DedupOutputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._spool.close()
        self._handle.close()
        if kind is not None:
            self.tmp_out.unlink(missing_ok=True)
            self.tmp_report.unlink(missing_ok=True)

    def write(
        self,
        rows: Sequence[tuple[Path | str, int, dict[str, Any], list[str]]],
        kept_of: np.ndarray,
        estimate: np.ndarray,
    ) -> None:
        """Write the next ``rows`` given their texts' decisions (:meth:`LSHIndex.add`'s)."""
        position = len(self._offsets) - 1
        kept_list, estimates = kept_of.tolist(), estimate.tolist()
        records: list[bytes] = []
        lines: list[str] = []
        for file, number, row, texts in rows:
            where = f"{file}:{number}"
            self.counts["rows"] += 1
            keep: list[str] = []
            for index, text in enumerate(texts):
                k = len(records)
                records.append(f"{where}\0{text}".encode("utf-8", "surrogatepass"))
                if kept_list[k] < 0:
                    keep.append(text)
                else:
                    self.dropped.extend((position + k, index, kept_list[k]))
                    self._similarity.append(estimates[k])
            self.counts["items"] += len(texts)
            if self.is_list:
                self.counts["rows_emptied"] += bool(texts) and not keep
                row = {**row, self.column: keep}
            elif not keep:
                continue
            lines.append(_encode(row))
        self.counts["rows_written"] += len(lines)
        self._handle.write("".join(line + "\n" for line in lines))
        self._spool.write(b"".join(records))
        ends = accumulate(map(len, records), initial=self._offsets[-1])
        next(ends)
        self._offsets.extend(ends)

    def _text(self, position: int) -> dict[str, Any]:
        start = self._offsets[position]
        self._spool.seek(start)
        record = self._spool.read(self._offsets[position + 1] - start).decode("utf-8", "surrogatepass")
        where, text = record.split("\0", 1)
        return {"item": position, "source": where, "text": text}

    def finish(self, header: Mapping[str, Any]) -> dict[str, Any]:
        """Write the report and move both files into place; return the report's counts."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._spool.flush()
        kept: dict[int, dict[str, Any]] = {}
        entries: list[dict[str, Any]] = []
        for at, similarity in enumerate(self._similarity):
            item, index, first = self.dropped[3 * at : 3 * at + 3]
            entry = self._text(item)
            if self.is_list:
                entry = {"item": item, "source": entry["source"], "index": index, "text": entry["text"]}
            if first not in kept:
                kept[first] = self._text(first)
            entry.update(similarity=round(similarity, 4), kept=kept[first])
            entries.append(entry)
        counts = self.counts
        counts.update(kept=counts["items"] - len(entries), removed=len(entries), clusters=len(kept))
        document = {**header, **counts, "duplicates": entries}
        with open(self.tmp_report, "x", encoding="utf-8", errors="surrogatepass") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.replace(self.tmp_report, self.report)
        os.replace(self.tmp_out, self.output)
        return counts
