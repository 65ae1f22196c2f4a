"""Helpers for the runner tests: a scripted model that knows which generation it serves.

The generator passes each call's rollout id as the sampling ``seed`` to custom engines,
so the engine can tell generations apart and fail exactly the ones a test chooses.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import dspy
from scripted import ScriptedEngine, chat_reply

from embtaskgen import CATEGORIES
from embtaskgen.seeds import derive_id

__all__ = ["FaultyModel", "generations_in", "read_lines"]


class FaultyModel:
    """Answers three tasks unique to each generation; ``fault(gen_key, attempt)`` may raise.

    Args:
        seed: The run seed (to map rollout ids back to generations).
        generations: Generations per category the test runs.
        fault: ``(category, generation, attempt) -> None`` or raises; ``attempt`` counts
            this generation's requests from 1.
        latency: Seconds each call sleeps.
        shared: Whether tasks repeat across generations (to exercise de-duplication).
    """

    def __init__(
        self,
        seed: int,
        generations: int,
        fault: Callable[[str, int, int], None] | None = None,
        latency: float = 0.0,
        shared: bool = False,
    ) -> None:
        self.by_rollout = {
            derive_id(seed, category, g): (category, g) for category in CATEGORIES for g in range(generations)
        }
        self.fault = fault
        self.latency = latency
        self.shared = shared
        self.attempts: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()
        self.engine = ScriptedEngine(self._reply)
        self.lm = dspy.LM("scripted/run-test", engine=self.engine, num_retries=2)

    def _reply(self, request) -> str:
        key = self.by_rollout[request.config.seed]
        with self._lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        if self.latency:
            time.sleep(self.latency)
        if self.fault is not None:
            self.fault(key[0], key[1], attempt)
        if self.shared:
            return chat_reply([f"Shared task number {i}." for i in range(3)])
        return chat_reply([f"{key[0]} task {key[1]}-{i}." for i in range(3)])


def read_lines(path: str | Path) -> list[dict]:
    """Every line of a JSONL file, asserting each is complete JSON and the file ends with a newline."""
    data = Path(path).read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), "file ends with a partial line"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def generations_in(rows: list[dict]) -> Counter[tuple[str, int]]:
    """How many rows each (category, generation) has (flattened rows count once per task)."""
    return Counter((row["category"], row["generation"]) for row in rows)


def counter() -> Callable[[], int]:
    """A thread-safe counter."""
    values = itertools.count(1)
    lock = threading.Lock()

    def next_value() -> int:
        with lock:
            return next(values)

    return next_value
