"""The Ray options on the command line: usage errors exit 2 and write nothing."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from embtaskgen.cli.main import main

BASE = ["generate", "-c", "text-retrieval", "-m", "openai/stub", "--api-base", "http://127.0.0.1:9/v1"]


@pytest.mark.parametrize("address", ["127.0.0.1:1", "nonsense", "localhost:notaport"])
def test_a_bad_ray_address_exits_2_and_writes_nothing(tmp_path, address):
    pytest.importorskip("ray")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*BASE, "--executor", "ray", "--ray-address", address, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "ray" in result.output.lower() and address in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ray-workers", "2", "-o", "x.jsonl"], "need --executor ray"),
        (["--format", "parquet", "-o", "x.jsonl"], "needs --executor ray"),
        (["--executor", "ray"], "a folder of shards"),
        (["--executor", "ray", "--avoid-archive", "3", "-o", "out"], "avoid archive"),
    ],
)
def test_ray_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*BASE, *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_examples_refuse_sentence_transformers_on_ray(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "examples",
            "--kinds",
            "sts",
            "--count",
            "2",
            "-m",
            "openai/stub",
            "--executor",
            "ray",
            "--format",
            "sentence-transformers",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2 and "jsonl or parquet" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_dry_run_prints_and_writes_the_estimate_and_sends_nothing(tmp_path):
    from openai_stub import OpenAIStub

    estimate = tmp_path / "estimate.json"
    with OpenAIStub() as stub:
        args = ["generate", "-c", "all", "-n", "2", "--seed", "1", "-m", "openai/stub", "--api-base", stub.base_url]
        result = CliRunner().invoke(main, [*args, "--max-tokens", "300", "--dry-run", "-o", str(estimate)])
        assert stub.requests == []
    assert result.exit_code == 0, result.output
    assert "brainstorm: 8 calls to openai/stub" in result.output and "LiteLLM has no price" in result.output
    (stage,) = json.loads(estimate.read_text())["stages"]
    assert stage["calls"] == 8 and stage["completion_bound"] == 8 * 300
    assert list(tmp_path.iterdir()) == [estimate]


def test_examples_and_pipeline_dry_runs(tmp_path):
    from openai_stub import OpenAIStub

    with OpenAIStub() as stub:
        model = ["-m", "openai/stub", "--api-base", stub.base_url, "--seed", "1"]
        examples = CliRunner().invoke(
            main, ["examples", "--kinds", "sts", "--count", "3", *model, "--dry-run", "-o", str(tmp_path / "e.json")]
        )
        pipeline = CliRunner().invoke(
            main, ["pipeline", "-c", "text-retrieval", "-n", "2", *model, "--dry-run", "-o", str(tmp_path / "out")]
        )
        assert stub.requests == []
    assert examples.exit_code == 0 and pipeline.exit_code == 0, examples.output + pipeline.output
    assert json.loads((tmp_path / "e.json").read_text())["stages"][0]["calls"] == 3
    stages = json.loads((tmp_path / "out" / "dry-run.json").read_text())["stages"]
    assert [stage["stage"] for stage in stages] == ["brainstorm", "examples"]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["dry-run.json"]


def test_a_dry_run_with_a_judge_estimates_one_judge_call_per_example(tmp_path):
    from openai_stub import OpenAIStub

    from embtaskgen.lm.pricing import price_of

    with OpenAIStub() as stub:
        model = ["-m", "openai/stub", "--api-base", stub.base_url, "--seed", "1"]
        judge = ["--judge", "openai/gpt-4o-mini", "--judge-api-base", stub.base_url]
        examples = CliRunner().invoke(
            main,
            [
                "examples",
                "--kinds",
                "sts,bitext",
                "--count",
                "3",
                *model,
                *judge,
                "--dry-run",
                "-o",
                str(tmp_path / "e.json"),
            ],
        )
        pipeline = CliRunner().invoke(
            main,
            ["pipeline", "-c", "text-retrieval", "-n", "2", *model, *judge, "--dry-run", "-o", str(tmp_path / "out")],
        )
        assert stub.requests == []
    assert examples.exit_code == 0 and pipeline.exit_code == 0, examples.output + pipeline.output
    assert "judge: 6 calls to openai/gpt-4o-mini" in examples.output
    written, judged = json.loads((tmp_path / "e.json").read_text())["stages"]
    assert written["calls"] == judged["calls"] == 6 and judged["stage"] == "judge"
    assert judged["prompt_tokens"] > 6 * 50  # the grading prompt with a worked example in it
    price = price_of("openai/gpt-4o-mini")
    assert judged["cost"]["online"]["prompt"] == pytest.approx(price.cost(judged["prompt_tokens"], 0), abs=1e-6)
    stages = json.loads((tmp_path / "out" / "dry-run.json").read_text())["stages"]
    assert [stage["stage"] for stage in stages] == ["brainstorm", "examples", "judge"]
    assert stages[2]["calls"] == stages[1]["calls"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sample", "3", "-o", "x.jsonl"], "--sample applies to --dry-run"),
        (["--max-cost", "1", "-o", "x.jsonl"], "cost map"),
        (["--max-cost", "0", "-o", "x.jsonl"], "Invalid value for '--max-cost'"),
    ],
)
def test_cost_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*BASE, *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_the_summary_line_shows_the_cost_of_a_priced_model(tmp_path):
    from openai_stub import OpenAIStub

    def json_tasks(body):
        return 200, json.dumps({"tasks": [f"Given a claim of {len(str(body))} characters, retrieve its evidence."]})

    with OpenAIStub(json_tasks) as stub:
        args = ["generate", "-c", "text-retrieval", "-n", "2", "--seed", "1", "-m", "openai/gpt-4o-mini"]
        result = CliRunner().invoke(main, [*args, "--api-base", stub.base_url, "-o", str(tmp_path / "t.jsonl")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "t.jsonl.summary.json").read_text())
    assert summary["cost"] > 0 and f"cost=${summary['cost']:.4f} " in result.stderr


@pytest.mark.parametrize("args", [["--max-rpm", "0"], ["--max-tpm", "-5"], ["--max-rpm", "fast"]])
def test_bad_rate_limits_exit_2_and_write_nothing(tmp_path, args):
    out = tmp_path / "tasks.jsonl"
    result = CliRunner().invoke(main, [*BASE, *args, "-o", str(out)])
    assert result.exit_code == 2 and args[0] in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_rate_limits_need_the_local_executor(tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*BASE, "--executor", "ray", "--max-rpm", "60", "-o", str(out)])
    assert result.exit_code == 2 and "executor='local'" in result.output, result.output


@pytest.mark.parametrize("command", ["generate", "examples"])
def test_max_rpm_reaches_the_run(tmp_path, command):
    """A server that only answers 429 (no headers), 20 requests/s, 20 at once: --max-rpm keeps under it."""
    from rate_limited_stub import RateLimitedStub

    with RateLimitedStub(rpm=1200, tpm=10**8, burst=1.0, latency=0.05, headers=False) as stub:
        common = ["-m", "openai/stub", "--api-base", stub.base_url, "--concurrency", "32", "--max-rpm", "1200"]
        common += ["--seed", "1", "--no-progress", "-o", str(tmp_path / "out.jsonl")]
        if command == "generate":
            args = ["generate", "-c", "text-retrieval", "-n", "40", *common]
        else:
            args = ["examples", "--kinds", "sts", "--count", "40", *common]
        CliRunner().invoke(main, args)
        refused, admitted = stub.refused, stub.admitted
    assert admitted >= 40  # stage 2 on a stage-1 answer: a second request per call (the adapter's fallback)
    assert refused <= 0.02 * admitted, (refused, admitted)
