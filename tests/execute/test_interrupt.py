"""Ctrl-C: the first request drains the calls in flight, for at most the model's timeout."""

from __future__ import annotations

import threading
from typing import Any

from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.execute.interrupt import StopSignal
from embtaskgen.execute.scheduler import Job, Outcome, schedule

#: Generous: without a grace the loop waits for a hung call forever.
_GUARD = 30


class _Tally:
    retried = 0
    failed = 0


class _Recorder:
    tally = _Tally()

    def __init__(self) -> None:
        self.ok_count = 0

    def ok(self, result: Any) -> None:
        self.ok_count += 1

    def parse_failure(self, result: Any, attempts: int) -> None:  # pragma: no cover - not reached
        pass

    def error(self, category: str, generation: int, error: BaseException, attempts: int) -> None:
        pass  # pragma: no cover - not reached


def _run_with_a_hung_call(stop: StopSignal) -> tuple[threading.Thread, list[Outcome]]:
    started, release, outcomes = threading.Event(), threading.Event(), []

    def call(job: Job) -> Any:
        started.set()
        release.wait(_GUARD)

    jobs = iter([Job("text-retrieval", 0)])
    options: dict[str, Any] = {"workers": 1, "recorder": _Recorder(), "retry": RetryPolicy(attempts=0)}
    runner = threading.Thread(
        target=lambda: outcomes.append(schedule(jobs, call, **options, stop=stop, max_failures=None)), daemon=True
    )
    runner.start()
    assert started.wait(_GUARD)
    stop.request()
    runner.join(_GUARD)
    release.set()
    return runner, outcomes


def test_the_first_stop_abandons_calls_past_the_grace_and_the_run_says_interrupted():
    runner, outcomes = _run_with_a_hung_call(StopSignal(grace=0.2))
    assert not runner.is_alive(), "the first stop waited for a hung call past its deadline"
    assert outcomes[0].stopped == "interrupted"
