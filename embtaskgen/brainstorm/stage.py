"""Stage 1 as the runner sees it: :class:`TaskStage`, and :class:`RunIdentity`, the settings its rows depend on.

``num_generations`` calls per category, keyed ``(category, generation)``; each answer
becomes rows cleaned and de-duplicated across the run (one per call or, flattened, per task).

Example:
    >>> import dspy
    >>> from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
    >>> gen = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=1, lm=dspy.utils.DummyLM([]))
    >>> gen.stage().plan()
    [('text-retrieval', 0), ('text-retrieval', 1)]
    >>> identity = RunIdentity(seed=7, categories=["text-retrieval"], flatten=False)
    >>> identity.mismatch(identity.model_copy(update={"seed": 8}))
    'seed: the file was made with 7, this run has 8'
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from embtaskgen.brainstorm.assembly import assemble
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.lm.adapter_choice import adapter_label
from embtaskgen.programs.files import prompt_fingerprint
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.journal import GeneratorIdentity
from embtaskgen.runs.resume import ExistingRun, check_fresh, read_existing
from embtaskgen.signatures.topics import TOPICS
from embtaskgen.stage import Key, Rows

__all__ = ["RunIdentity", "TaskStage", "pool_fingerprint"]

#: 2: the run line records every setting that shapes the rows (1: seed, categories,
#: flatten, num_tasks, topic, model_name, keep_duplicates).
JOURNAL_VERSION = 2

# Every field must match to resume, in this order of reporting. A field an older
# journal does not record is unknown: a warning, not a refusal.
_MUST_MATCH = (
    "seed",
    "categories",
    "flatten",
    "model_name",
    "api_base",
    "program",
    "num_tasks",
    "topic",
    "temperature",
    "max_tokens",
    "no_repeat",
    "frequency_penalty",
    "presence_penalty",
    "adapter",
    "topic_pool",
    "few_shot",
    "avoid_archive",
    "keep_duplicates",
)

_HINTS = {
    "program": " (the prompts differ: another --program, or a program file that changed)",
    "topic_pool": " (--topics)",
    "few_shot": " (--few-shot)",
    "avoid_archive": " (--avoid-archive)",
    "no_repeat": " (--no-repeat)",
    "frequency_penalty": " (--frequency-penalty)",
    "presence_penalty": " (--presence-penalty)",
    "adapter": " (--adapter)",
}


class TaskStage:
    """The brainstorm's :class:`~embtaskgen.stage.Stage` (see the module docstring)."""

    unit = "generations"
    journal_kind = "generation"
    journal_stage = None
    final = frozenset({"parse_failure"})
    keyed_rows = True

    def __init__(self, generator: Any, format_: str = "jsonl") -> None:
        self.generator = generator
        self.settings = settings = generator.settings
        self.format = format_
        self.categories = list(settings.categories)
        self.flatten = self.cut_unconfirmed = settings.flatten
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

    def inputs(self) -> list[tuple[str, str]]:
        """``topic`` and each topic of the pool."""
        pool = self.settings.topic_pool or ()
        return [("topic", self.settings.topic), *((f"topic {n + 1} of the pool", t) for n, t in enumerate(pool))]

    def header(self, identity: RunIdentity, planned: int, *, rows_reset: bool) -> dict[str, Any]:
        """The journal's ``run`` line (it records ``num_generations``)."""
        return identity.header(self.settings.num_generations, rows_reset=rows_reset)

    def check_fresh(self, files: RunFiles) -> None:
        """Refuse a new run over a non-empty output or a journal of finished generations."""
        check_fresh(files)

    def read_existing(self, files: RunFiles) -> ExistingRun:
        """Stage 1's rows and journal read back; the tasks in them go back into the de-duplicator."""
        existing = read_existing(files, self)
        generations = self.settings.num_generations
        beyond = sorted((g, c) for c, g in existing.done if g >= generations)
        if beyond:
            generation, category = beyond[-1]
            where = "the folder" if files.output.is_dir() else "the file"
            raise ConfigError(
                f"cannot resume {files.output}: num_generations: {where} holds generation {generation} "
                f"of {category}, more than num_generations={generations} allows"
            )
        return existing

    def read_row(self, row: dict[str, Any], where: str) -> tuple[Key, list[str]]:
        """The key and tasks of an earlier row, checked for shape and category."""
        flatten = self.flatten
        shape, other = ("task", "tasks") if flatten else ("tasks", "task")
        if shape not in row:
            made = {"task": "one row per task (flattened)", "tasks": "one row per call (not flattened)"}.get(
                other if other in row else "", "rows of another kind"
            )
            raise ResumeError(f"{where}: flatten: the file has {made}, this run has flatten={flatten}")
        category = row.get("category")
        if category not in self.categories:
            categories = ", ".join(sorted(self.categories))
            raise ResumeError(f"{where}: categories: the file holds {category!r}, this run has {categories}")
        try:
            tasks = [str(row["task"])] if flatten else [str(task) for task in row["tasks"]]
            return self.row_key(row), tasks
        except (KeyError, TypeError, ValueError) as exc:
            raise ResumeError(f"{where}: not a row of a run ({exc!r} missing or malformed)") from exc

    def restore(self, tasks: list[str]) -> None:
        """Tasks already written go back into the de-duplicator (a resume drops the same duplicates)."""
        self.deduper.clean(tasks)

    def caller(self, seed: int, lm: Any) -> Callable[[str, int], CallResult]:
        """``EmbeddingTaskGenerator.caller``: ``(category, generation) -> CallResult``."""
        return self.generator.caller(seed, lm=lm)

    def factory(self, seed: int) -> Any:
        """What each Ray actor builds the caller from."""
        from embtaskgen.runs.ray.callers import GeneratorCalls

        return GeneratorCalls.of(self.generator, seed=seed)

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
        return {"kind": "generation", "category": key[0], "generation": key[1], "status": status, "kept": kept}

    def describe_failure(self, key: Key, details: dict[str, Any]) -> str:
        """``"text-retrieval generation 3 failed (error): ..."``."""
        reason, error = details["reason"], details.get("error", "answer did not parse")
        return f"{key[0]} generation {key[1]} failed ({reason}): {error}"


