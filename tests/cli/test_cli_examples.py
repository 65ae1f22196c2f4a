"""``embtaskgen examples`` and ``embtaskgen pipeline`` against a loopback OpenAI-compatible stub."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from openai_stub import OpenAIStub, chat_tasks_reply
from script_text import in_script

from embtaskgen import read_jsonl
from embtaskgen.cli.main import main

KEY = "etg-cli-examples-key-41c7"


def _answer(fields: dict[str, str]) -> str:
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def reply(body) -> tuple[int, str]:
    """Tasks for a brainstorm prompt, a valid example for an example prompt (different per prompt)."""
    system = body["messages"][0]["content"]
    d = hashlib.sha256(json.dumps(body.get("messages")).encode()).hexdigest()[:8]
    if "[[ ## tasks ## ]]" in system:
        return 200, chat_tasks_reply(body, count=2)
    if "[[ ## S1 ## ]]" in system:
        # S2 and S3 in the target language's script (bitext checks it; a run's seed draws the target).
        target = re.search(r"\[\[ ## target_language ## \]\]\n(.+)", body["messages"][-1]["content"])
        language = target.group(1).strip() if target else "English"
        return 200, _answer(
            {
                "S1": f"The cat {d} sits on the mat.",
                "S2": in_script("A cat is sitting", d, language),
                "S3": in_script("Stock prices fell", d, language),
            }
        )
    return 200, _answer(
        {
            "input_text": f"The battery {d} lasts two days and the screen is bright.",
            "label": "favourable",
            "misleading_label": "unfavourable",
        }
    )


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


@pytest.fixture()
def stub():
    with OpenAIStub(reply) as server:
        yield server


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def model(stub) -> list[str]:
    return ["-m", "openai/stub", "--api-base", stub.base_url, "--no-progress", "--no-cache"]


def write_tasks(path: Path) -> Path:
    rows = [
        {
            "category": "text-classification",
            "generation": 0,
            "seed": 1,
            "tasks": ["Classify a product review by sentiment.", "Tag a news headline with its topic."],
        }
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_examples_for_a_task_file(tmp_path, stub):
    tasks, out = write_tasks(tmp_path / "tasks.jsonl"), tmp_path / "examples.jsonl"
    done = cli("examples", "--tasks", str(tasks), "--per-task", "2", "-o", str(out), "--seed", "3", *model(stub))
    assert done.exit_code == 0, done.output
    rows = lines(out)
    assert len(rows) == 4 and {row["task_id"] for row in rows} == {"text-classification/0/0", "text-classification/0/1"}
    summary = json.loads((tmp_path / "examples.jsonl.summary.json").read_text())
    assert summary["status"] == "complete" and summary["usage"]["total_tokens"] > 0


def test_symmetric_examples_without_a_task_file_in_sentence_transformers_format(tmp_path, stub):
    out = tmp_path / "pairs.jsonl"
    done = cli(
        "examples",
        "--kinds",
        "sts,bitext",
        "--count",
        "2",
        "--format",
        "sentence-transformers",
        "-o",
        str(out),
        *model(stub),
    )
    assert done.exit_code == 0, done.output
    assert [row["kind"] for row in lines(out)] == ["sts", "sts", "bitext", "bitext"]  # FILE keeps the rows
    records = lines(tmp_path / "pairs.st-triplets.jsonl")
    assert len(records) == 4 and all(set(r) == {"anchor", "positive", "negative"} for r in records)


def test_resume_continues_and_refuses_other_settings(tmp_path, stub):
    out = tmp_path / "pairs.jsonl"
    assert cli("examples", "--kinds", "sts", "--count", "3", "-o", str(out), "--seed", "2", *model(stub)).exit_code == 0
    rows = out.read_text().splitlines()
    out.write_text("\n".join(rows[:1]) + "\n")
    again = cli("examples", "--kinds", "sts", "--count", "3", "-o", str(out), "--seed", "2", "--resume", *model(stub))
    assert again.exit_code == 0, again.output
    assert len(lines(out)) == 3 and len({r["example_index"] for r in lines(out)}) == 3
    before = out.read_bytes()
    refused = cli(
        "examples",
        "--kinds",
        "sts",
        "--count",
        "3",
        "-o",
        str(out),
        "--seed",
        "2",
        "--resume",
        "--temperature",
        "0.3",
        *model(stub),
    )
    assert refused.exit_code == 2 and "temperature" in refused.output
    assert out.read_bytes() == before
    fresh = cli("examples", "--kinds", "sts", "--count", "3", "-o", str(out), "--seed", "2", *model(stub))
    assert fresh.exit_code == 2 and "--resume" in fresh.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--kinds", "sts,nope", "--count", "2"], "valid kinds are text-retrieval"),
        (["--kinds", "text-classification", "--count", "2"], "add sts or bitext"),
        (["--kinds", "sts"], "--count"),
        ([], "nothing to write"),
        (["--tasks", "{missing}"], "missing field"),
        (["--tasks", "{empty}"], "no tasks"),
        (["--tasks", "{nofile}"], "does not exist"),
        (["--tasks", "{badbyte}"], "badbyte.jsonl:2: not UTF-8 text (byte 0xe9"),
        (["--tasks", "{surrogate}"], "surrogate.jsonl:1: the task is not UTF-8 text"),
        (["--tasks", "{long}"], "long.jsonl:1: a task of 1,000,000 characters; tasks are at most 2,000"),
        (["--kinds", "sts", "--count", "2", "--format", "csv"], "'jsonl', 'sentence-transformers'"),
        (["--kinds", "sts", "--count", "2", "--languages", "klingon"], "'english', 'paper'"),
    ],
)
def test_bad_arguments_exit_2_and_create_nothing(tmp_path, stub, args, says):
    (tmp_path / "missing.jsonl").write_text('{"category": "text-classification", "generation": 0}\n')
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "badbyte.jsonl").write_bytes(
        b'{"category": "text-retrieval", "task": "A."}\n{"category": "text-retrieval", "task": "caf\xe9"}\n'
    )
    (tmp_path / "surrogate.jsonl").write_text('{"category": "text-retrieval", "task": "caf\\udce9"}\n')
    (tmp_path / "long.jsonl").write_text(json.dumps({"category": "text-retrieval", "task": "x" * 1_000_000}) + "\n")
    names = ("missing", "empty", "nofile", "badbyte", "surrogate", "long")
    args = [a.format(**{name: tmp_path / f"{name}.jsonl" for name in names}) for a in args]
    out = tmp_path / "out" / "examples.jsonl"
    out.parent.mkdir()
    done = cli("examples", *args, "-o", str(out), *model(stub))
    assert done.exit_code == 2, done.output
    assert says in done.output
    assert list(out.parent.iterdir()) == []
    assert stub.calls == 0


def test_exit_3_when_every_call_fails_and_1_when_some_do(tmp_path):
    with OpenAIStub("status", status=401, answer="no") as refusing:
        done = cli("examples", "--kinds", "sts", "--count", "2", "-o", str(tmp_path / "a.jsonl"), *model(refusing))
    assert done.exit_code == 3, done.output
    count, lock = itertools.count(), threading.Lock()

    def every_other(body):
        with lock:
            n = next(count)
        return reply(body) if n % 2 == 0 else (401, "no")

    with OpenAIStub(every_other) as flaky:
        done = cli(
            "examples",
            "--kinds",
            "sts",
            "--count",
            "4",
            "--concurrency",
            "1",
            "-o",
            str(tmp_path / "b.jsonl"),
            *model(flaky),
        )
    assert done.exit_code == 1, done.output
    assert "failed" in done.output


def _same_sts(body) -> tuple[int, str]:
    """Like ``reply``, but every STS example repeats a text (invalid: ``texts_not_distinct``)."""
    if "[[ ## S1 ## ]]" in body["messages"][0]["content"]:
        return 200, _answer({"S1": "Same.", "S2": "Same.", "S3": "Other."})
    return reply(body)


def test_invalid_examples_are_counted_and_leave_the_exit_status_0(tmp_path):
    tasks, out = write_tasks(tmp_path / "tasks.jsonl"), tmp_path / "examples.jsonl"
    with OpenAIStub(_same_sts) as server:
        done = cli(
            "examples", "--tasks", str(tasks), "--kinds", "text-classification,sts", "--count", "2",
            "-o", str(out), *model(server),
        )  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads((tmp_path / "examples.jsonl.summary.json").read_text())
    assert (summary["ok"], summary["invalid"], summary["errors"], summary["parse_failures"]) == (2, 2, 0, 0)
    assert summary["dropped"] == {"texts_not_distinct": 2} and "invalid=2" in done.output
    assert {f["reason"] for f in lines(tmp_path / "examples.jsonl.failures.jsonl")} == {"invalid"}
    with OpenAIStub(_same_sts) as server:  # only invalid ones: the model answered, so 0 too
        done = cli("examples", "--kinds", "sts", "--count", "2", "-o", str(tmp_path / "sts.jsonl"), *model(server))
    assert done.exit_code == 0, done.output


def _echo(body) -> tuple[int, str]:
    """A valid classification example whose input quotes the request's Authorization header back."""
    status, text = reply(body)
    return status, text.replace("The battery", "The battery of {authorization}", 1)


