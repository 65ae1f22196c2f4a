"""`embtaskgen check`: every row comes out with its checks, a summary by reason; offline; a judge on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from judge_replies import judge_reply
from openai_stub import OpenAIStub

from embtaskgen.cli.main import main

ROWS = [
    {
        "kind": "sts",
        "task": "Retrieve semantically similar text.",
        "S1": "A dog runs on the beach.",
        "S2": "A dog is running along the sand.",
        "S3": "A dog sleeps on a sofa.",
        "task_id": "sts",
        "example_index": 0,
    },
    {
        "kind": "sts",
        "S1": "A man is playing a guitar on a busy street. A man plays the guitar for people passing by.",
        "S2": "Music on the street.",
        "S3": "A quiet shop.",
    },
    {
        "kind": "text-classification",
        "task": "Classify a food safety review by the industry it concerns.",
        "input_text": "The kitchen was spotless.",
        "label": "negative",
        "misleading_label": "positive",
    },
]


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "examples.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_check_writes_every_row_with_its_checks_and_a_report(tmp_path):
    out = tmp_path / "checked.jsonl"
    result = CliRunner().invoke(main, ["check", str(_write(tmp_path, ROWS)), "-o", str(out), "--checks", "form"])
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert [r["checks"] for r in rows] == [
        {"passed": True, "reasons": []},
        {"passed": False, "reasons": ["prompt_sentences"]},
        {"passed": True, "reasons": []},  # a sentiment label for an industry task: the embed level's
    ]
    assert rows[0]["task_id"] == "sts" and "task_id" not in rows[1]
    report = json.loads((tmp_path / "checked.jsonl.check-report.json").read_text())
    assert report == {"levels": ["form"], "rows": 3, "passed": 2, "reasons": {"prompt_sentences": 1}}
    assert "2 of 3 rows passed" in result.output


def test_task_files_of_either_shape_are_checked_task_by_task(tmp_path):
    rows = [
        {
            "category": "text-retrieval",
            "tasks": ["Given a claim, retrieve studies that test it.", "Given a query, retrieve a full query."],
        }
    ]
    out = tmp_path / "checked.jsonl"
    result = CliRunner().invoke(main, ["check", str(_write(tmp_path, rows)), "-o", str(out), "--checks", "form"])
    assert result.exit_code == 0, result.output
    checks = _read(out)[0]["checks"]
    assert checks["passed"] is False and checks["reasons"] == ["gate", "off_category"]
    assert [t["passed"] for t in checks["tasks"]] == [True, False]


def test_bad_usage_exits_2_and_writes_nothing(tmp_path):
    source = _write(tmp_path, ROWS)
    out = tmp_path / "out.jsonl"
    for args in (["--checks", "form,quick"], ["--checks", "judge"], ["--judge-api-base", "http://127.0.0.1:1/v1"]):
        result = CliRunner().invoke(main, ["check", str(source), "-o", str(out), *args])
        assert result.exit_code == 2, (args, result.output)
        assert not out.exists()
    assert (
        "valid levels are form, embed, judge"
        in CliRunner().invoke(main, ["check", str(source), "-o", str(out), "--checks", "fast"]).output
    )
    out.write_text("mine\n")
    result = CliRunner().invoke(main, ["check", str(source), "-o", str(out), "--checks", "form"])
    assert result.exit_code == 2 and "exists" in result.output and out.read_text() == "mine\n"


def test_an_unknown_kind_is_a_usage_error(tmp_path):
    source = _write(tmp_path, [{"kind": "poem", "text": "roses"}])
    result = CliRunner().invoke(main, ["check", str(source), "-o", str(tmp_path / "o.jsonl"), "--checks", "form"])
    assert result.exit_code == 2 and "valid kinds are" in result.output


def test_the_judgejudge_replys_each_row_through_a_loopback_server(tmp_path):
    out = tmp_path / "graded.jsonl"
    with OpenAIStub(judge_reply) as stub:
        result = CliRunner().invoke(
            main,
            [
                "check",
                str(_write(tmp_path, ROWS)),
                "-o",
                str(out),
                "--checks",
                "form,judge",
                "--judge",
                "openai/cli-judge",
                "--judge-api-base",
                stub.base_url,
            ],
        )
        assert result.exit_code == 0, result.output
        assert stub.calls == 3
    assert [r["checks"]["reasons"] for r in _read(out)] == [[], ["prompt_sentences"], ["judge:off-task"]]
    report = json.loads((tmp_path / "graded.jsonl.check-report.json").read_text())
    assert report["judge"]["model"] == "openai/cli-judge" and report["reasons"]["judge:off-task"] == 1
    assert report["judge"]["usage"]["prompt_tokens"] > 0 and report["judge"]["cost"] is None  # no price


@pytest.mark.slow
def test_by_default_check_runs_offline_with_the_embedder(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "checked.jsonl"
    result = CliRunner().invoke(main, ["check", str(_write(tmp_path, ROWS)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _read(out)[2]["checks"]["reasons"][0] == "label_off_task"
    assert "check (form,embed)" in result.output


def _sts(body):
    """An sts triplet per prompt (the writer of the run under test)."""
    import hashlib

    d = hashlib.sha256(json.dumps(body["messages"]).encode()).hexdigest()[:6]
    fields = {"S1": f"A dog {d} runs on the beach.", "S2": "A dog is running on sand.", "S3": "A dog sleeps."}
    return 200, "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def test_stage_2_records_the_checks_in_its_rows_after_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "etg-check-key")
    out = tmp_path / "pairs.jsonl"
    with OpenAIStub(_sts) as writer, OpenAIStub(judge_reply) as judge:
        common = ["examples", "--kinds", "sts", "--count", "2", "-m", "openai/stub", "--api-base", writer.base_url]
        result = CliRunner().invoke(
            main,
            [
                *common,
                "--no-progress",
                "-o",
                str(out),
                "--checks",
                "form,judge",
                "--judge",
                "openai/stage-2-judge",
                "--judge-api-base",
                judge.base_url,
            ],
        )
        assert result.exit_code == 0, result.output
        assert judge.calls == 2
    rows = _read(out)
    assert [r["checks"] for r in rows] == [{"passed": True, "reasons": []}] * 2
    assert "check (form,judge): 2 of 2 rows passed" in result.output
    bad = CliRunner().invoke(main, [*common, "-o", str(tmp_path / "x.jsonl"), "--checks", "form,nope"])
    assert bad.exit_code == 2 and not (tmp_path / "x.jsonl").exists()
