"""``--batch``, ``--batch-poll``, ``--batch-requests`` and ``--batch-results`` of generate, examples and pipeline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from batch_stub import BatchStub
from click.testing import CliRunner
from openai_stub import chat_tasks_reply

from embtaskgen.cli.main import main

KEY = "etg-cli-batch-key-5d21"


def reply(body) -> tuple[int, str]:
    """Tasks for a brainstorm prompt, a classification example otherwise (different per prompt)."""
    if "[[ ## tasks ## ]]" in body["messages"][0]["content"]:
        return 200, chat_tasks_reply(body, count=2)
    d = hashlib.sha256(json.dumps(body.get("messages")).encode()).hexdigest()[:8]
    fields = {"input_text": f"The battery {d} lasts two days.", "label": "good", "misleading_label": "bad"}
    return 200, "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


@pytest.fixture()
def stub():
    with BatchStub(mode=reply) as server:
        yield server


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def generate(stub, out: Path, *extra: str):
    model = ["-m", "openai/stub", "--api-base", stub.base_url, "--no-progress"]
    return cli("generate", "-c", "text-retrieval", "-n", "3", "--seed", "2", *model, "-o", str(out), *extra)


def test_generate_batch_writes_the_online_rows_and_records_the_batch(tmp_path, stub):
    assert generate(stub, tmp_path / "online.jsonl").exit_code == 0
    done = generate(stub, tmp_path / "batch.jsonl", "--batch", "--batch-poll", "0.01")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "batch.jsonl").read_bytes() == (tmp_path / "online.jsonl").read_bytes()
    assert (stub.created, stub.online) == (1, 3)
    journal = (tmp_path / "batch.jsonl.progress.jsonl").read_text()
    assert '"event": "submitted", "id": "batch_1"' in journal and KEY not in journal


def test_the_file_route_writes_requests_exits_0_then_reads_results(tmp_path, stub):
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    first = generate(stub, tmp_path / "tasks.jsonl", "--batch-requests", str(requests))
    assert first.exit_code == 0, first.output
    assert len(requests.read_text().splitlines()) == 3 and KEY not in requests.read_text()
    answered = []
    for line in requests.read_text().splitlines():
        request = json.loads(line)
        status, body = stub.reply(request["body"])
        answered.append({"custom_id": request["custom_id"], "response": {"status_code": status, "body": body}})
    results.write_text("".join(json.dumps(line) + "\n" for line in answered))
    second = generate(stub, tmp_path / "tasks.jsonl", "--batch-results", str(results), "--resume")
    assert second.exit_code == 0, second.output
    assert generate(stub, tmp_path / "online.jsonl").exit_code == 0
    assert (tmp_path / "tasks.jsonl").read_bytes() == (tmp_path / "online.jsonl").read_bytes()
    assert stub.created == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--batch-poll", "5"], "--batch-poll needs --batch"),
        (["--batch", "--batch-requests", "r.jsonl"], "one or the other"),
        (["--batch-poll", "0", "--batch"], "x>0"),
        (["--batch", "--avoid-archive", "2"], "avoid"),
    ],
)
def test_bad_batch_options_exit_2_and_write_nothing(tmp_path, stub, args, says):
    done = generate(stub, tmp_path / "tasks.jsonl", *args)
    assert done.exit_code == 2 and says in done.output
    assert not (tmp_path / "tasks.jsonl").exists() and stub.uploads == 0


def test_generate_batch_to_stdout_is_refused(tmp_path, stub):
    model = ["-m", "openai/stub", "--api-base", stub.base_url]
    done = cli("generate", "-c", "text-retrieval", *model, "--batch")
    assert done.exit_code == 2 and "output file" in done.output and stub.uploads == 0


def test_pipeline_batch_runs_stage_1_batch_then_stage_2_batch(tmp_path, stub):
    model = ["-m", "openai/stub", "--api-base", stub.base_url, "--no-progress", "--seed", "4"]
    args = ["pipeline", "-c", "text-classification", "-n", "2", "--per-task", "1", *model]
    done = cli(*args, "-o", str(tmp_path / "run"), "--batch", "--batch-poll", "0.01")
    assert done.exit_code == 0, done.output
    assert stub.created == 2 and stub.online == 0
    tasks = (tmp_path / "run" / "tasks.jsonl").read_text().splitlines()
    examples = (tmp_path / "run" / "examples.jsonl").read_text().splitlines()
    assert len(tasks) == 2 and len(examples) == 4  # 2 calls x 2 tasks, one example each
    first_batch = [json.loads(line)["custom_id"] for line in stub.files["file-1"].decode().splitlines()]
    second_batch = [json.loads(line)["custom_id"] for line in stub.files["file-2"].decode().splitlines()]
    assert first_batch == ["text-classification#0", "text-classification#1"]
    assert len(second_batch) == 4 and all(name.startswith("text-classification#") for name in second_batch)
    online = cli(*args, "-o", str(tmp_path / "online"))
    assert online.exit_code == 0
    assert (tmp_path / "online" / "examples.jsonl").read_text().splitlines() == examples


def test_pipeline_refuses_the_file_route(tmp_path, stub):
    model = ["-m", "openai/stub", "--api-base", stub.base_url]
    done = cli("pipeline", "-c", "text-classification", *model, "-o", str(tmp_path / "run"), "--batch-requests", "r")
    assert done.exit_code == 2 and "stage by stage" in done.output and not (tmp_path / "run").exists()


def test_examples_batch_writes_the_online_rows(tmp_path, stub):
    tasks = tmp_path / "tasks.jsonl"
    row = {"category": "text-classification", "generation": 0, "seed": 1, "tasks": ["Classify a review by sentiment."]}
    tasks.write_text(json.dumps(row) + "\n")
    model = ["-m", "openai/stub", "--api-base", stub.base_url, "--no-progress", "--seed", "3", "--per-task", "2"]
    args = ["examples", "--tasks", str(tasks), *model]
    assert cli(*args, "-o", str(tmp_path / "online.jsonl")).exit_code == 0
    done = cli(*args, "-o", str(tmp_path / "batch.jsonl"), "--batch", "--batch-poll", "0.01")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "batch.jsonl").read_bytes() == (tmp_path / "online.jsonl").read_bytes()
    assert stub.created == 1


def test_an_unparsable_answer_by_the_file_route_with_the_chat_adapter_chosen_is_a_parse_failure(tmp_path):
    """``--adapter chat`` (the user's adapter, not the run's default) must not ask again with the
    JSON adapter on the replay either: its second request is not in the file, so the call
    was an error (a ``BatchError``, batched again by a resume) instead of a parse failure."""
    requests, results, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl", tmp_path / "tasks.jsonl"
    with BatchStub(mode=lambda body: (200, "no fields at all")) as server:
        args = ["-m", "openai/stub", "--api-base", server.base_url, "--no-progress", "--adapter", "chat"]
        base = ["generate", "-c", "text-retrieval", "-n", "2", "--seed", "2", *args, "-o", str(out)]
        assert cli(*base, "--batch-requests", str(requests)).exit_code == 0
        answered = []
        for line in requests.read_text().splitlines():
            request = json.loads(line)
            status, body = server.reply(request["body"])
            answered.append({"custom_id": request["custom_id"], "response": {"status_code": status, "body": body}})
        results.write_text("".join(json.dumps(line) + "\n" for line in answered))
        done = cli(*base, "--batch-results", str(results), "--resume")
    assert done.exit_code == 3, done.output
    summary = json.loads((tmp_path / "tasks.jsonl.summary.json").read_text())
    assert (summary["parse_failures"], summary["errors"]) == (2, 0), summary["errors_by_type"]
    failures = [json.loads(line) for line in (tmp_path / "tasks.jsonl.failures.jsonl").read_text().splitlines()]
    assert [f["raw_output"] for f in failures] == ["no fields at all"] * 2
