"""The Ray Data actor that makes a batch of planned calls, with the local scheduler inside.

Each actor builds its call function once from a picklable factory (the model spec, never
a live model), runs every batch through :func:`embtaskgen.execute.scheduler.schedule`
(``threads`` calls in flight, the run's retry policy) and writes nothing: it returns one
outcome row per job (``ok``, ``parse_failure`` or ``error``, the attempts, the result or
error as JSON), which the driver records as the local runner does.

Example:
    >>> from embtaskgen.brainstorm.call_result import CallResult
    >>> class Factory:
    ...     def build(self):
    ...         return (lambda job: CallResult(job.category, job.generation, 1, items=["t"])), {}
    >>> actor = CallActor(Factory(), threads=2)
    >>> out = actor({"category": ["text-retrieval"], "generation": [3]})
    >>> out["status"], out["attempts"]
    (['ok'], [1])
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast

import dspy

from embtaskgen.execute.faults import RetryPolicy, describe_error
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.scheduler import Counts, Job, Recorder, schedule

__all__ = ["CallActor", "CallFactory", "OUTCOME_COLUMNS"]

logger = logging.getLogger(__name__)

#: The columns of an outcome batch.
OUTCOME_COLUMNS = ("category", "generation", "status", "attempts", "payload", "costs")


class CallFactory(Protocol):
    """Builds, inside a worker, the function that makes one call, and the DSPy settings to run it under."""

    def build(self) -> tuple[Callable[[Job], Any], dict[str, Any]]: ...


class _Outcomes:
    """The scheduler's recorder inside an actor: keeps each job's outcome as a row."""

    def __init__(self, key_of: Callable[[Any], tuple[str, int]]) -> None:
        self.tally = Counts()
        self.rows: dict[tuple[str, int], tuple[str, int, str]] = {}
        self._key_of = key_of

    def ok(self, result: Any) -> None:
        self._keep(result, "ok")

    def parse_failure(self, result: Any, attempts: int) -> None:
        self.tally.failed += 1
        self._keep(result, "parse_failure", attempts)

    def _keep(self, result: Any, status: str, attempts: int = 0) -> None:
        payload = json.dumps(dataclasses.asdict(result), ensure_ascii=False, default=str)
        self.rows[self._key_of(result)] = (status, attempts, payload)

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None:
        self.tally.failed += 1
        self.rows[(category, generation)] = ("error", attempts, json.dumps(describe_error(error), default=str))


class CallActor:
    """Makes the calls of one batch (a Ray Data callable class; see the module docstring)."""

    def __init__(self, factory: CallFactory, threads: int, retry: RetryPolicy | None = None) -> None:
        self.call, self.settings = factory.build()
        self.threads = max(1, int(threads))
        self.retry = RetryPolicy() if retry is None else retry

    def __call__(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
        """Call every job of ``batch`` (columns ``category``, ``generation``); one outcome row each."""
        keys = [(str(c), int(g)) for c, g in zip(batch["category"], batch["generation"], strict=True)]
        attempts: dict[tuple[str, int], int] = {}
        made: dict[int, tuple[Any, tuple[str, int]]] = {}
        lock = threading.Lock()

        def run_job(job: Job) -> Any:
            key = (job.category, job.generation)
            result = self.call(job)
            with lock:
                attempts[key] = job.retries + 1
                made[id(result)] = (result, key)  # the result is kept alive, so its id stays unique
            return result

        outcomes = _Outcomes(lambda result: made[id(result)][1])

        with dspy.context(**self.settings):
            schedule(
                (Job(category, generation) for category, generation in keys),
                run_job,
                workers=min(self.threads, len(keys)) or 1,
                recorder=cast(Recorder, outcomes),
                retry=self.retry,
                stop=StopSignal(),  # flags only: an actor method may run off the main thread
                max_failures=None,
            )
        costs = _drain_costs(self.call)
        out: dict[str, list[Any]] = {name: [] for name in OUTCOME_COLUMNS}
        for number, key in enumerate(keys):
            status, tries, payload = outcomes.rows.get(
                key,
                ("error", 1, json.dumps({"error_type": "RuntimeError", "error": "the call ended without an outcome"})),
            )
            out["category"].append(key[0])
            out["generation"].append(key[1])
            out["status"].append(status)
            out["attempts"].append(tries or attempts.get(key, 1))
            out["payload"].append(payload)
            out["costs"].append(json.dumps(costs if number == 0 else []))
        return out


def _drain_costs(call: Any) -> list[float]:
    """The costs a call function collected since the last drain (``call.costs``), emptied."""
    costs = getattr(call, "costs", None)
    if not isinstance(costs, list):
        return []
    taken = list(costs)
    del costs[: len(taken)]
    return taken
