"""What a run did and spent: :class:`RunSummary`, and the tallies it is built from.

Example:
    >>> tally = Tally()
    >>> tally.add_usage({"m": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
    >>> tally.usage(), tally.cost()
    ({'prompt_tokens': 10, 'completion_tokens': 5, 'total_tokens': 15}, None)
    >>> tally.add_usage({"openai/gpt-4o-mini": {"prompt_tokens": 1000, "completion_tokens": 100}})
    >>> tally.cost(wait=True)
    0.00021
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from embtaskgen.lm.pricing import price_soon

__all__ = ["RunSummary", "Status", "Tally", "build_summary"]

Status = Literal["complete", "partial", "interrupted", "aborted", "pending"]

_TOKEN_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


class Tally:
    """Counters a run updates as generations finish (the usage and cost part is thread-safe).

    The cost is the tokens each model used, priced by LiteLLM's cost map
    (:func:`embtaskgen.lm.pricing.price_soon`, whichever engine answered): a model's price is
    looked up once, in the background, the first time it reports tokens, so recording a call
    never waits for it; ``None`` while no model used has a price, or while one is still
    being looked up (unless ``wait``).

    Args:
        batch: The calls went through a provider's batch API (or its file format): priced at
            the batch price (:class:`embtaskgen.lm.pricing.Price`).
    """

    def __init__(self, *, batch: bool = False) -> None:
        self.batch = batch
        self.ok = 0
        self.parse_failures = 0
        self.errors = 0
        self.retried = 0
        self.returned = 0
        self.kept = 0
        self.lines = 0
        self.retried_earlier = 0
        self.invalid = 0
        self.dropped: Counter[str] = Counter()
        self.errors_by_type: Counter[str] = Counter()
        self._tokens: Counter[str] = Counter()
        self._by_model: dict[str, list[int]] = {}  # model -> [prompt, completion] tokens
        self._largest_prompt = 0
        self._cost_lock = threading.Lock()

    @property
    def failed(self) -> int:
        """Calls that ended without rows (errors, parse failures and stage 2's invalid examples)."""
        return self.errors + self.parse_failures + self.invalid

    @property
    def calls(self) -> int:
        """Generations that reached a final outcome in this run."""
        return self.ok + self.failed

    def add_usage(self, usage: Mapping[str, Any]) -> None:
        """Add one call's ``prediction.get_lm_usage()`` (per model) to the token totals and the cost."""
        counted = []
        for model, per_model in usage.items():
            values = {key: (per_model or {}).get(key) for key in _TOKEN_KEYS}
            counts = {key: v for key, v in values.items() if isinstance(v, int) and not isinstance(v, bool)}
            counted.append((str(model), counts.get("prompt_tokens", 0), counts.get("completion_tokens", 0), counts))
        with self._cost_lock:
            for model, prompt, completion, counts in counted:
                self._tokens.update(counts)
                self._largest_prompt = max(self._largest_prompt, prompt)
                if not prompt and not completion:
                    continue
                if model not in self._by_model:
                    self._by_model[model] = [0, 0]
                    price_soon(model)
                self._by_model[model][0] += prompt
                self._by_model[model][1] += completion

    def add_cost(self, cost: object) -> None:
        """Ignored: what an engine reports depends on the engine; a call's cost is priced from its usage."""

    @property
    def largest_prompt(self) -> int:
        """The most prompt tokens one call of this run used (0 before the first answer)."""
        with self._cost_lock:
            return self._largest_prompt

    def usage(self) -> dict[str, int]:
        """Token totals: prompt, completion, total."""
        with self._cost_lock:
            return {key: int(self._tokens[key]) for key in _TOKEN_KEYS}

    def cost(self, *, wait: bool = False) -> float | None:
        """Cost in USD of the tokens of the models with a price; ``None`` when none has one.

        Args:
            wait: Wait for prices still being looked up (the summary and ``max_cost`` do);
                without it, a price not known yet makes the cost ``None`` (the bar shows none).
        """
        with self._cost_lock:
            used = [(model, prompt, completion) for model, (prompt, completion) in self._by_model.items()]
        total, priced = 0.0, False
        for model, prompt, completion in used:
            future = price_soon(model)
            if not wait and not future.done():
                return None
            price = future.result()
            if price is not None:
                total += price.cost(prompt, completion, batch=self.batch)
                priced = True
        return round(total, 6) if priced else None


class RunSummary(BaseModel):
    """The outcome of :func:`embtaskgen.run`; also written to ``<output>.summary.json``.

    Attributes:
        status: ``complete``, ``partial`` (some failed with errors; resume), ``interrupted``, ``aborted``
            or ``pending`` (batch requests written, rows to come from their answers).
        message: One sentence on why a run stopped early ("" when complete).
        output: The JSONL file (``None`` when rows went to stdout).
        seed: The run seed (drawn and recorded when none was given).
        categories: Categories of the run.
        flatten: One row per task.
        model_name: The model every row names.
        planned: Generations the file should hold in the end (categories x generations).
        skipped: Generations found done in the file when resuming.
        calls: Generations that reached an outcome in this run (``ok + failed``).
        ok: Generations that returned a list of tasks.
        failed: Generations without one (``errors + parse_failures + invalid``; the exit status
            counts only errors and parse failures).
        errors: Generations whose call raised after all retries (a resume tries them again).
        parse_failures: Generations whose answer did not parse as a list.
        invalid: Stage 2: examples that parsed but failed a validity check (final; reasons in ``dropped``).
        retried: Extra attempts made by the run after transient errors.
        remaining: Generations still missing from the file (resume to run them).
        retried_earlier: Generations that had failed in an earlier session, tried once more (last).
        tasks: Tasks written in this run.
        returned: Items the model returned in this run, before cleaning.
        duplicates: Items dropped as duplicates of earlier tasks.
        dropped: Items dropped, per reason.
        rows: JSONL lines written in this run.
        total_rows: JSONL lines in the output file after this run (every session).
        total_tasks: Tasks in the output file after this run (every session).
        usage: Token totals of the calls made in this run.
        cost: Cost in USD of the calls made in this run, their usage priced from LiteLLM's cost
            map (:mod:`embtaskgen.lm.pricing`); ``None`` for a model LiteLLM has no price for.
        max_cost: The ``max_cost`` cap of this run, in USD (``None``: none).
        seconds: Wall time of the run.
        calls_per_second: ``calls / seconds``.
        concurrency: Calls that were kept in flight.
        errors_by_type: Count of failed generations per exception type.
    """

    status: Status = "complete"
    message: str = ""
    output: str | None = None
    seed: int
    categories: list[str]
    flatten: bool
    model_name: str
    planned: int
    skipped: int = 0
    calls: int = 0
    ok: int = 0
    failed: int = 0
    errors: int = 0
    parse_failures: int = 0
    invalid: int = 0
    retried: int = 0
    remaining: int = 0
    retried_earlier: int = 0
    tasks: int = 0
    returned: int = 0
    duplicates: int = 0
    dropped: dict[str, int] = Field(default_factory=dict)
    rows: int = 0
    total_rows: int = 0
    total_tasks: int = 0
    usage: dict[str, int] = Field(default_factory=dict)
    cost: float | None = None
    max_cost: float | None = None
    seconds: float = 0.0
    calls_per_second: float = 0.0
    concurrency: int = 1
    errors_by_type: dict[str, int] = Field(default_factory=dict)

    def to_json(self, indent: int | None = 2) -> str:
        """The summary as a JSON string."""
        return self.model_dump_json(indent=indent)


def build_summary(session: Any, seconds: float, workers: int, outcome: Any) -> RunSummary:
    """The summary of one session (a :class:`~embtaskgen.runs.session.Session`) from its tally.

    Stage 2's invalid examples count as final, like parse failures (they are in the
    failures file, not retried), and appear in ``errors_by_type`` as ``InvalidExample``.
    """
    tally, stage, existing, message = session.tally, session.stage, session.existing, outcome.message
    remaining = session.planned - session.skipped - tally.ok - tally.parse_failures - tally.invalid
    if outcome.stopped:
        status = outcome.stopped
    elif remaining:
        status = "partial"
        message = f"{remaining} {stage.unit} failed with errors; resume to try them again"
    else:
        status = "complete"
    errors_by_type: Counter[str] = Counter(tally.errors_by_type)
    if tally.invalid:
        errors_by_type["InvalidExample"] += tally.invalid
    counted = ("calls", "ok", "failed", "errors", "parse_failures", "invalid", "retried", "retried_earlier")
    return RunSummary(
        status=cast(Status, status),
        message=message,
        output=str(session.files.output) if session.files is not None else None,
        seed=session.identity.seed,
        categories=list(stage.categories),
        flatten=stage.flatten,
        model_name=session.identity.model_name or "",
        planned=session.planned,
        skipped=session.skipped,
        remaining=remaining,
        tasks=tally.kept,
        returned=tally.returned + tally.invalid,
        duplicates=tally.dropped["duplicate_exact"] + tally.dropped["duplicate_normalised"],
        dropped={key: value for key, value in tally.dropped.items() if value},
        rows=tally.lines,
        total_rows=existing.rows + tally.lines,
        total_tasks=existing.tasks + tally.kept,
        usage=tally.usage(),
        cost=tally.cost(wait=True),
        max_cost=getattr(session, "max_cost", None),
        seconds=round(seconds, 3),
        calls_per_second=round(tally.calls / seconds, 3) if seconds > 0 else 0.0,
        concurrency=workers,
        errors_by_type=dict(errors_by_type),
        **{name: getattr(tally, name) for name in counted},
    )