class RunIdentity(GeneratorIdentity):
    """Every setting that shapes the rows of one file (``seed=None``: not chosen yet).

    Read from a journal, the fields its run lines did not record are unknown (not in
    ``model_fields_set``); :meth:`mismatch` warns about those instead of refusing.
    """

    run_head: ClassVar[dict[str, Any]] = {"version": JOURNAL_VERSION}
    planned_as: ClassVar[str] = "num_generations"
    must_match: ClassVar[tuple[str, ...]] = _MUST_MATCH
    hints: ClassVar[dict[str, str]] = _HINTS
    warn_unknown: ClassVar[bool] = True

    categories: list[str]
    flatten: bool
    num_tasks: int | None = None
    topic: str | None = None
    keep_duplicates: bool | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    adapter: str | None = None
    topic_pool: str | None = None
    few_shot: int | None = None
    avoid_archive: int | None = None

    @classmethod
    def of(cls, generator: Any) -> RunIdentity:
        """The identity of the rows ``generator`` writes (its seed may be ``None``)."""
        settings = generator.settings
        same = ["flatten", "num_tasks", "topic", "keep_duplicates", "frequency_penalty", "presence_penalty"]
        same += ["few_shot", "avoid_archive"]
        return cls(
            **cls.values_of(generator, prompt_fingerprint(generator)),
            categories=list(settings.categories),
            adapter=adapter_label(settings.adapter),
            topic_pool=pool_fingerprint(settings.topic_pool),
            **{name: getattr(settings, name) for name in same},
        )

    @staticmethod
    def show(value: object) -> str:
        """A list as its items, ``None`` as the default, a string quoted."""
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if value is None:
            return "none (the default)"
        if isinstance(value, str):
            return repr(value)
        return str(value)


def pool_fingerprint(pool: Sequence[str] | None) -> str | None:
    """A short, comparable description of a topic pool (``None``: the lever is off).

    Example:
        >>> pool_fingerprint(None), pool_fingerprint(["law", "sports"])
        (None, '2 topics, sha256 35e7c9f2b71b')
    """
    if pool is None:
        return None
    digest = hashlib.sha256("\x1f".join(pool).encode("utf-8", "replace")).hexdigest()[:12]
    prefix = "built-in pool, " if tuple(pool) == tuple(TOPICS) else ""
    return f"{prefix}{len(pool)} topics, sha256 {digest}"
