"""Stage-2 runs: write and count each example's outcome (row, journal line, failure line).

The scheduler's recorder for :func:`embtaskgen.runs.example_runner.run_examples`. A
parsed answer is checked (:func:`embtaskgen.examples.validity.check_example`): a valid
example becomes a row (or a sentence-transformers record), then its journal line; an
invalid one goes to the failures file with its outputs as the raw text and its reasons,
like a parse failure, and is counted per reason in ``dropped``. Raw text and error
messages are sanitised and redacted as in stage 1 (:func:`embtaskgen.runs.recorder.safe_text`).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from typing import Any

from embtaskgen.examples.assembly import example_row
from embtaskgen.examples.call import ExampleResult, PlannedExample
from embtaskgen.examples.st_format import to_sentence_transformers
from embtaskgen.examples.validity import check_example
from embtaskgen.execute.faults import describe_error
from embtaskgen.runs.progressbar import Bar
from embtaskgen.runs.recorder import ERROR_LIMIT, RAW_LIMIT, safe_text
from embtaskgen.runs.summary import Tally

__all__ = ["ExampleRecorder", "ExampleTally"]

logger = logging.getLogger(__name__)


class ExampleTally(Tally):
    """Stage 1's counters plus the invalid examples (final, like parse failures)."""

    def __init__(self) -> None:
        super().__init__()
        self.invalid = 0

    @property
    def failed(self) -> int:
        return self.errors + self.parse_failures + self.invalid


class ExampleRecorder:
    """Writes and counts the outcomes of one examples run (the scheduler's recorder)."""

    def __init__(
        self,
        *,
        plan: Sequence[PlannedExample],
        output: Any,
        journal: Any,
        failures: Any,
        tally: ExampleTally,
        bar: Bar,
        model_name: str,
        seed: int,
        format_: str,
        secrets: Sequence[str],
    ) -> None:
        self.plan = plan
        self.position = {(item.task_id, item.index): n for n, item in enumerate(plan)}
        self.output, self.journal, self.failures = output, journal, failures
        self.tally, self.bar = tally, bar
        self.model_name, self.seed, self.format, self.secrets = model_name, seed, format_, tuple(secrets)

    def ok(self, result: ExampleResult) -> None:
        planned = self.plan[self.position[(result.task_id, result.index)]]
        self.tally.add_usage(result.usage)
        invalid = check_example(planned.kind, result.outputs or {}, result.attributes)
        if invalid:
            raw = json.dumps(result.outputs, ensure_ascii=False)
            self._failure(
                planned,
                {
                    "reason": "invalid",
                    "reasons": invalid,
                    "rollout_id": result.rollout_id,
                    "attributes": result.attributes,
                    "raw_output": safe_text(raw, self.secrets, RAW_LIMIT),
                    "raw_truncated": len(raw) > RAW_LIMIT,
                },
                1,
            )
            self._journal(planned, "invalid")
            self.tally.invalid += 1
            self.tally.dropped.update(invalid)
            self._advance()
            return
        row = example_row(planned, result, model_name=self.model_name, seed=self.seed)
        if self.format == "sentence-transformers":
            row = to_sentence_transformers([row])[0]
        self.output.write_lines([json.dumps(row, ensure_ascii=False)])
        self.tally.ok += 1
        self.tally.returned += 1
        self.tally.kept += 1
        self.tally.lines += 1
        self._journal(planned, "ok")
        self._advance()

    def parse_failure(self, result: ExampleResult, attempts: int) -> None:
        planned = self.plan[self.position[(result.task_id, result.index)]]
        raw = result.raw_output or ""
        self._failure(
            planned,
            {
                "reason": "parse_failure",
                "rollout_id": result.rollout_id,
                "attributes": result.attributes,
                "raw_output": safe_text(raw, self.secrets, RAW_LIMIT),
                "raw_truncated": len(raw) > RAW_LIMIT,
            },
            attempts,
        )
        self._journal(planned, "parse_failure")
        self.tally.parse_failures += 1
        self.tally.errors_by_type["AdapterParseError"] += 1
        self.tally.add_usage(result.usage)
        self._advance()

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None:
        planned = self.plan[generation]
        details: dict[str, Any] = {"reason": "error"}
        for key, value in describe_error(error).items():
            details[key] = safe_text(value, self.secrets, ERROR_LIMIT) if isinstance(value, str) else value
        self._failure(planned, details, attempts)
        self._journal(planned, "error")
        self.tally.errors += 1
        self.tally.errors_by_type[type(error).__name__] += 1
        self._advance()

    def _failure(self, planned: PlannedExample, details: dict[str, Any], attempts: int) -> None:
        record = {
            "kind": planned.kind,
            "category": planned.category or planned.kind,
            "task_id": planned.task_id,
            "example_index": planned.index,
            "seed": self.seed,
            **details,
            "attempts": attempts,
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        if self.failures is not None:
            self.failures.write_records([record])
        logger.info("%s example %d of %s failed (%s)", planned.kind, planned.index, planned.task_id, details["reason"])

    def _journal(self, planned: PlannedExample, status: str) -> None:
        if self.journal is not None:
            self.journal.write_records(
                [{"kind": "example", "task_id": planned.task_id, "example_index": planned.index, "status": status}]
            )

    def _advance(self) -> None:
        tally = self.tally
        self.bar.update(1)
        self.bar.set_postfix(ok=tally.ok, failed=tally.failed, refresh=False)
