"""Batch runs against a scripted batch server: same rows as online, one submission across kills, failures counted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_child import generator as child_generator
from batch_stub import BatchStub

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.errors import BatchError, ConfigError
from embtaskgen.runs.batch.mode import BatchMode
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.runner import run

CHILD = Path(__file__).parent.parent.parent / "batch_child.py"
FAST = BatchMode(poll=0.01)


def make(api_base: str, **options) -> EmbeddingTaskGenerator:
    settings = {"num_generations": 3, "seed": 4, "lm": "openai/stub", "api_base": api_base}
    settings.update(options)
    return EmbeddingTaskGenerator(["text-retrieval", "text-matching-short"], **settings)


def journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in RunFiles.for_output(out).progress.read_text().splitlines()]


def batch_lines(out: Path) -> list[dict]:
    return [record for record in journal(out) if record["kind"] == "batch"]


@pytest.mark.parametrize("flatten", [False, True])
def test_batch_rows_are_byte_identical_to_the_online_rows_and_nothing_goes_online(tmp_path, flatten):
    with BatchStub() as stub:
        online = run(make(stub.base_url, flatten_tasks=flatten), tmp_path / "online.jsonl", progress=False)
        calls = stub.online
        batched = run(make(stub.base_url, flatten_tasks=flatten), tmp_path / "batch.jsonl", progress=False, batch=FAST)
        assert stub.online == calls == 6 and (stub.uploads, stub.created) == (1, 1)
    assert (tmp_path / "batch.jsonl").read_bytes() == (tmp_path / "online.jsonl").read_bytes()
    assert (batched.status, batched.ok, batched.tasks, batched.usage) == ("complete", 6, online.tasks, online.usage)
    assert [(r["event"], r["id"]) for r in batch_lines(tmp_path / "batch.jsonl")] == [
        ("submitted", "batch_1"),
        ("collected", "batch_1"),
    ]


def test_the_batch_file_holds_the_online_requests_and_never_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-batchsecret0123456789abcdef")
    with BatchStub() as stub:
        run(make(stub.base_url), tmp_path / "online.jsonl", progress=False)
        summary = run(
            make(stub.base_url), tmp_path / "b.jsonl", progress=False, batch=BatchMode(requests=tmp_path / "in.jsonl")
        )
        assert (stub.uploads, stub.created) == (0, 0)
    text = (tmp_path / "in.jsonl").read_text()
    assert "batchsecret" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["custom_id"] for line in lines] == [
        f"{c}#{g}" for c in ("text-retrieval", "text-matching-short") for g in range(3)
    ]
    assert {(line["method"], line["url"]) for line in lines} == {("POST", "/v1/chat/completions")}
    assert {line["body"]["model"] for line in lines} == {"stub"} and all("seed" in line["body"] for line in lines)
    assert summary.status == "pending" and summary.calls == 0 and (tmp_path / "b.jsonl").read_text() == ""
    assert [(r["event"], r["requests"]) for r in batch_lines(tmp_path / "b.jsonl")] == [("written", 6)]


def _play(stub: BatchStub, requests: Path, results: Path) -> None:
    """Play a batch input file through the server as `vllm run-batch` would, answers in reverse order."""
    out_lines = []
    for line in reversed(requests.read_text().splitlines()):
        request = json.loads(line)
        status, body = stub.reply(request["body"])
        response = {"status_code": status, "request_id": "r", "body": body}
        out_lines.append(
            json.dumps({"id": "x", "custom_id": request["custom_id"], "response": response, "error": None})
        )
    results.write_text("\n".join(out_lines) + "\n")


def test_the_file_route_reads_a_vllm_style_output_file_into_the_online_rows(tmp_path):
    requests, results, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "b.jsonl"
    with BatchStub() as stub:
        written = run(make(stub.base_url, seed=None), out, progress=False, batch=BatchMode(requests=requests))
        _play(stub, requests, results)
        with pytest.raises(ConfigError, match="resume"):  # its journal holds the drawn seed
            run(make(stub.base_url, seed=None), out, progress=False, batch=BatchMode(results=results))
        summary = run(
            make(stub.base_url, seed=None), out, progress=False, resume=True, batch=BatchMode(results=results)
        )
        run(make(stub.base_url, seed=written.seed), tmp_path / "online.jsonl", progress=False)
        assert stub.online == 6  # the online run's only
    assert summary.status == "complete" and summary.ok == 6 and summary.seed == written.seed
    assert out.read_bytes() == (tmp_path / "online.jsonl").read_bytes()


def test_batch_results_without_the_seed_they_were_rendered_with_are_refused(tmp_path):
    results = tmp_path / "out.jsonl"
    results.write_text("")
    with pytest.raises(ConfigError, match="one seed"):
        run(make("http://127.0.0.1:9/v1", seed=None), tmp_path / "b.jsonl", batch=BatchMode(results=results))
    assert not (tmp_path / "b.jsonl").exists()


def test_partial_results_with_an_error_file_count_failures_and_a_resume_batches_only_those(tmp_path):
    out = tmp_path / "b.jsonl"
    with BatchStub(fail_ids=["text-retrieval#1", "text-matching-short#2"]) as stub:
        first = run(make(stub.base_url), out, progress=False, batch=FAST)
        assert (first.status, first.ok, first.errors, first.remaining) == ("partial", 4, 2, 2)
        assert first.errors_by_type == {"BatchError": 2}
        failures = [json.loads(line) for line in RunFiles.for_output(out).failures.read_text().splitlines()]
        assert len(failures) == 2 and all("scripted line failure" in json.dumps(f) for f in failures)
        stub.fail_ids.clear()
        second = run(make(stub.base_url), out, progress=False, resume=True, batch=FAST)
        assert stub.created == 2
        resubmitted = [json.loads(line)["custom_id"] for line in stub.files["file-2"].decode().splitlines()]
        run(make(stub.base_url), tmp_path / "online.jsonl", progress=False)
    assert resubmitted == ["text-retrieval#1", "text-matching-short#2"]
    assert (second.status, second.ok, second.total_rows) == ("complete", 2, 6)
    online = sorted((tmp_path / "online.jsonl").read_text().splitlines())
    assert sorted(out.read_text().splitlines()) == online


@pytest.mark.parametrize("status", ["failed", "expired"])
def test_a_failed_or_expired_batch_fails_its_unanswered_calls_and_a_resume_submits_a_new_batch(tmp_path, status):
    out = tmp_path / "b.jsonl"
    with BatchStub(statuses=["validating", status], answered=2) as stub:
        first = run(make(stub.base_url), out, progress=False, batch=FAST)
        answered = 0 if status == "failed" else 2
        assert (first.ok, first.errors, first.status) == (answered, 6 - answered, "partial")
        failures = RunFiles.for_output(out).failures.read_text()
        assert f"({status}" in failures
        stub.statuses = ["completed"]
        second = run(make(stub.base_url), out, progress=False, resume=True, batch=FAST)
    assert stub.created == 2 and (second.status, second.total_rows) == ("complete", 6)


def test_resume_without_batch_refuses_a_batch_still_open(tmp_path):
    out = tmp_path / "b.jsonl"
    with BatchStub() as stub:
        run(make(stub.base_url), out, progress=False, batch=FAST)
        files = RunFiles.for_output(out)
        kept = [
            line
            for line in files.progress.read_text().splitlines()
            if '"collected"' not in line and '"generation"' not in line
        ]
        files.progress.write_text("\n".join(kept) + "\n")  # a session that died before collecting batch_1
        out.write_text("")
        with pytest.raises(ConfigError, match="batch_1.*--batch"):
            run(make(stub.base_url), out, progress=False, resume=True)
        with pytest.raises(ConfigError, match="resume"):
            run(make(stub.base_url), out, progress=False, batch=FAST)  # a new run over it
        summary = run(make(stub.base_url), out, progress=False, resume=True, batch=FAST)
        assert (summary.ok, stub.created) == (6, 1)


@pytest.mark.parametrize(
    ("options", "run_options", "match"),
    [
        ({"avoid_archive": 2}, {}, "avoid"),
        ({}, {"executor": "ray", "output": "folder"}, "local executor"),
        ({"lm": None}, {}, "served model"),
        ({}, {"max_cost": 1.0}, "paid for as a whole"),
        ({}, {"max_rpm": 60}, "pace online calls"),
    ],
)
def test_what_a_batch_cannot_do_is_refused_before_anything_is_written(tmp_path, options, run_options, match):
    with BatchStub() as stub:
        gen = make(stub.base_url, **options) if options.get("lm", "x") is not None else make(None, **options)
        output = tmp_path / run_options.pop("output", "b.jsonl")
        with pytest.raises(ConfigError, match=match):
            run(gen, output, progress=False, batch=FAST, **run_options)
        assert stub.uploads == 0
    assert list(tmp_path.iterdir()) == []


def test_bad_batch_settings_name_the_valid_choices(tmp_path):
    with pytest.raises(ConfigError, match="True, False or a BatchMode"):
        run(make("http://127.0.0.1:9/v1"), tmp_path / "b.jsonl", batch="yes")
    with pytest.raises(ConfigError, match="not both"):
        BatchMode.of(BatchMode(requests=tmp_path / "a", results=tmp_path / "b"))
    with pytest.raises(ConfigError, match="is not a file"):
        BatchMode.of(BatchMode(results=tmp_path / "missing.jsonl"))


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_run_killed_while_its_batch_runs_resumes_by_polling_it_never_submitting_it_again(tmp_path, how):
    out = tmp_path / "b.jsonl"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with BatchStub(statuses=["validating", *["in_progress"] * 10_000, "completed"]) as stub:
        expected = run(child_generator(stub.base_url), tmp_path / "online.jsonl", progress=False)
        process = subprocess.Popen(
            [sys.executable, str(CHILD), stub.base_url, str(out)], env=env, stdout=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and stub.polls < 3:
            time.sleep(0.02)
        assert stub.polls >= 3 and stub.created == 1
        process.send_signal(how)
        code = process.wait(timeout=30)
        assert code == (-signal.SIGKILL if how == signal.SIGKILL else 130)
        assert [r["event"] for r in batch_lines(out)] == ["submitted"] and out.read_text() == ""
        stub.statuses = ["completed"]
        done = subprocess.run(
            [sys.executable, str(CHILD), stub.base_url, str(out), "--resume"], env=env, capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        assert (stub.uploads, stub.created) == (1, 1)  # polled, never submitted again
    summary = json.loads(done.stdout.decode().splitlines()[-1])
    assert (summary["status"], summary["ok"], summary["total_rows"]) == ("complete", 10, expected.rows)
    assert out.read_bytes() == (tmp_path / "online.jsonl").read_bytes()
    assert [r["event"] for r in batch_lines(out)] == ["submitted", "collected"]


def test_a_run_killed_while_it_replays_the_answers_resumes_from_the_same_batch(tmp_path, monkeypatch):
    from embtaskgen.runs.batch import backend

    out = tmp_path / "b.jsonl"
    real = backend.run_locally
    calls = {"n": 0}

    def crash_after_some(generator, session, **options):
        session.fresh = session.fresh[:2]  # the crash: only two calls' rows reach the file
        calls["n"] += 1
        outcome, workers = real(generator, session, **options)
        raise KeyboardInterrupt

    with BatchStub() as stub:
        monkeypatch.setattr(backend, "run_locally", crash_after_some)
        with pytest.raises(KeyboardInterrupt):
            run(make(stub.base_url), out, progress=False, batch=FAST)
        monkeypatch.setattr(backend, "run_locally", real)
        summary = run(make(stub.base_url), out, progress=False, resume=True, batch=FAST)
        assert (stub.uploads, stub.created) == (1, 1)
        run(make(stub.base_url), tmp_path / "online.jsonl", progress=False)
    assert (summary.status, summary.ok, summary.skipped, summary.total_rows) == ("complete", 4, 2, 6)
    assert out.read_bytes() == (tmp_path / "online.jsonl").read_bytes()


def test_a_batch_the_server_no_longer_knows_fails_the_session_with_a_resume_hint(tmp_path):
    out = tmp_path / "b.jsonl"
    with BatchStub() as stub:
        run(make(stub.base_url), out, progress=False, batch=FAST)
        files = RunFiles.for_output(out)
        kept = [line for line in files.progress.read_text().splitlines() if '"generation"' not in line]
        kept = [line.replace("batch_1", "batch_404") for line in kept if '"collected"' not in line]
        files.progress.write_text("\n".join(kept) + "\n")
        out.write_text("")
        with pytest.raises(BatchError, match=r"polling batch batch_404.*resume with --batch"):
            run(make(stub.base_url), out, progress=False, resume=True, batch=FAST)
        assert stub.created == 1  # not submitted again
    assert [r["id"] for r in batch_lines(out)] == ["batch_404"]
