"""Stage 2 as the runner sees it: :class:`ExampleStage`.

One call per planned example, keyed ``(kind, position in the plan)``; a valid answer
becomes a row (or a sentence-transformers record), an invalid one a failure line (final,
like a parse failure). Its journal's run line says ``"stage": "examples"``, then one
``example`` line per finished example. On resume, JSONL rows must be of a planned task
with the same text; sentence-transformers records do not name their example, so the
journal's ``ok`` lines do, in order (on Ray, write rows and convert them afterwards).

Example:
    >>> from embtaskgen.examples.generator import EmbeddingExampleGenerator
    >>> gen = EmbeddingExampleGenerator(kinds="sts", count=2, seed=1, lm="openai/m")
    >>> gen.stage(None).plan()
    [('sts', 0), ('sts', 1)]"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.examples.assembly import example_row
from embtaskgen.examples.call import ExampleResult, PlannedExample
from embtaskgen.examples.resume import ExampleRunIdentity, check_fresh_examples
from embtaskgen.examples.st_format import to_sentence_transformers
from embtaskgen.examples.validity import check_example
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.resume import ExistingRun, read_existing
from embtaskgen.stage import Key, Rows

__all__ = ["EXAMPLE_FORMATS", "ExampleStage"]

#: What a local run's output file holds: example rows, or sentence-transformers records.
EXAMPLE_FORMATS = ("jsonl", "sentence-transformers")


class ExampleStage:
    """The examples' :class:`~embtaskgen.stage.Stage` over ``generator.plan(tasks)`` (see the module docstring)."""

    unit = "examples"
    flatten = True
    result_type = ExampleResult
    journal_kind = "example"
    journal_stage = "examples"
    final = frozenset({"parse_failure", "invalid"})
    cut_unconfirmed = False

    def __init__(self, generator: Any, plan: Sequence[PlannedExample], format_: str = "jsonl") -> None:
        self.generator = generator
        self.planned = list(plan)
        self.position = {(item.task_id, item.index): n for n, item in enumerate(self.planned)}
        self.format = format_
        self.categories = list(generator.settings.kinds)
        self.identity = ExampleRunIdentity.of(generator, "sentence-transformers" if self.st else "jsonl")
        self.keyed_rows = not self.st  # records do not name their example: the journal's ok lines do

    @property
    def st(self) -> bool:
        """The output holds sentence-transformers records."""
        return self.format == "sentence-transformers"

    def plan(self) -> list[Key]:
        """``(kind, position)`` of every planned example."""
        return [(item.kind, n) for n, item in enumerate(self.planned)]

    def names(self, key: Key) -> tuple[str, int]:
        """``(task_id, example_index)`` of the planned example."""
        planned = self.planned[key[1]]
        return (planned.task_id, planned.index)

    def inputs(self) -> list[tuple[str, str]]:
        """Each planned task."""
        return [(f"task {item.task_id!r}", item.instruction) for item in self.planned]

    def check(self, executor: str) -> None:
        """The formats each executor writes."""
        if executor == "ray" and self.format not in ("jsonl", "parquet"):
            raise ConfigError(
                f"executor='ray' writes example rows as jsonl or parquet shards, got format={self.format!r}; convert "
                "the rows afterwards with embtaskgen.to_sentence_transformers"
            )
        if executor == "local" and self.format not in EXAMPLE_FORMATS:
            raise ConfigError(f"format must be one of {', '.join(EXAMPLE_FORMATS)}, got {self.format!r}")

    def header(self, identity: ExampleRunIdentity, planned: int, *, rows_reset: bool) -> dict[str, Any]:
        """The journal's ``run`` line (``"stage": "examples"``)."""
        return identity.header(planned, rows_reset=rows_reset)

    def check_fresh(self, files: RunFiles) -> None:
        """Refuse a new run over an earlier one's output or journal."""
        check_fresh_examples(files)

    def read_existing(self, files: RunFiles) -> ExistingRun:
        """Stage 2's rows (or records, by the journal) read back."""
        return read_existing(files, self)

    def read_row(self, row: dict[str, Any], where: str) -> tuple[Key, list[str]]:
        """The key of an earlier row, checked to be a planned example with the same task text."""
        try:
            key = self.row_key(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise ResumeError(f"{where}: not an example row ({exc!r} missing or malformed)") from exc
        n = self.position.get(key)
        if n is None or row.get("task") != self.planned[n].instruction:
            raise ResumeError(
                f"{where}: tasks: the row is example {key[1]} of task {key[0]!r}, "
                "which this run does not plan with that text (another task file?)"
            )
        return key, [row["task"]]

    def restore(self, tasks: list[str]) -> None:
        """Stage 2 keeps no de-duplicator."""

    def caller(self, seed: int, lm: Any) -> Callable[[str, int], ExampleResult]:
        """``EmbeddingExampleGenerator.caller``: ``(kind, position) -> ExampleResult``."""
        return self.generator.caller(self.planned, seed, lm=lm)

    def factory(self, seed: int) -> Any:
        """What each Ray actor builds the caller from (the plan travels with it)."""
        from embtaskgen.runs.ray.callers import GeneratorCalls

        return GeneratorCalls.of(self.generator, seed=seed, plan=self.planned)

    def result_key(self, result: ExampleResult) -> Key:
        """``(kind, position)`` of a result."""
        return (result.kind, self.position[(result.task_id, result.index)])

    def rows(self, result: ExampleResult, seed: int) -> Rows:
        """The row of a valid example, or the failure details of an invalid one."""
        planned = self.planned[self.position[(result.task_id, result.index)]]
        invalid = check_example(planned.kind, result.outputs or {}, result.attributes)
        if invalid:
            raw = json.dumps(result.outputs, ensure_ascii=False)
            details = {"reason": "invalid", "reasons": invalid, "rollout_id": result.rollout_id}
            details.update(attributes=result.attributes, raw_output=raw)  # the recorder caps and redacts it
            return Rows([], dropped=Counter(invalid), invalid=details)
        row = example_row(planned, result, model_name=self.generator.model_name, seed=seed)
        if self.st:
            row = next(iter(to_sentence_transformers([row]).values()))[0]
        return Rows([json.dumps(row, ensure_ascii=False)], kept=1, returned=1)

    def row_key(self, row: dict[str, Any]) -> tuple[str, int]:
        """A row names its example by ``task_id`` and ``example_index``."""
        return (str(row["task_id"]), int(row["example_index"]))

    def failure_head(self, key: Key, seed: int) -> dict[str, Any]:
        """``kind``, ``category``, ``task_id``, ``example_index``, ``seed``."""
        planned = self.planned[key[1]]
        return {
            "kind": planned.kind,
            "category": planned.category or planned.kind,
            "task_id": planned.task_id,
            "example_index": planned.index,
            "seed": seed,
        }

    def journal_line(self, key: Key, status: str, kept: int) -> dict[str, Any]:
        """An ``example`` line."""
        planned = self.planned[key[1]]
        return {"kind": "example", "task_id": planned.task_id, "example_index": planned.index, "status": status}

    def describe_failure(self, key: Key, details: dict[str, Any]) -> str:
        """``"sts example 3 of sts failed (invalid)"``."""
        planned = self.planned[key[1]]
        return f"{planned.kind} example {planned.index} of {planned.task_id} failed ({details['reason']})"
