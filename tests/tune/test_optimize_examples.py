"""Tuning the example prompts (stage 2) against score_example, saving and loading the program."""

from __future__ import annotations

import hashlib
import json

import pytest
from scripted import prompt_text, scripted_lm

from embtaskgen import EmbeddingExampleGenerator
from embtaskgen.errors import ConfigError, ProgramFileError
from embtaskgen.examples.tuning_program import ExampleProgram
from embtaskgen.examples.tuning_splits import HELDOUT_TASKS, TRAIN_TASKS, example_heldout_set, example_training_set
from embtaskgen.programs.choice import resolve_example_program
from embtaskgen.programs.files import apply_program as apply_example_program
from embtaskgen.programs.files import read_program
from embtaskgen.programs.files import save_program as save_example_program
from embtaskgen.tune.evaluation import evaluate_examples, format_example_comparison
from embtaskgen.tune.optimize import optimize_examples


def _answer(fields):
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def better_with_demos(request) -> str:
    """Valid sts triplets; without worked examples S3 (not S2) is the text closer to S1."""
    tag = hashlib.sha256(prompt_text(request).encode()).hexdigest()[:6]
    s1 = f"The orchestra {tag} played a quiet symphony tonight."
    close, far = f"The orchestra {tag} performed a quiet symphony tonight.", f"Farmers {tag} sold apples at dawn."
    if len(request.messages) > 1:  # demos are earlier turns of the conversation
        return _answer({"S1": s1, "S2": close, "S3": far})
    return _answer({"S1": s1, "S2": far, "S3": close})


def generator(lm=None):
    return EmbeddingExampleGenerator("sts", lm=lm or scripted_lm(better_with_demos, model="scripted/examples"))


def test_bootstrap_tunes_saves_and_reloads_a_better_example_program(tmp_path):
    untuned = generator()
    tuned = optimize_examples(untuned, budget=16, seed=0)
    assert untuned.similarity_triplet.demos == [] and tuned.similarity_triplet.demos
    info = tuned.program_info
    assert info["stage"] == "examples" and info["optimizer"] == "bootstrap" and info["budget"] == 16
    stats = info["kinds"]["sts"]
    assert stats["program_calls"] > 0 and stats["lm_calls"]["task_lm"]["calls"] > 0 and stats["demos"] >= 1

    before = evaluate_examples(untuned, tasks=3)
    after = evaluate_examples(tuned, tasks=3)
    assert after["kinds"]["sts"]["score"] > before["kinds"]["sts"]["score"]
    assert "0." in format_example_comparison(before, after)

    path = save_example_program(tuned, tmp_path / "examples.json")
    raw = json.loads(path.read_text())
    assert set(raw) == {"embtaskgen", "similarity_triplet", "metadata"} and raw["similarity_triplet"]["lm"] is None
    fresh = generator()
    assert resolve_example_program(fresh, path) == str(path)
    assert fresh.similarity_triplet.dump_state()["demos"] == tuned.similarity_triplet.dump_state()["demos"]
    assert evaluate_examples(fresh, tasks=3) == after
    assert fresh.program_info["loaded_kinds"] == ["sts"]


@pytest.mark.parametrize("optimizer, helper", [("gepa", "reflection_lm"), ("mipro", "prompt_lm")])
def test_the_instruction_optimizers_run_on_the_examples_stage(optimizer, helper):
    from tuning_replies import proposer_reply, reflection_reply

    reply = reflection_reply if optimizer == "gepa" else proposer_reply
    tuned = optimize_examples(
        generator(), optimizer, budget=16, **{helper: scripted_lm(reply, model="scripted/helper")}
    )
    stats = tuned.program_info["kinds"]["sts"]
    assert tuned.program_info["optimizer"] == optimizer and stats["program_calls"] >= 8
    assert stats["lm_calls"]["task_lm"]["calls"] > 0


