"""Fixtures for the embedded-model tests: a fake llama.cpp object and LMs built on it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dspy
import pytest

from embtaskgen.embedded.engine import AsyncLlamaCppEngine, LlamaCppEngine


class FakeLlama:
    """Stands in for ``llama_cpp.Llama``: records calls, answers with ``reply``.

    Fails the test if two generations overlap (a real context is not thread-safe).
    """

    def __init__(self, model_path: str, **settings: Any) -> None:
        self.model_path = model_path
        self.settings = settings
        self.calls: list[dict[str, Any]] = []
        self.resets = 0  # llama.reset() calls (the KV cache emptied)
        self.reply: str | Callable[[dict[str, Any]], str] = json.dumps(
            ["Given a question, retrieve passages that answer it."]
        )
        self.error: Exception | None = None
        self.delay = 0.0
        self.closed = False
        self._busy = threading.Lock()
        self.overlaps = 0

    def _run(self, kind: str, **kwargs: Any) -> dict[str, Any]:
        if not self._busy.acquire(blocking=False):
            self.overlaps += 1
            self._busy.acquire()
        try:
            call = {"kind": kind, "no_repeat": getattr(self, "no_repeat", "unset"), "resets": self.resets, **kwargs}
            self.calls.append(call)
            if self.delay:
                time.sleep(self.delay)
            if self.error is not None:
                raise self.error
            text = self.reply(call) if callable(self.reply) else self.reply
        finally:
            self._busy.release()
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
        if kind == "chat":
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        return {
            "id": f"fake-{len(self.calls)}",
            "choices": [choice],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        }

    def create_chat_completion(self, messages: list[dict[str, str]], **kwargs: Any) -> dict[str, Any]:
        return self._run("chat", messages=messages, **kwargs)

    def create_completion(self, prompt: str, **kwargs: Any) -> dict[str, Any]:
        return self._run("completion", prompt=prompt, **kwargs)

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.closed = True


class FakeFactory:
    """A ``llama_factory`` that counts loads and keeps the fakes it built."""

    def __init__(self) -> None:
        self.built: list[FakeLlama] = []

    def __call__(self, model_path: str, **settings: Any) -> FakeLlama:
        fake = FakeLlama(model_path, **settings)
        self.built.append(fake)
        return fake

    @property
    def llama(self) -> FakeLlama:
        assert len(self.built) == 1, f"expected one load, got {len(self.built)}"
        return self.built[0]


@pytest.fixture
def gguf_file(tmp_path: Path) -> Path:
    """A stand-in model file (only its bytes are read, for the fingerprint)."""
    path = tmp_path / "tiny-test-model.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 8)
    return path


@pytest.fixture
def fake_factory() -> FakeFactory:
    return FakeFactory()


@pytest.fixture
def make_engine(gguf_file: Path, fake_factory: FakeFactory) -> Iterator[Callable[..., LlamaCppEngine]]:
    """Build engines over ``gguf_file`` with the fake llama; all are closed afterwards."""
    engines: list[LlamaCppEngine] = []

    def make(**options: Any) -> LlamaCppEngine:
        options.setdefault("model_id", "tiny-test")
        engine = LlamaCppEngine(gguf_file, llama_factory=fake_factory, **options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def make_lm(make_engine: Callable[..., LlamaCppEngine]) -> Callable[..., dspy.LM]:
    """A ``dspy.LM`` over a fake-llama engine (no cache, no retries)."""

    def make(*, engine_options: dict[str, Any] | None = None, **lm_options: Any) -> dspy.LM:
        engine = make_engine(**(engine_options or {}))
        lm_options.setdefault("cache", False)
        lm_options.setdefault("num_retries", 0)
        return dspy.LM(
            f"local/{engine.model_id}", engine=engine, async_engine=AsyncLlamaCppEngine(engine), **lm_options
        )

    return make
