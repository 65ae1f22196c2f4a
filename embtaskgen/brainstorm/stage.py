"""Stage 1 as the runner sees it: :class:`TaskStage` (the :class:`~embtaskgen.stage.Stage` of the brainstorm).

It plans ``num_generations`` calls per category (``(category, generation)``), calls
them through ``EmbeddingTaskGenerator.caller``, and turns each answer into rows
(:func:`~embtaskgen.brainstorm.assembly.assemble`: cleaned, de-duplicated across the
run by one :class:`~embtaskgen.brainstorm.cleaning.TaskDeduper`, one row per call or,
flattened, per task). Its identity is :class:`~embtaskgen.runs.journal.RunIdentity`;
resume reads its rows back by ``(category, generation)`` (:mod:`embtaskgen.runs.resume`).

Example:
    >>> import dspy
    >>> from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
    >>> gen = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=1, lm=dspy.utils.DummyLM([]))
    >>> gen.stage().plan()
    [('text-retrieval', 0), ('text-retrieval', 1)]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from embtaskgen.brainstorm.assembly import assemble
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.errors import ConfigError
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.journal import RunIdentity, generation_record
from embtaskgen.runs.resume import ExistingRun, check_fresh, read_existing
from embtaskgen.stage import Key, Rows

__all__ = ["TaskStage"]


class TaskStage:
    """The brainstorm's :class:`~embtaskgen.stage.Stage` (see the module docstring).

    Args:
        generator: An ``EmbeddingTaskGenerator`` (categories, seed, prompts, model).
        format_: What the output holds: ``"jsonl"``, or with Ray ``"parquet"`` shards.
    """

    unit = "generations"

    def __init__(self, generator: Any, format_: str = "jsonl") -> None:
        self.generator = generator
        self.settings = settings = generator.settings
        self.format = format_
        self.categories = list(settings.categories)
        self.flatten = settings.flatten
        self.deduper = TaskDeduper.for_run(settings, generator)  # duplicates, precision gate, rejects
        self.identity = RunIdentity.of(generator)

    def plan(self) -> list[Key]:
        """``(category, generation)`` for each category, ``num_generations`` each."""
        return [(c, g) for c in self.categories for g in range(self.settings.num_generations)]

    def names(self, key: Key) -> Key:
        """A row names its generation by the call key itself."""
        return key

    def check(self, executor: str) -> None:
        """The avoid archive (each call depends on the calls before it) cannot run on Ray."""
        if executor == "ray" and self.settings.sequential:
            raise ConfigError(
                "executor='ray' cannot run the avoid archive (each call depends on the calls before it): "
                "use avoid_archive=0 (--avoid-archive 0) or executor='local'"
            )

    def header(self, identity: RunIdentity, planned: int, *, rows_reset: bool) -> dict[str, Any]:
        """The journal's ``run`` line (it records ``num_generations``)."""
        return identity.header(self.settings.num_generations, rows_reset=rows_reset)

    def check_fresh(self, files: RunFiles) -> None:
        """Refuse a new run over a non-empty output or a journal of finished generations."""
        check_fresh(files)

    def read_existing(self, files: RunFiles) -> ExistingRun:
        """Stage 1's rows and journal read back; the tasks in them go back into the de-duplicator."""
        existing = read_existing(files, expected=self.identity, deduper=self.deduper)
        generations = self.settings.num_generations
        beyond = sorted((g, c) for c, g in existing.done if g >= generations)
        if beyond:
            generation, category = beyond[-1]
            where = "the folder" if files.output.name.startswith(".") else "the file"
            path = files.output.parent if where == "the folder" else files.output
            raise ConfigError(
                f"cannot resume {path}: num_generations: {where} holds generation {generation} "
                f"of {category}, more than num_generations={generations} allows"
            )
        return existing

    def caller(self, seed: int, lm: Any) -> Callable[[str, int], CallResult]:
        """``EmbeddingTaskGenerator.caller``: ``(category, generation) -> CallResult``."""
        return self.generator.caller(seed, lm=lm)

    def factory(self, seed: int, cache: bool) -> Any:
        """What each Ray actor builds the caller from."""
        from embtaskgen.runs.ray.callers import GeneratorCalls

        return GeneratorCalls.of(self.generator, seed=seed, cache=cache)

    result_type = CallResult

    def result_key(self, result: CallResult) -> Key:
        """``(category, generation)`` of a result."""
        return (result.category, result.generation)

    def rows(self, result: CallResult, seed: int) -> Rows:
        """The cleaned, de-duplicated rows of one answer."""
        settings = self.settings
        built = assemble(
            result,
            self.deduper,
            model_name=self.generator.model_name,
            seed=seed,
            num_tasks=settings.num_tasks,
            flatten=settings.flatten,
        )
        lines = [json.dumps(row, ensure_ascii=False) for row in built.rows]
        return Rows(lines, kept=built.kept, returned=built.returned, dropped=Counter(built.dropped))

    def row_key(self, row: dict[str, Any]) -> Key:
        """A row names its call by ``category`` and ``generation``."""
        return (str(row["category"]), int(row["generation"]))

    def failure_head(self, key: Key, seed: int) -> dict[str, Any]:
        """``category``, ``generation``, ``seed``."""
        return {"category": key[0], "generation": key[1], "seed": seed}

    def journal_line(self, key: Key, status: str, kept: int) -> dict[str, Any]:
        """A ``generation`` line."""
        return generation_record(key[0], key[1], status, kept)  # type: ignore[arg-type]

    def describe_failure(self, key: Key, details: dict[str, Any]) -> str:
        """``"text-retrieval generation 3 failed (error): ..."``."""
        reason, error = details["reason"], details.get("error", "answer did not parse")
        return f"{key[0]} generation {key[1]} failed ({reason}): {error}"
