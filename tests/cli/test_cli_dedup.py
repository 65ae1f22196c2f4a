"""`embtaskgen dedup`: writes the kept rows and the report; bad input exits 2 and writes nothing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from embtaskgen.cli.main import main

TASKS = [
    "Given a question about home repairs, retrieve how-to articles that answer it.",
    "Classify customer emails by how urgent the request is.",
    "Retrieve how-to articles that answer a given question about home repairs!",
    "Match a song title to the artist who recorded it.",
]


def _source(tmp_path: Path, rows: list[dict] | None = None) -> Path:
    rows = rows if rows is not None else [{"category": "c", "task": t} for t in TASKS]
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_dedup_writes_the_kept_rows_and_the_report(tmp_path):
    source = _source(tmp_path)
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert "kept 3 of 4 texts (1 near-duplicates of 1 kept texts)" in result.output
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["task"] for r in rows] == [TASKS[0], TASKS[1], TASKS[3]]
    report = json.loads((tmp_path / "out.jsonl.dedup-report.json").read_text())
    assert report["removed"] == 1 and report["duplicates"][0]["kept"]["text"] == TASKS[0]


def test_options_reach_the_report(tmp_path):
    source = _source(tmp_path, [{"user_query": t} for t in TASKS])
    report = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [
            "dedup",
            str(source),
            "-o",
            str(tmp_path / "out.jsonl"),
            "--column",
            "user_query",
            "--shingles",
            "char",
            "--shingle-size",
            "5",
            "--threshold",
            "0.9",
            "--num-perm",
            "64",
            "--engine",
            "rensa",
            "--seed",
            "3",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(report.read_text())
    assert {
        k: doc[k] for k in ("column", "shingles", "shingle_size", "threshold", "num_perm", "engine", "seed", "removed")
    } == {
        "column": "user_query",
        "shingles": "char",
        "shingle_size": 5,
        "threshold": 0.9,
        "num_perm": 64,
        "engine": "rensa",
        "seed": 3,
        "removed": 0,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "query"], "no column 'query'"),
        (["--threshold", "0"], "threshold must be a number in (0, 1]"),
        (["--threshold", "1.2"], "threshold must be a number in (0, 1]"),
        (["--threshold", "x"], "is not a valid float"),
        (["--engine", "spark"], "'spark' is not 'rensa'"),
        (["--engine", "datasketch"], "'datasketch' is not 'rensa'"),
        (["--shingles", "line"], "'line' is not one of 'word', 'char'"),
        (["--shingle-size", "0"], "shingle_size must be an integer from 1 to 32"),
        (["--num-perm", "4"], "num_perm must be an integer >= 16"),
        (["--ray-address", "auto"], "--ray-address needs --executor ray"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path, args, message):
    source = _source(tmp_path)
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "out.jsonl"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]


def test_a_missing_input_or_a_bad_line_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["dedup", str(tmp_path / "none.jsonl"), "-o", str(out)])
    assert result.exit_code == 2 and "no such file or folder" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task": "a"}\nnot json\n')
    result = CliRunner().invoke(main, ["dedup", str(bad), "-o", str(out)])
    assert result.exit_code == 2 and "bad.jsonl:2: not valid JSON" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]


def test_an_existing_out_exits_2_and_names_overwrite(tmp_path):
    source = _source(tmp_path)
    out = tmp_path / "notes.jsonl"
    out.write_text('{"mine": "keep me"}\n')
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "the output exists; pass --overwrite" in result.output
    assert out.read_text() == '{"mine": "keep me"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.jsonl", "tasks.jsonl"]
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 3
    again = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "new.jsonl"), "--report", str(out)])
    assert again.exit_code == 2 and "the report exists; pass --overwrite" in again.output


def test_an_out_inside_the_input_folder_exits_2(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    _source(folder).rename(folder / "part-000000.jsonl")
    (tmp_path / "link").symlink_to(folder)
    for out in (folder / "x.jsonl", tmp_path / "link" / "y.jsonl"):
        result = CliRunner().invoke(main, ["dedup", str(folder), "-o", str(out)])
        assert result.exit_code == 2, result.output
        assert "would land among the input's shards" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["part-000000.jsonl"]


@pytest.mark.parametrize("which", ["-o", "--report"])
def test_a_fifo_out_or_report_exits_2_and_stays_a_fifo(tmp_path, which):
    source = _source(tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    args = ["-o", str(fifo)] if which == "-o" else ["-o", str(tmp_path / "out.jsonl"), "--report", str(fifo)]
    result = CliRunner().invoke(main, ["dedup", str(source), *args])
    assert result.exit_code == 2, result.output
    assert "is a pipe, not a regular file" in result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo", "tasks.jsonl"]


def test_a_device_out_exits_2(tmp_path):
    device = tmp_path / "null"  # a link, so that a regression replaces the link, never /dev/null
    device.symlink_to("/dev/null")
    result = CliRunner().invoke(main, ["dedup", str(_source(tmp_path)), "-o", str(device)])
    assert result.exit_code == 2, result.output
    assert f"{device} is a device, not a regular file; the output" in result.output
    assert device.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["null", "tasks.jsonl"]


def test_pipeline_dedups_the_tasks_before_stage_2(tmp_path, monkeypatch):
    import itertools
    import threading

    from openai_stub import OpenAIStub

    topics, lock = itertools.cycle(["digital cameras", "mountain bicycles", "electric kettles"]), threading.Lock()

    def reply(body):  # per call, a task and its reworded near-duplicate
        if "[[ ## tasks ## ]]" in body["messages"][0]["content"]:
            with lock:
                topic = next(topics)
            tasks = [
                f"Classify customer reviews of {topic} by their sentiment.",
                f"Classify the sentiment of a customer review of {topic}.",
            ]
            return 200, f"[[ ## tasks ## ]]\n{json.dumps(tasks)}\n\n[[ ## completed ## ]]"
        return 200, (
            "[[ ## input_text ## ]]\nThe battery lasts two days.\n\n[[ ## label ## ]]\n"
            "favourable\n\n[[ ## misleading_label ## ]]\nunfavourable\n\n[[ ## completed ## ]]"
        )

    monkeypatch.setenv("OPENAI_API_KEY", "etg-cli-dedup-key")
    out = tmp_path / "run"
    with OpenAIStub(reply) as stub:
        args = ["pipeline", "-c", "text-classification", "-n", "2", "--per-task", "1", "--dedup", "-o", str(out),
                "-m", "openai/stub", "--api-base", stub.base_url, "--no-progress", "--no-cache"]  # fmt: skip
        result = CliRunner().invoke(main, args)
        # The pipeline owns DIR/tasks.dedup.jsonl: --resume writes it again without --overwrite.
        again = CliRunner().invoke(main, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert "kept 2 of 4 texts" in result.output
    stage_one = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    deduped = [json.loads(line) for line in (out / "tasks.dedup.jsonl").read_text().splitlines()]
    assert [len(r["tasks"]) for r in stage_one] == [2, 2]
    assert [r["tasks"] for r in deduped] == [r["tasks"][:1] for r in stage_one]
    report = json.loads((out / "tasks.dedup.jsonl.dedup-report.json").read_text())
    assert report["removed"] == 2 and report["column"] == "tasks"
    examples = [json.loads(line) for line in (out / "examples.jsonl").read_text().splitlines()]
    assert sorted(e["task"] for e in examples) == sorted(r["tasks"][0] for r in stage_one)
    assert again.exit_code == 0, again.output
    assert "kept 2 of 4 texts" in again.output
