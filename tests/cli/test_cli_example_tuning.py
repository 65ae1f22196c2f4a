"""``embtaskgen optimize --stage examples`` and ``embtaskgen examples --program``."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from scripted import prompt_text, scripted_lm

import embtaskgen.lm.resolve
from embtaskgen.cli.main import main


def _answer(fields):
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def reply(request):
    """Valid sts triplets; only with worked examples in the conversation is S2 the closer text."""
    tag = hashlib.sha256(prompt_text(request).encode()).hexdigest()[:6]
    s1 = f"The orchestra {tag} played a quiet symphony tonight."
    close, far = f"The orchestra {tag} performed a quiet symphony tonight.", f"Farmers {tag} sold apples at dawn."
    if len(request.messages) > 1:
        return _answer({"S1": s1, "S2": close, "S3": far})
    return _answer({"S1": s1, "S2": far, "S3": close})


@pytest.fixture(autouse=True)
def scripted(monkeypatch):
    lm = scripted_lm(reply, model="scripted/examples")
    monkeypatch.setattr(embtaskgen.lm.resolve, "resolve_lm", lambda *args, **kwargs: lm)


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_optimize_the_examples_stage_then_write_examples_with_the_program(tmp_path):
    program = tmp_path / "examples.json"
    result = cli(
        "optimize", "--stage", "examples", "--kinds", "sts", "--budget", "16", "--eval-topics", "2", "-o", str(program)
    )
    assert result.exit_code == 0, result.output
    state = json.loads(program.read_text())
    info = state["embtaskgen"]
    assert info["stage"] == "examples" and info["optimizer"] == "bootstrap"
    assert state["similarity_triplet"]["demos"], "the program changed: bootstrapped demos were kept"
    scores = info["heldout"]["sts"]
    assert scores["tuned"]["score"] > scores["untuned"]["score"]
    assert "sts" in result.output and "->" in result.output

    tuned, untuned = tmp_path / "tuned.jsonl", tmp_path / "untuned.jsonl"
    for out, chosen in ((tuned, str(program)), (untuned, "none")):
        result = cli(
            "examples",
            "--kinds",
            "sts",
            "--count",
            "3",
            "--seed",
            "1",
            "--program",
            chosen,
            "--no-progress",
            "-o",
            str(out),
        )
        assert result.exit_code == 0, result.output
    first = [json.loads(line) for line in tuned.read_text().splitlines()]
    plain = [json.loads(line) for line in untuned.read_text().splitlines()]
    assert all("performed" in row["S2"] for row in first) and all("Farmers" in row["S2"] for row in plain)


def test_a_bad_stage_names_the_valid_choices(tmp_path):
    result = cli("optimize", "--stage", "training", "-o", str(tmp_path / "p.json"))
    assert result.exit_code == 2
    assert "'tasks'" in result.output and "'examples'" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, says",
    [
        (["--stage", "examples", "--kinds", "paraphrase"], "valid kinds are"),
        (["--kinds", "sts"], "--stage examples"),
        (["--stage", "examples", "--kinds", "sts", "--program", "missing.json"], "no program file"),
    ],
)
def test_bad_example_tuning_arguments_exit_2_and_write_nothing(tmp_path, args, says):
    result = cli("optimize", *args, "--budget", "8", "-o", str(tmp_path / "p.json"))
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert not (tmp_path / "p.json").exists()


def test_examples_refuses_a_stage_1_program(tmp_path):
    from embtaskgen import EmbeddingTaskGenerator, save_program

    stage1 = save_program(EmbeddingTaskGenerator("text-retrieval", lm="openai/none"), tmp_path / "tasks.json")
    out = tmp_path / "x.jsonl"
    result = cli("examples", "--kinds", "sts", "--count", "1", "--program", str(stage1), "-o", str(out))
    assert result.exit_code == 2 and "similarity_triplet" in result.output
    assert not out.exists()


def test_pipeline_writes_its_examples_with_an_example_program(tmp_path, monkeypatch):
    def both(request):  # stage 1 gets tasks, stage 2 the sts triplets of `reply`
        text = prompt_text(request)
        if "[[ ## tasks ## ]]" in text:
            tag = hashlib.sha256(text.encode()).hexdigest()[:6]
            return _answer({"tasks": json.dumps([f"Given a question about topic {tag}, retrieve answers."])})
        return reply(request)

    lm = scripted_lm(both, model="scripted/pipeline")
    monkeypatch.setattr(embtaskgen.lm.resolve, "resolve_lm", lambda *args, **kwargs: lm)
    program = tmp_path / "examples.json"
    assert (
        cli(
            "optimize",
            "--stage",
            "examples",
            "--kinds",
            "sts",
            "--budget",
            "16",
            "--eval-topics",
            "2",
            "-o",
            str(program),
        ).exit_code
        == 0
    )
    for chosen, expect in ((str(program), "performed"), ("none", "Farmers")):
        out = tmp_path / f"run-{expect}"
        result = cli(
            "pipeline",
            "-c",
            "text-retrieval",
            "--kinds",
            "sts",
            "--count",
            "2",
            "--seed",
            "1",
            "--examples-program",
            chosen,
            "--no-progress",
            "-o",
            str(out),
        )
        assert result.exit_code in (0, 1, 3), result.output  # retrieval examples get sts answers: failures
        rows = [json.loads(line) for line in (out / "examples.jsonl").read_text().splitlines()]
        sts = [row for row in rows if row["kind"] == "sts"]
        assert len(sts) == 2 and all(expect in row["S2"] for row in sts)


def test_pipeline_refuses_a_bad_example_program_before_writing_anything(tmp_path):
    out = tmp_path / "out"
    result = cli(
        "pipeline", "-c", "text-retrieval", "--examples-program", str(tmp_path / "missing.json"), "-o", str(out)
    )
    assert result.exit_code == 2, result.output
    assert not out.exists()
