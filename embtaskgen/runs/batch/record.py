"""The journal's batch lines: which batch a session submitted, and when its answers were collected.

A session that submits a batch writes ``{"kind": "batch", "event": "submitted", "id": ..., "requests": N}``
right after the provider created it; once every answer is replayed into rows it writes
``{"kind": "batch", "event": "collected", "id": ..., "status": ...}``. A batch submitted and
not collected is *open*: a resume polls it, never submits it again. The file route writes
``{"kind": "batch", "event": "written", "file": ..., "requests": N}`` after the session's run
line, so the run that reads the answers resumes with the same settings and seed. The lines
hold ids, paths and counts only, never a key.

Example:
    >>> journal = [submitted_line("batch_1", 3), collected_line("batch_1", "completed")]
    >>> open_batch(journal) is None, open_batch(journal[:1])["id"]
    (True, 'batch_1')
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

__all__ = ["BATCH_KIND", "collected_line", "open_batch", "submitted_line", "written_line"]

#: The ``kind`` of the journal's batch lines.
BATCH_KIND = "batch"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def submitted_line(batch_id: str, requests: int) -> dict[str, Any]:
    """The line recording that batch ``batch_id`` of ``requests`` calls was created."""
    return {"kind": BATCH_KIND, "event": "submitted", "id": batch_id, "requests": requests, "at": _now()}


def written_line(path: str, requests: int) -> dict[str, Any]:
    """The line recording that the batch input file ``path`` of ``requests`` calls was written (the file route)."""
    return {"kind": BATCH_KIND, "event": "written", "file": path, "requests": requests, "at": _now()}


def collected_line(batch_id: str, status: str) -> dict[str, Any]:
    """The line recording that batch ``batch_id`` ended with ``status`` and its answers are in the rows."""
    return {"kind": BATCH_KIND, "event": "collected", "id": batch_id, "status": status, "at": _now()}


def open_batch(records: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The last submitted batch line of ``records`` (a journal's batch lines, in order) not yet collected."""
    found: dict[str, Any] | None = None
    for record in records:
        if record.get("event") == "submitted" and isinstance(record.get("id"), str):
            found = record
        elif record.get("event") == "collected" and found is not None and record.get("id") == found["id"]:
            found = None
    return found