def test_a_server_that_echoes_the_key_gets_it_redacted_in_example_rows(tmp_path):
    tasks, out = write_tasks(tmp_path / "tasks.jsonl"), tmp_path / "examples.jsonl"
    with OpenAIStub(_echo) as server:
        done = cli("examples", "--tasks", str(tasks), "--per-task", "1", "-o", str(out), *model(server))
    assert done.exit_code == 0, done.output
    assert all(row["input_text"].startswith("The battery of Bearer [REDACTED] ") for row in lines(out))
    assert len(lines(out)) == 2
    assert all(KEY not in p.read_text() for p in tmp_path.iterdir())


def test_a_task_holding_the_key_exits_2_before_any_call(tmp_path):
    tasks, out = tmp_path / "tasks.jsonl", tmp_path / "examples.jsonl"
    tasks.write_text(json.dumps({"category": "text-classification", "task": f"Classify texts signed {KEY}."}) + "\n")
    with OpenAIStub(reply) as server:
        done = CliRunner().invoke(main, ["examples", "--tasks", str(tasks), "-o", str(out), *model(server)])
        assert server.calls == 0
    assert done.exit_code == 2, done.output
    assert "Error: task 'text-classification/" in done.output and "holds the API key" in done.output
    assert KEY not in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]


def test_an_error_beside_invalid_examples_still_exits_1(tmp_path):
    count, lock = itertools.count(), threading.Lock()

    def invalid_then_refused(body):
        with lock:
            n = next(count)
        return _same_sts(body) if n % 2 == 0 else (401, "no")

    out = tmp_path / "pairs.jsonl"
    with OpenAIStub(invalid_then_refused) as server:
        done = cli("examples", "--kinds", "sts", "--count", "4", "--concurrency", "1", "-o", str(out), *model(server))
    assert done.exit_code == 1, done.output  # answered (invalid) and failed calls: some failed, not all
    summary = json.loads((tmp_path / "pairs.jsonl.summary.json").read_text())
    assert (summary["ok"], summary["invalid"], summary["errors"]) == (0, 2, 2)
    assert "2 of 4 examples failed (LMAuthError x2)" in done.output


