"""``--api-base`` given more than once: the calls are spread over the replicas, the rows do not change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openai_stub import OpenAIStub, chat_tasks_reply

from embtaskgen.cli.main import main

KEY = "etg-cli-replicas-key-5d1e"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def _generate(out: Path, *bases: str, extra: tuple[str, ...] = ()):
    args = [
        "generate",
        "-m",
        "openai/stub",
        "-o",
        str(out),
        "--no-progress",
        "--no-cache",
        "--seed",
        "5",
        "-c",
        "text-retrieval",
        "-c",
        "text-classification",
        "-n",
        "8",
        "--flatten",
        *extra,
    ]
    for base in bases:
        args += ["--api-base", base]
    return CliRunner().invoke(main, args)


def _rows(path: Path) -> list[dict]:
    return sorted(
        (json.loads(line) for line in path.read_text().splitlines()),
        key=lambda row: (row["category"], row["generation"], row["task"]),
    )


def test_two_replicas_share_the_calls_and_give_the_rows_of_one(tmp_path):
    with OpenAIStub() as one, OpenAIStub() as a, OpenAIStub() as b:
        single = _generate(tmp_path / "one.jsonl", one.base_url)
        both = _generate(tmp_path / "both.jsonl", a.base_url, b.base_url)
        assert (single.exit_code, both.exit_code) == (0, 0), both.output
        assert one.calls == a.calls + b.calls == 16
        assert 4 <= a.calls <= 12, (a.calls, b.calls)  # about half each
        urls = [a.base_url, b.base_url]
    assert _rows(tmp_path / "both.jsonl") == _rows(tmp_path / "one.jsonl")
    summary = json.loads((tmp_path / "both.jsonl.summary.json").read_text())
    assert summary["status"] == "complete"
    journal = (tmp_path / "both.jsonl.progress.jsonl").read_text().splitlines()
    assert json.loads(journal[0])["api_base"] == urls


def test_the_same_seed_sends_each_call_to_the_same_replica(tmp_path):
    def prompts(stub: OpenAIStub) -> set[str]:
        return {json.dumps(request["body"]["messages"]) for request in stub.requests}

    with OpenAIStub() as a, OpenAIStub() as b:
        _generate(tmp_path / "first.jsonl", a.base_url, b.base_url)
        first = (prompts(a), prompts(b))
        _generate(tmp_path / "second.jsonl", a.base_url, b.base_url)
        assert (a.calls, b.calls) == (2 * len(first[0]), 2 * len(first[1]))
        assert (prompts(a), prompts(b)) == first


@pytest.mark.parametrize(
    ("bad", "named"), [("127.0.0.1:9/v1", "http:// or https://"), ("http://127.0.0.1:9/v1/", "twice")]
)
def test_a_bad_url_in_the_list_exits_2_naming_it_and_writes_nothing(tmp_path, bad, named):
    out = tmp_path / "out.jsonl"
    result = _generate(out, "http://127.0.0.1:9/v1", bad)
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert not list(tmp_path.iterdir())


def test_examples_with_a_bad_url_in_the_list_exits_2(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "examples",
            "--kinds",
            "sts",
            "--count",
            "2",
            "-o",
            str(tmp_path / "e.jsonl"),
            "-m",
            "openai/stub",
            "--api-base",
            "http://127.0.0.1:9/v1",
            "--api-base",
            "ftp://127.0.0.1:9/v1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "http:// or https://" in result.output
    assert not list(tmp_path.iterdir())


def test_resume_with_another_set_of_replicas_continues_the_file(tmp_path):
    out = tmp_path / "out.jsonl"
    with OpenAIStub() as a, OpenAIStub() as b, OpenAIStub() as c:
        first = _generate(out, a.base_url, b.base_url, extra=("--max-failures", "1000"))
        assert first.exit_code == 0, first.output
        more = _generate(out, c.base_url, extra=("--resume",))
        assert more.exit_code == 0, more.output
        assert c.calls == 0  # nothing left to do: the file was taken as this run's
        other = _generate(tmp_path / "single.jsonl", a.base_url)
        assert other.exit_code == 0
        refused = _generate(tmp_path / "single.jsonl", b.base_url, extra=("--resume",))
    assert refused.exit_code == 2 and "api_base" in refused.output


def _task_or_example(body) -> tuple[int, str]:
    """Tasks for a brainstorm prompt, a classification example otherwise (both depend on the prompt)."""
    if "[[ ## tasks ## ]]" in body["messages"][0]["content"]:
        return 200, chat_tasks_reply(body, count=2)
    digest = hashlib.sha256(json.dumps(body.get("messages")).encode()).hexdigest()[:8]
    fields = {
        "input_text": f"The battery {digest} lasts two days and the screen is bright.",
        "label": "favourable",
        "misleading_label": "unfavourable",
    }
    return 200, "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def test_pipeline_spreads_both_stages_over_the_replicas_with_the_rows_of_one(tmp_path):
    def pipeline(out: Path, *bases: str):
        args = [
            "pipeline",
            "-c",
            "text-classification",
            "-n",
            "4",
            "--per-task",
            "2",
            "--seed",
            "3",
            "-m",
            "openai/stub",
            "--no-progress",
            "--no-cache",
            "-o",
            str(out),
        ]
        for base in bases:
            args += ["--api-base", base]
        return CliRunner().invoke(main, args)

    with OpenAIStub(_task_or_example) as one, OpenAIStub(_task_or_example) as a, OpenAIStub(_task_or_example) as b:
        assert pipeline(tmp_path / "one", one.base_url).exit_code == 0
        both = pipeline(tmp_path / "both", a.base_url, b.base_url)
        assert both.exit_code == 0, both.output
        assert one.calls == a.calls + b.calls and a.calls > 0 and b.calls > 0
    for name in ("tasks.jsonl", "examples.jsonl"):
        assert sorted((tmp_path / "both" / name).read_text().splitlines()) == sorted(
            (tmp_path / "one" / name).read_text().splitlines()
        )


def test_a_hung_replica_times_out_and_its_calls_go_to_the_other_one(tmp_path):
    """Issue 21: retries went back to the hung replica; 0 rows were written after 10 s."""
    with OpenAIStub("hang") as hung, OpenAIStub() as good, OpenAIStub() as one:
        # 2 s: time enough for the replica that answers on a loaded machine
        result = _generate(tmp_path / "out.jsonl", hung.base_url, good.base_url, extra=("--timeout", "2"))
        assert result.exit_code == 0, result.output
        assert good.calls == 16  # every generation answered by the replica that answers
        assert hung.calls <= 8  # left out once it failed twice in a row (the first wave was in flight)
        assert _generate(tmp_path / "one.jsonl", one.base_url).exit_code == 0
    assert json.loads((tmp_path / "out.jsonl.summary.json").read_text())["status"] == "complete"
    assert _rows(tmp_path / "out.jsonl") == _rows(tmp_path / "one.jsonl")
