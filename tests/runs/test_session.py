"""A local run at a server's rate limits: paced by its headers or the user's limits, rows unchanged."""

from __future__ import annotations

import pytest
from openai_stub import OpenAIStub
from rate_limited_stub import RateLimitedStub

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.errors import ConfigError
from embtaskgen.runs.runner import run

CALLS = 60


def _generator(url: str, concurrency: int = 32) -> EmbeddingTaskGenerator:
    return EmbeddingTaskGenerator(
        "text-retrieval", num_generations=CALLS, seed=3, lm="openai/m", api_base=url, concurrency=concurrency
    )


@pytest.mark.slow  # timing against a token bucket: run in the main suite, not beside the lowest-bounds install
@pytest.mark.parametrize("user_limits", [False, True])
def test_a_run_at_the_limit_meets_almost_no_429s(tmp_path, user_limits):
    """32 in flight against 20 requests a second, 20 at once: unpaced, a third of the first wave got 429s."""
    with RateLimitedStub(rpm=1200, tpm=10_000_000, burst=1.0, latency=0.05) as stub:
        limits = {"max_rpm": 1200} if user_limits else {}
        summary = run(_generator(stub.base_url), tmp_path / "tasks.jsonl", progress=False, **limits)
        refused, admitted = stub.refused, stub.admitted
    assert summary.ok == CALLS and summary.failed == 0
    assert admitted == CALLS
    assert refused <= 0.02 * CALLS


@pytest.mark.slow  # timing against a token bucket, as above
def test_a_server_that_only_answers_429_gets_fewer_calls_in_flight(tmp_path):
    """No headers: each 429 pauses new calls for its Retry-After and halves the calls in flight."""
    with RateLimitedStub(rpm=1200, tpm=10_000_000, burst=1.0, latency=0.05, headers=False) as stub:
        summary = run(_generator(stub.base_url), tmp_path / "tasks.jsonl", progress=False)
        refused = stub.refused
    assert summary.ok == CALLS and summary.failed == 0
    assert refused < 32  # unpaced: every 429 of a wave is retried by DSPy into the next storm


def test_pacing_changes_timing_only_not_the_rows(tmp_path):
    with OpenAIStub() as stub:
        run(_generator(stub.base_url, concurrency=8), tmp_path / "free.jsonl", progress=False)
        run(
            _generator(stub.base_url, concurrency=8),
            tmp_path / "paced.jsonl",
            progress=False,
            max_rpm=3000,
            max_tpm=10**7,
        )
    assert (tmp_path / "free.jsonl").read_text() == (tmp_path / "paced.jsonl").read_text()


@pytest.mark.parametrize(("name", "value"), [("max_rpm", 0), ("max_tpm", -1), ("max_rpm", "fast")])
def test_bad_limits_are_refused_before_anything_runs(tmp_path, name, value):
    gen = EmbeddingTaskGenerator(
        "text-retrieval", num_generations=2, seed=3, lm="openai/m", api_base="http://127.0.0.1:9/v1"
    )
    with pytest.raises(ConfigError, match=f"{name} must be a number > 0"):
        run(gen, tmp_path / "tasks.jsonl", progress=False, **{name: value})
    assert not (tmp_path / "tasks.jsonl").exists()


def test_limits_need_the_local_executor(tmp_path):
    gen = EmbeddingTaskGenerator(
        "text-retrieval", num_generations=2, seed=3, lm="openai/m", api_base="http://127.0.0.1:9/v1"
    )
    with pytest.raises(ConfigError, match="executor='local'"):
        run(gen, tmp_path / "shards", progress=False, executor="ray", max_rpm=60)