def test_pipeline_writes_tasks_then_examples_that_read_back(tmp_path, stub):
    out = tmp_path / "run"
    done = cli(
        "pipeline",
        "-c",
        "text-classification",
        "-n",
        "2",
        "--per-task",
        "2",
        "--kinds",
        "sts",
        "--count",
        "1",
        "-o",
        str(out),
        *model(stub),
    )
    assert done.exit_code == 0, done.output
    tasks = read_jsonl(out / "tasks.jsonl")
    examples = read_jsonl(out / "examples.jsonl")
    assert len(tasks) == 2 and len(examples) == 2 * 2 * 2 + 1
    assert {row["kind"] for row in examples} == {"text-classification", "sts"}
    assert {row["seed"] for row in examples} == {tasks[0]["seed"]}
    for name in ("tasks.jsonl.summary.json", "examples.jsonl.summary.json"):
        assert json.loads((out / name).read_text())["status"] == "complete"
    again = cli(
        "pipeline",
        "-c",
        "text-classification",
        "-n",
        "2",
        "--per-task",
        "2",
        "--kinds",
        "sts",
        "--count",
        "1",
        "-o",
        str(out),
        "--resume",
        *model(stub),
    )
    assert again.exit_code == 0, again.output
    assert len(read_jsonl(out / "examples.jsonl")) == 9


def test_pipeline_bad_arguments_exit_2_and_create_nothing(tmp_path, stub):
    out = tmp_path / "run"
    done = cli("pipeline", "-c", "text-classification", "--kinds", "nope", "-o", str(out), *model(stub))
    assert done.exit_code == 2 and "valid kinds" in done.output
    done = cli("pipeline", "-c", "text-classification", "--count", "2", "-o", str(out), *model(stub))
    assert done.exit_code == 2 and "add sts or bitext" in done.output
    assert not out.exists() and stub.calls == 0


def test_pipeline_over_an_earlier_run_needs_resume_and_writes_nothing(tmp_path, stub):
    out = tmp_path / "run"
    args = ["pipeline", "-c", "text-classification", "-n", "1", "-o", str(out), *model(stub)]
    first = cli(*args)
    assert first.exit_code == 0, first.output
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    calls = stub.calls
    refused = cli(*args)
    assert refused.exit_code == 2 and "--resume" in refused.output
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before and stub.calls == calls


def test_pipeline_stops_after_a_stage_1_that_wrote_no_tasks(tmp_path):
    with OpenAIStub("status", status=401, answer="no") as refusing:
        done = cli("pipeline", "-c", "text-classification", "-n", "1", "-o", str(tmp_path / "run"), *model(refusing))
    assert done.exit_code == 3 and "stage 2 was not run" in done.output
    assert not (tmp_path / "run" / "examples.jsonl").exists()


def test_pipeline_stops_when_stage_1_rejected_every_task(tmp_path):
    """Stage 1 ended cleanly but its gate dropped every task: a row with none is no input for stage 2."""
    tasks = json.dumps(["Retrieve aaaa bbbb cccc passages.", "Find fff."])
    garbled = f"[[ ## tasks ## ]]\n{tasks}\n\n[[ ## completed ## ]]"
    with OpenAIStub(lambda body: (200, garbled)) as server:
        done = cli("pipeline", "-c", "text-classification", "-n", "1", "-o", str(tmp_path / "run"), *model(server))
    assert done.exit_code == 1 and "stage 1 wrote no tasks; stage 2 was not run" in done.output, done.output
    assert not (tmp_path / "run" / "examples.jsonl").exists() and server.calls == 1
