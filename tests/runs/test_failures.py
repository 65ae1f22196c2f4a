"""Failures across sessions: max_failures converges, and failure records hold no secrets."""

from __future__ import annotations

import math

import dspy
import pytest
from dspy import lm15
from openai_stub import OpenAIStub
from run_helpers import FaultyModel, generations_in, read_lines

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.errors import RunAborted
from embtaskgen.runs.files import LineWriter, RunFiles
from embtaskgen.runs.progressbar import make_bar
from embtaskgen.runs.recorder import Recorder
from embtaskgen.runs.runner import RetryPolicy, run
from embtaskgen.runs.summary import Tally

CATS = ["text-retrieval", "text-classification"]
FAST = RetryPolicy(attempts=1, backoff=0.0)


def always_failing(every: int):
    def fault(category, generation, attempt):
        if generation % every == 1:
            raise lm15.AuthError("bad key", status=401)

    return fault


def sessions(gen, out, *, max_failures, limit=20):
    """Resume until a session returns; every session must end. Returns the summaries."""
    summaries = []
    for number in range(limit):
        try:
            summaries.append(run(gen, out, resume=number > 0, max_failures=max_failures, retry=FAST, progress=False))
            return summaries
        except RunAborted as aborted:
            summaries.append(aborted.summary)
    raise AssertionError(f"not finished after {limit} sessions: {[s.total_rows for s in summaries]}")


@pytest.mark.parametrize(("concurrency", "max_failures"), [(1, 3), (1, 1), (4, 3)])
def test_repeated_resume_with_max_failures_converges(tmp_path, concurrency, max_failures):
    """Issue case 8: the same generations kept failing first and every session aborted again."""
    generations, every = 20, 4
    model = FaultyModel(seed=5, generations=generations, fault=always_failing(every))
    gen = EmbeddingTaskGenerator(CATS, seed=5, lm=model.lm, num_generations=generations, concurrency=concurrency)
    out = tmp_path / "tasks.jsonl"
    failing = {(c, g) for c in CATS for g in range(generations) if g % every == 1}

    done = sessions(gen, out, max_failures=max_failures)
    # Each aborted session settles at least max_failures new generations as failed.
    assert len(done) <= math.floor(len(failing) / max_failures) + 1
    assert all(s.status == "aborted" for s in done[:-1])
    last = done[-1]
    assert (last.status, last.remaining) == ("partial", len(failing))
    assert last.errors == len(failing) and 0 < last.retried_earlier <= len(failing)
    assert generations_in(read_lines(out)) == {
        (c, g): 1 for c in CATS for g in range(generations) if (c, g) not in failing
    }
    failures = read_lines(RunFiles.for_output(out).failures)
    assert {(f["category"], f["generation"]) for f in failures} == failing

    # Every later resume ends too: one more call per failing generation, none aborted.
    calls = sum(model.attempts.values())
    again = run(gen, out, resume=True, max_failures=max_failures, retry=FAST, progress=False)
    assert (again.status, again.calls, again.retried_earlier, again.errors) == ("partial", *[len(failing)] * 3)
    assert sum(model.attempts.values()) - calls == len(failing)  # once each (an auth error is not retried)


def test_earlier_failures_are_tried_last_and_do_not_count_toward_max_failures(tmp_path):
    """The old order: earlier failures first, each counted, so the session aborted before any new work."""

    def fault(category, generation, attempt):
        if generation in (1, 2):
            raise lm15.AuthError("bad key", status=401)

    model = FaultyModel(seed=5, generations=6, fault=fault)
    gen = EmbeddingTaskGenerator(CATS, seed=5, lm=model.lm, num_generations=6, concurrency=1)
    out = tmp_path / "tasks.jsonl"
    with pytest.raises(RunAborted):
        run(gen, out, max_failures=2, progress=False)  # text-retrieval 1 and 2 failed
    second = run(gen, out, resume=True, max_failures=3, progress=False)
    # New work first (text-classification 1 and 2 fail: two new failures, under 3), then
    # text-retrieval 1 and 2 once more, failing again without aborting.
    assert (second.status, second.errors, second.retried_earlier, second.remaining) == ("partial", 4, 2, 4)
    failing = {(c, g) for c in CATS for g in (1, 2)}
    assert generations_in(read_lines(out)) == {(c, g): 1 for c in CATS for g in range(6) if (c, g) not in failing}
    order = [(f["category"], f["generation"]) for f in read_lines(RunFiles.for_output(out).failures)]
    assert order[2:] == [
        ("text-classification", 1),
        ("text-classification", 2),
        ("text-retrieval", 1),
        ("text-retrieval", 2),
    ]


