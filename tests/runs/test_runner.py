"""embtaskgen.run: streaming, resume, faults, interrupts, accounting (offline, seconds)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dspy import lm15
from run_helpers import FaultyModel, generations_in, read_lines

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.errors import ConfigError
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.runner import RetryPolicy, RunAborted, RunInterrupted, run

CATS = ["text-retrieval", "text-classification"]
FAST = RetryPolicy(attempts=2, backoff=0.0)


def make(model: FaultyModel, seed: int = 5, **kwargs) -> EmbeddingTaskGenerator:
    return EmbeddingTaskGenerator(CATS, seed=seed, lm=model.lm, **kwargs)


def test_rows_streamed_with_identity_and_sidecars(tmp_path):
    model = FaultyModel(seed=5, generations=6)
    out = tmp_path / "tasks.jsonl"
    summary = run(make(model, num_generations=6, concurrency=3), out, progress=False)
    rows = read_lines(out)
    assert generations_in(rows) == {(c, g): 1 for c in CATS for g in range(6)}
    assert all(row["seed"] == 5 and len(row["tasks"]) == 3 and row["model_name"] == "scripted/run-test" for row in rows)
    assert (summary.status, summary.calls, summary.ok, summary.failed, summary.tasks) == ("complete", 12, 12, 0, 36)
    assert summary.usage["total_tokens"] > 0 and summary.cost is None
    files = RunFiles.for_output(out)
    assert json.loads(files.summary.read_text()) == json.loads(summary.to_json())
    journal = read_lines(files.progress)
    assert journal[0]["kind"] == "run" and journal[0]["seed"] == 5
    assert sorted((j["category"], j["generation"]) for j in journal[1:]) == sorted(generations_in(rows))
    assert read_lines(files.failures) == []


def test_rows_match_forward(tmp_path):
    """One call at a time, the run writes the rows forward() returns."""
    out = tmp_path / "tasks.jsonl"
    run(make(FaultyModel(seed=5, generations=3), num_generations=3, concurrency=1), out, progress=False)
    expected = make(FaultyModel(seed=5, generations=3), num_generations=3, concurrency=1)().rows
    assert read_lines(out) == expected


def test_flatten_resume_knows_generations_that_kept_nothing(tmp_path):
    """Every generation repeats the same tasks: all but the first keep 0 and leave no row."""
    model = FaultyModel(seed=5, generations=4, shared=True)
    out = tmp_path / "tasks.jsonl"
    summary = run(make(model, flatten_tasks=True, num_generations=4, concurrency=2), out, progress=False)
    rows = read_lines(out)
    assert len(rows) == 3 and all("task" in row for row in rows)
    assert summary.ok == 8 and summary.duplicates == 21
    calls = sum(model.attempts.values())
    again = run(make(model, flatten_tasks=True, num_generations=4), out, resume=True, progress=False)
    assert sum(model.attempts.values()) == calls  # nothing called twice
    assert (again.skipped, again.calls, again.status) == (8, 0, "complete")
    assert read_lines(out) == rows


def test_transient_and_permanent_errors_are_all_accounted(tmp_path):
    def fault(category, generation, attempt):
        if generation % 3 == 0 and attempt <= 2:  # transient, absorbed by DSPy's retries
            raise lm15.RateLimitError("slow down", retry_after=0.0)
        if generation % 3 == 1 and attempt <= 4:  # outlasts DSPy's retries: the run re-queues it
            raise lm15.ServerError("busy", status=503, retry_after=0.0)
        if generation == 5:  # permanent
            raise lm15.AuthError("bad key", status=401)

    model = FaultyModel(seed=5, generations=9, fault=fault)
    out = tmp_path / "tasks.jsonl"
    summary = run(make(model, num_generations=9, concurrency=4), out, retry=FAST, progress=False)
    rows = read_lines(out)
    failures = read_lines(RunFiles.for_output(out).failures)
    assert summary.ok + summary.failed == 18 == summary.calls
    assert (summary.ok, summary.errors, summary.failed) == (16, 2, 2)
    assert max(generations_in(rows).values()) == 1 and len(rows) == 16
    assert {(f["category"], f["generation"], f["reason"], f["error_type"]) for f in failures} == {
        (c, 5, "error", "LMAuthError") for c in CATS
    }
    assert summary.retried == 6  # generations 1, 4, 7 of both categories, once each
    assert all(model.attempts[(c, g)] == 3 for c in CATS for g in (0, 3, 6))
    assert all(model.attempts[(c, g)] == 5 for c in CATS for g in (1, 4, 7))
    assert summary.status == "partial" and summary.remaining == 2


def test_failed_generations_are_retried_on_resume_parse_failures_are_not(tmp_path):
    state = {"broken": True}

    def fault(category, generation, attempt):
        if generation == 1 and state["broken"]:
            raise lm15.AuthError("bad key", status=401)

    model = FaultyModel(seed=5, generations=3, fault=fault)
    original = model.engine._reply

    def reply(request):
        key = model.by_rollout[request.config.seed]
        return "no list here" if key[1] == 2 else original(request)

    model.engine._reply = reply
    out = tmp_path / "tasks.jsonl"
    first = run(make(model, num_generations=3, concurrency=2), out, progress=False)
    assert (first.ok, first.errors, first.parse_failures) == (2, 2, 2)
    assert first.errors_by_type == {"LMAuthError": 2, "AdapterParseError": 2}
    failures = read_lines(RunFiles.for_output(out).failures)
    assert {f["reason"] for f in failures} == {"error", "parse_failure"}
    assert all("no list here" in f["raw_output"] for f in failures if f["reason"] == "parse_failure")
    state["broken"] = False
    second = run(make(model, num_generations=3), out, resume=True, progress=False)
    assert (second.skipped, second.calls, second.ok, second.status) == (4, 2, 2, "complete")
    assert generations_in(read_lines(out)) == {(c, g): 1 for c in CATS for g in (0, 1)}


def test_keyboard_interrupt_in_a_call_then_resume(tmp_path):
    fired = []

    def fault(category, generation, attempt):
        if generation == 7 and not fired:
            fired.append(1)
            raise KeyboardInterrupt

    model = FaultyModel(seed=5, generations=20, fault=fault)
    out = tmp_path / "tasks.jsonl"
    with pytest.raises(RunInterrupted) as stopped:
        run(make(model, num_generations=20, concurrency=3), out, progress=False)
    assert isinstance(stopped.value, KeyboardInterrupt)
    assert stopped.value.summary.status == "interrupted"
    first = read_lines(out)
    assert 0 < len(first) < 40 and max(generations_in(first).values()) == 1
    summary = run(make(model, num_generations=20), out, resume=True, progress=False)
    rows = read_lines(out)
    assert generations_in(rows) == {(c, g): 1 for c in CATS for g in range(20)}
    assert summary.skipped == len(first) and summary.ok == 40 - len(first)


def test_sigint_subprocess_then_resume(tmp_path):
    out = tmp_path / "tasks.jsonl"
    child = Path(__file__).parent.parent / "run_child.py"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, str(child), str(out), "150"], env=env, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 2000):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130, stdout
    assert json.loads(stdout.decode().splitlines()[-1])["status"] == "interrupted"
    interrupted = read_lines(out)
    assert interrupted
    done = subprocess.run(
        [sys.executable, str(child), str(out), "150", "--resume"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rows = read_lines(out)
    # Flattened: 3 distinct tasks per generation, so 3 rows each.
    assert generations_in(rows) == {(c, g): 3 for c in CATS for g in range(150)}
    summary = json.loads(done.stdout.decode().splitlines()[-1])
    assert summary["skipped"] + summary["ok"] == 300 and summary["status"] == "complete"


def test_torn_last_line_is_repaired_on_resume(tmp_path):
    model = FaultyModel(seed=5, generations=3)
    out = tmp_path / "tasks.jsonl"
    run(make(model, num_generations=2), out, progress=False)
    with open(out, "ab") as handle:
        handle.write(b'{"category": "text-retrieval", "tasks": ["half')
    run(make(model, num_generations=3), out, resume=True, progress=False)
    assert generations_in(read_lines(out)) == {(c, g): 1 for c in CATS for g in range(3)}


def test_refuses_to_overwrite_without_resume(tmp_path):
    out = tmp_path / "tasks.jsonl"
    run(make(FaultyModel(seed=5, generations=1), num_generations=1), out, progress=False)
    before = out.read_bytes()
    with pytest.raises(ValueError, match="resume"):
        run(make(FaultyModel(seed=5, generations=1), num_generations=1), out, progress=False)
    assert out.read_bytes() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [({"seed": 6}, "seed"), ({"category": ["text-retrieval"]}, "categories"), ({"flatten_tasks": True}, "flatten")],
)
def test_resume_refuses_a_file_of_another_run(tmp_path, change, field):
    out = tmp_path / "tasks.jsonl"
    run(make(FaultyModel(seed=5, generations=2), num_generations=2), out, progress=False)
    before = out.read_bytes()
    options = {"category": CATS, "seed": 5, **change}
    gen = EmbeddingTaskGenerator(
        options.pop("category"), lm=FaultyModel(seed=options["seed"], generations=2).lm, **options
    )
    with pytest.raises(ValueError, match=f"cannot resume .*{field}"):
        run(gen.with_settings(gen.settings.replace(num_generations=2)), out, resume=True, progress=False)
    assert out.read_bytes() == before


def test_resume_without_seed_adopts_the_files_seed(tmp_path):
    out = tmp_path / "tasks.jsonl"
    first = run(make(FaultyModel(seed=5, generations=2), num_generations=1), out, progress=False)
    gen = EmbeddingTaskGenerator(CATS, seed=None, lm=FaultyModel(seed=5, generations=2).lm)
    second = run(gen.with_settings(gen.settings.replace(num_generations=2)), out, resume=True, progress=False)
    assert first.seed == second.seed == 5
    assert generations_in(read_lines(out)) == {(c, g): 1 for c in CATS for g in range(2)}


def test_max_failures_stops_the_run_with_a_valid_file(tmp_path):
    def fault(category, generation, attempt):
        if generation >= 2:
            raise lm15.AuthError("bad key", status=401)

    out = tmp_path / "tasks.jsonl"
    gen = EmbeddingTaskGenerator("text-retrieval", seed=5, lm=FaultyModel(seed=5, generations=50, fault=fault).lm)
    with pytest.raises(RunAborted, match="max_failures=3") as aborted:
        run(
            gen.with_settings(gen.settings.replace(num_generations=50, concurrency=1)),
            out,
            max_failures=3,
            progress=False,
        )
    summary = aborted.value.summary
    # The call already running when the limit is reached is finished and counted.
    assert (summary.status, summary.ok) == ("aborted", 2) and summary.failed in (3, 4)
    assert summary.calls == summary.ok + summary.failed < 50
    assert json.loads(RunFiles.for_output(out).summary.read_text())["status"] == "aborted"
    assert len(read_lines(out)) == 2


def test_rows_to_stdout(capsys):
    run(make(FaultyModel(seed=5, generations=2), num_generations=2), None, progress=False)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert generations_in(lines) == {(c, g): 1 for c in CATS for g in range(2)}


@pytest.mark.parametrize(("kwargs", "message"), [({"max_failures": 0}, "max_failures"), ({"retry": "often"}, "retry")])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(make(FaultyModel(seed=5, generations=1)), tmp_path / "t.jsonl", progress=False, **kwargs)


def test_run_level_overrides_are_deprecated_but_still_work(tmp_path):
    gen = make(FaultyModel(seed=5, generations=3))
    with pytest.warns(DeprecationWarning, match="set it on the generator"):
        summary = run(gen, tmp_path / "t.jsonl", num_generations=3, concurrency=2, progress=False)
    assert summary.planned == 3 * len(CATS) and summary.concurrency == 2
    assert gen.num_generations == 1  # the caller's generator is unchanged


@pytest.mark.parametrize("setting", ["num_generations", "concurrency"])
def test_bad_counts_are_refused_where_they_enter(setting):
    with pytest.raises(ValueError, match=f"{setting} must be an integer >= 1"):
        make(FaultyModel(seed=5, generations=1), **{setting: 0})


def test_duplicates_are_dropped_in_plan_order_whatever_finishes_first(tmp_path):
    """Later generations answer first; the copy kept is still the earliest generation's,
    so the rows are byte-identical at any concurrency (and to the Ray executor's)."""

    def later_first(category, generation, attempt):
        time.sleep(0.03 * (6 - generation))

    files = {}
    for concurrency in (1, 8):
        model = FaultyModel(seed=5, generations=6, shared=True, fault=later_first)
        files[concurrency] = tmp_path / f"c{concurrency}.jsonl"
        summary = run(make(model, num_generations=6, concurrency=concurrency), files[concurrency], progress=False)
        assert summary.duplicates == (2 * 6 - 1) * 3  # the three tasks repeat in every call
    rows = read_lines(files[8])
    assert [(r["category"], r["generation"], len(r["tasks"])) for r in rows] == [
        (c, g, 3 if (c, g) == (CATS[0], 0) else 0) for c in CATS for g in range(6)
    ]
    assert files[8].read_bytes() == files[1].read_bytes()


def test_a_topic_of_the_pool_holding_a_key_of_the_environment_is_refused_before_any_call(tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMPLE_API_KEY", "etg-env-secret-9f1c")
    model = FaultyModel(seed=5, generations=2)
    gen = make(model, num_generations=2, topics=["law", "notes on etg-env-secret-9f1c"])
    with pytest.raises(ConfigError, match="topic 2 of the pool holds the API key") as raised:
        run(gen, tmp_path / "tasks.jsonl", progress=False)
    assert "etg-env-secret-9f1c" not in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_a_run_leaves_dspys_cache_alone_for_other_threads_and_ignores_cache_true(tmp_path):
    import dspy
    from openai_stub import OpenAIStub, chat_tasks_reply

    dspy.configure_cache(enable_disk_cache=True, enable_memory_cache=False, disk_cache_dir=str(tmp_path / "cache"))
    users_cache, seen = dspy.cache, []

    def answer(body):
        seen.append(dspy.cache)  # what DSPy code in another thread (the server's) sees during the run
        return 200, chat_tasks_reply(body)

    with OpenAIStub(answer) as stub:
        gen = EmbeddingTaskGenerator(CATS, seed=5, lm="openai/m", api_base=stub.base_url, num_generations=2)
        with pytest.warns(DeprecationWarning, match="cache=True"):
            summary = run(gen, tmp_path / "tasks.jsonl", progress=False, cache=True)
    assert summary.ok == 4 and len(seen) == 4
    assert all(cache is users_cache for cache in seen) and dspy.cache is users_cache
    assert len(users_cache.disk_cache) == 0  # nothing of the run was cached
