"""The progress journal ``<output>.progress.jsonl``: what a run is, and what it finished.

One JSON object per line, appended, never rewritten:

* a **run** line when a run (or a resumed session) starts::

    {"kind": "run", "version": 1, "seed": 7, "categories": ["text-retrieval"],
     "flatten": true, "num_tasks": 20, "topic": "", "model_name": "openai/m",
     "keep_duplicates": false, "num_generations": 1000, "started": "2026-...Z"}

* a **generation** line for each generation that reached an outcome, written right
  after its rows::

    {"kind": "generation", "category": "text-retrieval", "generation": 12,
     "status": "ok", "kept": 17}

  ``status`` is ``ok`` (rows written; ``kept`` may be 0 when every task was a
  duplicate, which is why a flattened file alone cannot tell), ``parse_failure``
  (the answer did not parse; final, since the same seed gives the same answer) or
  ``error`` (the call raised; a resume tries it again).

Rows are written before their journal line, so a row without a journal line (process
killed in between) is still counted as done by resume: the journal and the rows are
read together.

Example:
    >>> identity = RunIdentity(seed=7, categories=["text-retrieval"], flatten=False,
    ...                        num_tasks=20, topic="", model_name="m", keep_duplicates=False)
    >>> identity.mismatch(identity.model_copy(update={"seed": 8}))
    'seed: the file was made with 7, this run has 8'
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, Literal

from pydantic import BaseModel

__all__ = ["DONE_STATUSES", "GenerationStatus", "JOURNAL_VERSION", "RunIdentity", "generation_record"]

logger = logging.getLogger(__name__)

JOURNAL_VERSION = 1

GenerationStatus = Literal["ok", "parse_failure", "error"]

#: Statuses a resumed run does not call again.
DONE_STATUSES: frozenset[str] = frozenset({"ok", "parse_failure"})

# Fields that must match to resume, and those that only earn a warning.
_MUST_MATCH = ("seed", "categories", "flatten")
_SHOULD_MATCH = ("num_tasks", "topic", "model_name", "keep_duplicates")


class RunIdentity(BaseModel):
    """What makes the rows of one file belong together (``seed=None``: not chosen yet)."""

    seed: int | None
    categories: list[str]
    flatten: bool
    num_tasks: int
    topic: str
    model_name: str
    keep_duplicates: bool

    def mismatch(self, other: RunIdentity) -> str | None:
        """The first field that forbids resuming ``self``'s file with ``other``, or ``None``.

        Differences in prompt options (``num_tasks``, ``topic``, model, duplicates) are
        logged as warnings only: the rows stay well-formed, just made differently.
        """
        for name in _MUST_MATCH:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "seed" and theirs is None:
                continue  # no seed chosen: the file's is adopted
            if name == "categories":
                mine, theirs = sorted(mine), sorted(theirs)
            if mine != theirs:
                return f"{name}: the file was made with {_show(mine)}, this run has {_show(theirs)}"
        for name in _SHOULD_MATCH:
            if getattr(self, name) != getattr(other, name):
                logger.warning(
                    "resuming with a different %s (file: %r, now: %r); rows will differ in how they were made",
                    name,
                    getattr(self, name),
                    getattr(other, name),
                )
        return None

    def header(self, num_generations: int) -> dict[str, Any]:
        """The ``run`` line that opens a session in the journal."""
        return {
            "kind": "run",
            "version": JOURNAL_VERSION,
            **self.model_dump(),
            "num_generations": num_generations,
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_header(cls, record: dict[str, Any]) -> RunIdentity:
        """Read a ``run`` line back (unknown keys ignored)."""
        return cls.model_validate({key: record.get(key) for key in cls.model_fields})


def _show(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def generation_record(category: str, generation: int, status: GenerationStatus, kept: int = 0) -> dict[str, Any]:
    """The journal line of one finished generation."""
    return {"kind": "generation", "category": category, "generation": generation, "status": status, "kept": kept}
