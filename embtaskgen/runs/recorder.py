"""Record each call's outcome, for either stage: rows, then journal line, failure line, counts, bar.

All writes happen on the run's own thread, rows before the journal line, so that resume
can trust what it reads; the stage says what a result's rows are. What a model or a
server said is untrusted: an answer loses the keys the run holds before its rows are
built (a server may echo the ``Authorization`` header), and failure and log lines keep
it sanitised, capped and redacted.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from embtaskgen.execute.faults import describe_error
from embtaskgen.lm.untrusted import held_secrets, redact, redact_result, sanitize_text
from embtaskgen.runs.progressbar import Bar
from embtaskgen.runs.summary import Tally
from embtaskgen.stage import Key, Stage

__all__ = ["ERROR_LIMIT", "RAW_LIMIT", "Recorder", "Sink", "raw_fields", "safe_text"]

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


def raw_fields(raw: str, secrets: Sequence[str]) -> dict[str, Any]:
    """A failure line's ``raw_output`` (sanitised, capped, redacted) and ``raw_truncated``."""
    return {"raw_output": safe_text(raw, secrets, RAW_LIMIT), "raw_truncated": len(raw) > RAW_LIMIT}


class Sink(Protocol):
    """Where lines go: a file (:class:`~embtaskgen.runs.files.LineWriter`) or a stream."""

    def write_lines(self, lines: list[str]) -> None: ...

    def write_records(self, records: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class Recorder:
    """Writes and counts the outcomes of one run (the scheduler's recorder).

    ``journal`` and ``failures`` are ``None`` when rows go to stdout (failures are then
    logged only); ``secrets`` are redacted besides the environment's keys.
    """

    def __init__(
        self,
        stage: Stage,
        *,
        output: Any,
        journal: Any,
        failures: Any,
        tally: Tally,
        bar: Bar,
        seed: int,
        secrets: Sequence[str] = (),
    ) -> None:
        self.stage = stage
        self.output, self.journal, self.failures = output, journal, failures
        self.tally, self.bar, self.seed, self.secrets = tally, bar, seed, tuple(secrets)
        self._held = held_secrets(self.secrets)

    def ok(self, result: Any) -> None:
        """A call that parsed: write its rows, then its journal line (or record why it is invalid)."""
        result = redact_result(result, self._held)
        key = self.stage.result_key(result)
        built = self.stage.rows(result, self.seed)
        tally = self.tally
        if built.invalid is not None:
            tally.add_usage(result.usage)
            raw = str(built.invalid.pop("raw_output", ""))
            self._failure(key, {**built.invalid, **raw_fields(raw, self.secrets)}, 1)
            self._journal(key, "invalid")
            tally.invalid += 1
            tally.dropped.update(built.dropped)
            self._advance()
            return
        self.output.write_lines(built.lines)
        tally.ok += 1
        tally.returned += built.returned
        tally.kept += built.kept
        tally.lines += len(built.lines)
        tally.dropped.update(built.dropped)
        tally.add_usage(result.usage)
        self._journal(key, "ok", built.kept)
        self._advance()

    def parse_failure(self, result: Any, attempts: int) -> None:
        """A call whose answer did not parse (final: the same seed gives the same answer)."""
        key = self.stage.result_key(result)
        details = {"reason": "parse_failure", "rollout_id": result.rollout_id}
        if hasattr(result, "attributes"):
            details["attributes"] = result.attributes
        self._failure(key, {**details, **raw_fields(result.raw_output or "", self.secrets)}, attempts)
        self._journal(key, "parse_failure")
        self.tally.parse_failures += 1
        self.tally.errors_by_type["AdapterParseError"] += 1
        self.tally.add_usage(result.usage)
        self._advance()

    def error(self, label: str, index: int, error: BaseException, attempts: int) -> None:
        """A call that raised after every retry (a resume tries it again)."""
        details: dict[str, Any] = {"reason": "error"}
        for name, value in describe_error(error).items():
            details[name] = safe_text(value, self.secrets, ERROR_LIMIT) if isinstance(value, str) else value
        self._failure((label, index), details, attempts)
        self._journal((label, index), "error")
        self.tally.errors += 1
        self.tally.errors_by_type[str(details["error_type"])] += 1
        self._advance()

    def _failure(self, key: Key, details: dict[str, Any], attempts: int) -> None:
        record = {
            **self.stage.failure_head(key, self.seed),
            **details,
            "attempts": attempts,
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        if self.failures is not None:
            self.failures.write_records([record])
        logger.info("%s", self.stage.describe_failure(key, details))

    def _journal(self, key: Key, status: str, kept: int = 0) -> None:
        if self.journal is not None:
            self.journal.write_records([self.stage.journal_line(key, status, kept)])

    def _advance(self) -> None:
        tally = self.tally
        self.bar.update(1)
        counts: dict[str, int | str] = {"ok": tally.ok, "failed": tally.failed}
        if self.stage.unit == "generations":
            counts["tasks"] = tally.kept
        cost = tally.cost()
        if cost is not None:  # priced from usage (LiteLLM's cost map), the summary's figure
            counts["cost"] = f"${cost:.4f}"
        self.bar.set_postfix(**counts, refresh=False)