def test_a_fixed_cause_completes_the_run_on_resume(tmp_path):
    state = {"broken": True}

    def fault(category, generation, attempt):
        if state["broken"] and generation in (1, 2):
            raise lm15.AuthError("bad key", status=401)

    model = FaultyModel(seed=5, generations=6, fault=fault)
    gen = EmbeddingTaskGenerator(CATS, seed=5, lm=model.lm, num_generations=6, concurrency=1)
    out = tmp_path / "tasks.jsonl"
    with pytest.raises(RunAborted):
        run(gen, out, max_failures=2, progress=False)
    state["broken"] = False
    summary = run(gen, out, resume=True, max_failures=1, progress=False)
    assert (summary.status, summary.retried_earlier) == ("complete", 2)
    assert generations_in(read_lines(out)) == {(c, g): 1 for c in CATS for g in range(6)}


# ------------------------------------------------------------------ stored text


def test_failure_lines_and_summary_redact_keys(tmp_path, monkeypatch):
    env_key = "env-key-0123456789abcdef"
    bearer = "tok0123456789xyz"
    monkeypatch.setenv("EMBTASKGEN_TEST_API_KEY", env_key)

    def fault(category, generation, attempt):
        raise lm15.AuthError(
            f"invalid key {env_key}; headers={{'Authorization': 'Bearer {bearer}'}}; sk-abcdefghijklmnop", status=401
        )

    model = FaultyModel(seed=5, generations=2, fault=fault)
    out = tmp_path / "tasks.jsonl"
    gen = EmbeddingTaskGenerator(CATS, seed=5, lm=model.lm, num_generations=2, concurrency=1)
    with pytest.raises(RunAborted) as aborted:
        run(gen, out, max_failures=1, progress=False)
    files = RunFiles.for_output(out)
    stored = files.failures.read_text() + files.summary.read_text() + str(aborted.value)
    assert env_key not in stored and bearer not in stored and "sk-abcdefghijklmnop" not in stored
    assert "[REDACTED]" in read_lines(files.failures)[0]["error"]
    assert "[REDACTED]" in aborted.value.summary.message


def test_a_served_models_401_that_quotes_the_lms_key_is_redacted(tmp_path):
    """The key is the LM's own (not in the environment, not sk- shaped); the server says it back."""
    key = "plainkey-9876543210"
    out = tmp_path / "tasks.jsonl"
    with OpenAIStub("status", status=401, answer=f"Incorrect API key provided: {key}") as stub:
        lm = dspy.LM("openai/x", api_base=stub.base_url, api_key=key, num_retries=0)
        gen = EmbeddingTaskGenerator("text-retrieval", seed=5, lm=lm, num_generations=2, concurrency=1)
        with pytest.raises(RunAborted) as aborted:
            run(gen, out, max_failures=1, progress=False)
    files = RunFiles.for_output(out)
    stored = files.failures.read_text() + files.summary.read_text() + files.progress.read_text()
    assert key not in stored and key not in str(aborted.value)
    failure = read_lines(files.failures)[0]
    assert failure["reason"] == "error" and "[REDACTED]" in failure["error"]


def test_lone_surrogates_in_model_text_are_stored_as_valid_utf8(tmp_path):
    """Text no UTF-8 file can hold (lone surrogates) in an answer, a task or an error message."""
    files = RunFiles.for_output(tmp_path / "tasks.jsonl")
    sinks = [LineWriter(path) for path in (files.output, files.progress, files.failures)]
    gen = EmbeddingTaskGenerator("text-retrieval", seed=5, lm=dspy.utils.DummyLM([]), num_tasks=3, flatten_tasks=True)
    recorder = Recorder(
        gen.stage(),
        output=sinks[0],
        journal=sinks[1],
        failures=sinks[2],
        tally=Tally(),
        bar=make_bar(3, 0, False),
        seed=5,
    )
    recorder.parse_failure(CallResult("text-retrieval", 0, 1, raw_output="no list \ud800 here"), attempts=1)
    recorder.ok(CallResult("text-retrieval", 1, 2, items=["Given a claim \ud83d, retrieve evidence."]))
    recorder.error("text-retrieval", 2, RuntimeError("bad byte \udcff in reply"), attempts=1)
    for sink in sinks:
        sink.close()
    failures = read_lines(files.failures)  # read_lines decodes strictly as UTF-8
    assert failures[0]["raw_output"] == "no list \ufffd here"
    assert failures[1]["error"] == "bad byte \ufffd in reply"
    (row,) = read_lines(files.output)
    assert row["task"] == "Given a claim \ufffd, retrieve evidence."
    assert [line["status"] for line in read_lines(files.progress)] == ["parse_failure", "ok", "error"]
