"""Record each generation's outcome: rows, journal line, failure line, counts, bar.

All writes happen on the run's own thread, one generation at a time: its rows in one
write to the output, then its journal line (see :mod:`.journal`), so that resume can
trust what it reads.

What a model or a server said is untrusted (:mod:`embtaskgen.lm.untrusted`): a failure
line keeps the raw answer through ``sanitize_text`` (capped) and the error message
through ``redact`` (API keys of the environment and of the run's LM, ``Authorization``
values, ``sk-`` tokens), and so do the log lines.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from embtaskgen.brainstorm.assembly import assemble
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.execute.faults import describe_error
from embtaskgen.lm.untrusted import redact, sanitize_text
from embtaskgen.runs.journal import generation_record
from embtaskgen.runs.progressbar import Bar
from embtaskgen.runs.summary import Tally

__all__ = ["Recorder", "Sink", "safe_text"]

logger = logging.getLogger(__name__)

#: Longest raw model answer kept in a failure line.
RAW_LIMIT = 4000

#: Longest error message kept in a failure line.
ERROR_LIMIT = 2000


def safe_text(text: object, secrets: Sequence[str] = (), max_chars: int | None = None) -> str:
    """``text`` fit to store: UTF-8-safe, capped, secrets redacted.

    Example:
        >>> safe_text("401 for key sk-abcdefghijklmnop", secrets=())
        '401 for key [REDACTED]'
    """
    return redact(sanitize_text(str(text), max_chars=max_chars), secrets=tuple(secrets))


class Sink(Protocol):
    """Where lines go: a file (:class:`~embtaskgen.runs.files.LineWriter`) or a stream."""

    def write_lines(self, lines: list[str]) -> None: ...

    def write_records(self, records: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class Recorder:
    """Writes and counts the outcomes of one run.

    Args:
        output: Sink of the rows.
        journal: Sink of the journal lines (``None``: rows go to stdout, no resume).
        failures: Sink of the failure lines (``None``: failures are logged only).
        deduper: The run's de-duplicator.
        tally: The run's counters.
        bar: The progress bar.
        model_name: ``model_name`` of every row.
        seed: The run seed.
        num_tasks: Tasks asked for per call.
        flatten: One row per task.
        secrets: Keys to redact besides the environment's (the run's LM's API key).
    """

    def __init__(
        self,
        *,
        output: Sink,
        journal: Sink | None,
        failures: Sink | None,
        deduper: TaskDeduper,
        tally: Tally,
        bar: Bar,
        model_name: str,
        seed: int,
        num_tasks: int,
        flatten: bool,
        secrets: Sequence[str] = (),
    ) -> None:
        self.output = output
        self.journal = journal
        self.failures = failures
        self.deduper = deduper
        self.tally = tally
        self.bar = bar
        self.model_name = model_name
        self.seed = seed
        self.num_tasks = num_tasks
        self.flatten = flatten
        self.secrets = tuple(secrets)

    def ok(self, result: CallResult) -> None:
        """A call that returned a list: write its rows, then its journal line."""
        built = assemble(
            result,
            self.deduper,
            model_name=self.model_name,
            seed=self.seed,
            num_tasks=self.num_tasks,
            flatten=self.flatten,
        )
        self.output.write_lines([json.dumps(row, ensure_ascii=False) for row in built.rows])
        tally = self.tally
        tally.ok += 1
        tally.returned += built.returned
        tally.kept += built.kept
        tally.lines += len(built.rows)
        tally.dropped.update(built.dropped)
        tally.add_usage(result.usage)
        self._journal(result.category, result.generation, "ok", built.kept)
        self._advance()

    def parse_failure(self, result: CallResult, attempts: int) -> None:
        """A call whose answer was not a list of strings."""
        raw = result.raw_output or ""
        self._failure(
            result.category,
            result.generation,
            {
                "reason": "parse_failure",
                "rollout_id": result.rollout_id,
                "raw_output": safe_text(raw, self.secrets, RAW_LIMIT),
                "raw_truncated": len(raw) > RAW_LIMIT,
            },
            attempts,
        )
        self._journal(result.category, result.generation, "parse_failure")
        self.tally.parse_failures += 1
        self.tally.errors_by_type["AdapterParseError"] += 1
        self.tally.add_usage(result.usage)
        self._advance()

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None:
        """A call that raised after every retry."""
        details: dict[str, Any] = {"reason": "error"}
        for key, value in describe_error(error).items():
            details[key] = safe_text(value, self.secrets, ERROR_LIMIT) if isinstance(value, str) else value
        self._failure(category, generation, details, attempts)
        self._journal(category, generation, "error")
        self.tally.errors += 1
        self.tally.errors_by_type[type(error).__name__] += 1
        self._advance()

    def _failure(self, category: str, generation: int, details: dict[str, Any], attempts: int) -> None:
        record = {
            "category": category,
            "generation": generation,
            "seed": self.seed,
            **details,
            "attempts": attempts,
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        if self.failures is not None:
            self.failures.write_records([record])
        logger.info(
            "%s generation %d failed (%s): %s",
            category,
            generation,
            details["reason"],
            details.get("error", "answer did not parse"),
        )

    def _journal(self, category: str, generation: int, status: Any, kept: int = 0) -> None:
        if self.journal is not None:
            self.journal.write_records([generation_record(category, generation, status, kept)])

    def _advance(self) -> None:
        tally = self.tally
        self.bar.update(1)
        self.bar.set_postfix(ok=tally.ok, failed=tally.failed, tasks=tally.kept, refresh=False)