def test_a_task_kind_tunes_on_training_tasks_only():
    seen = []

    def reply(request):
        seen.append(prompt_text(request))
        return _answer({"input": "a question about rent", "positive_document": "an answer about rent law"})

    gen = EmbeddingExampleGenerator("text-matching-short", lm=scripted_lm(reply))
    optimize_examples(gen, budget=8)
    held_out = HELDOUT_TASKS["text-matching-short"]
    assert seen and not any(task in text for text in seen for task in held_out)
    assert any(task in text for text in seen for task in TRAIN_TASKS["text-matching-short"])


def test_splits_are_disjoint_and_fixed():
    for kind, train in TRAIN_TASKS.items():
        assert not set(train) & set(HELDOUT_TASKS[kind]) and len(HELDOUT_TASKS[kind]) >= 5
    assert example_training_set("text-retrieval", 4, seed=1) == example_training_set("text-retrieval", 4, seed=1)
    assert all(e.seed >= 1_000_000 for e in example_heldout_set("bitext", tasks=3))
    assert len({e.seed for e in example_heldout_set("sts", tasks=3, seeds=(1_000_000, 1_000_001))}) == 6


def test_bad_arguments_name_the_valid_choices():
    with pytest.raises(ConfigError, match="bootstrap, mipro, gepa"):
        optimize_examples(generator(), "copro")
    with pytest.raises(ConfigError, match="valid kinds are"):
        optimize_examples(generator(), kinds=["paraphrase"])
    with pytest.raises(ConfigError, match="budget"):
        optimize_examples(generator(), budget=2)
    with pytest.raises(ConfigError, match="not tuned by this program; choose from sts"):
        ExampleProgram(generator(), ["sts"])(kind="bitext")


def _saved(tmp_path):
    return json.loads(save_example_program(generator(), tmp_path / "p.json").read_text())


@pytest.mark.parametrize(
    "edit, says",
    [
        (
            lambda s: s.update(text_retrieval=s.pop("similarity_triplet")),
            "unknown predictor 'text_retrieval'; valid names",
        ),
        (lambda s: s["similarity_triplet"].update(lm="openai/gpt-4o"), "must be null"),
        (lambda s: s["similarity_triplet"].update(config={"api_base": "http://x"}), "not allowed"),
        (lambda s: s["similarity_triplet"].update(demos=[{"S1": "a", "api_key": "k"}]), "not allowed"),
        (lambda s: s["similarity_triplet"].update(demos=[{"S1": {"nested": 1}}]), "must be a string"),
        (lambda s: s.pop("similarity_triplet"), "holds no example predictor"),
    ],
)
def test_program_files_are_checked_strictly_and_nothing_is_loaded(tmp_path, edit, says):
    state = _saved(tmp_path)
    edit(state)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(state))
    gen = generator()
    before = gen.similarity_triplet.dump_state()
    with pytest.raises(ProgramFileError, match=says):
        apply_example_program(gen, path)
    assert gen.similarity_triplet.dump_state() == before


def test_a_stage_1_program_is_not_an_example_program_and_back(tmp_path):
    from embtaskgen import EmbeddingTaskGenerator, save_program

    stage1 = save_program(EmbeddingTaskGenerator("text-retrieval", lm="openai/none"), tmp_path / "tasks.json")
    with pytest.raises(ProgramFileError, match="retrieval_example"):
        read_program(stage1, "examples")
    with pytest.raises(ProgramFileError, match="retrieval_example"):
        apply_example_program(generator(), stage1)
    stage2 = save_example_program(generator(), tmp_path / "examples.json")
    with pytest.raises(ProgramFileError, match="similarity_triplet"):
        read_program(stage2, "tasks")
    with pytest.raises(ProgramFileError, match="similarity_triplet"):
        EmbeddingTaskGenerator.load(stage2, lm="openai/none")
    assert read_program(stage1)["embtaskgen"]["stage"] == "tasks"  # each file names its stage
    assert read_program(stage2)["embtaskgen"]["stage"] == "examples"
    with pytest.raises(ProgramFileError, match="no program file.*; pass a .json file or 'none'"):
        read_program(tmp_path / "missing.json", "examples")
    assert resolve_example_program(generator(), "none") is None
