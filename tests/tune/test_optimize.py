import json

import pytest
from scripted import scripted_lm
from tuning_replies import proposer_reply, reflection_reply, varied_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.tuning_program import CategoryProgram
from embtaskgen.brainstorm.tuning_splits import HELDOUT_TOPICS, heldout_seeds
from embtaskgen.loading import load_program
from embtaskgen.programs.files import program_metadata, save_program
from embtaskgen.quality.metric import METRIC_VERSION
from embtaskgen.tune.evaluation import evaluate
from embtaskgen.tune.optimize import OPTIMIZERS, optimize
from embtaskgen.tune.optimizers import plan_for

TOPICS = HELDOUT_TOPICS[:3]
SEEDS = heldout_seeds(1)


def _prompts(generator, category="text-retrieval"):
    state = generator.predictor_for(category).dump_state()
    return state["signature"], state["demos"]


def test_bootstrap_end_to_end_save_reload_same_prompts_and_score(tmp_path):
    lm = varied_lm()
    generator = EmbeddingTaskGenerator("text-retrieval", lm=lm, num_tasks=8)
    tuned = optimize(generator, "bootstrap", budget=12, seed=0)
    assert tuned is not generator and generator.text_retrieval.demos == []
    info = tuned.program_info
    assert info["optimizer"] == "bootstrap" and info["budget"] == 12
    assert info["model"] == "scripted/varied" and info["metric_version"] == METRIC_VERSION
    stats = info["categories"]["text-retrieval"]
    assert stats["program_calls"] > 0 and stats["lm_calls"]["task_lm"]["calls"] > 0

    score = evaluate(tuned, topics=TOPICS, seeds=SEEDS)["categories"]["text-retrieval"]["score"]
    path = save_program(
        tuned, tmp_path / "tuned.json", metadata={"heldout": {"text-retrieval": {"tuned": {"score": score}}}}
    )
    raw = json.loads(path.read_text())
    assert set(raw) == {"embtaskgen", "text_retrieval", "metadata"}
    assert raw["text_retrieval"]["lm"] is None

    reloaded = load_program(path, lm=lm, num_tasks=8)
    assert _prompts(reloaded) == _prompts(tuned)
    meta = program_metadata(path)
    assert meta["optimizer"] == "bootstrap" and meta["metric_version"] == METRIC_VERSION
    again = evaluate(reloaded, topics=TOPICS, seeds=SEEDS)["categories"]["text-retrieval"]["score"]
    assert again == meta["heldout"]["text-retrieval"]["tuned"]["score"]


def test_bootstrap_keeps_only_curated_demos(capsys):
    tuned = optimize(EmbeddingTaskGenerator("text-retrieval", lm=varied_lm(), num_tasks=8), "bootstrap", budget=24)
    # DSPy's own candidate-evaluation progress bars are dropped (they cannot be turned off).
    assert "it/s" not in capsys.readouterr().err
    for demo in tuned.text_retrieval.demos:
        assert all(not task.startswith("List some facts") for task in demo["tasks"])
        assert demo["num_tasks"] == len(demo["tasks"])


def test_gepa_rewrites_the_instruction_with_the_reflection_model(tmp_path):
    generator = EmbeddingTaskGenerator("text-retrieval", lm=varied_lm(), num_tasks=8)
    reflection = scripted_lm(reflection_reply, model="scripted/reflection")
    tuned = optimize(generator, "gepa", budget=20, reflection_lm=reflection)
    instructions = tuned.text_retrieval.signature.instructions
    assert tuned.program_info["reflection_lm"] == "scripted/reflection"
    path = save_program(tuned, tmp_path / "gepa.json")
    assert load_program(path, lm=varied_lm()).text_retrieval.signature.instructions == instructions


def test_mipro_zero_shot_runs_with_a_prompt_model():
    pytest.importorskip("optuna")
    generator = EmbeddingTaskGenerator("text-retrieval", lm=varied_lm(), num_tasks=8)
    prompt = scripted_lm(proposer_reply, model="scripted/proposer")
    tuned = optimize(generator, "mipro", budget=12, prompt_lm=prompt)
    assert tuned.text_retrieval.demos == []
    assert tuned.program_info["categories"]["text-retrieval"]["lm_calls"]["prompt_lm"]["calls"] > 0


def test_bad_optimizer_name_lists_the_choices():
    generator = EmbeddingTaskGenerator("text-retrieval", lm=varied_lm())
    with pytest.raises(ValueError, match="choose from bootstrap, mipro, gepa"):
        optimize(generator, "copro")
    with pytest.raises(ValueError, match=", ".join(OPTIMIZERS)):
        plan_for("random", 10)


def test_bad_budget_and_trainset_are_refused_before_any_call():
    lm = varied_lm()
    generator = EmbeddingTaskGenerator("text-retrieval", lm=lm)
    with pytest.raises(ValueError, match="budget"):
        optimize(generator, budget=2)
    with pytest.raises(ValueError, match="no example with category"):
        optimize(generator, trainset=[{"category": "text-classification"}], budget=8)
    assert lm.engine.requests == []


def test_tuning_program_makes_the_same_call_as_generate():
    lm = varied_lm()
    generator = EmbeddingTaskGenerator("text-retrieval", lm=lm, num_tasks=8)
    program = CategoryProgram(generator, ["text-retrieval"])
    first = program(category="text-retrieval", num_tasks=8, topic="finance", seed=5)
    second = generator.call("text-retrieval", 0, 5, topic="finance")
    assert len(lm.engine.requests) == 1  # the second one is a DSPy cache hit: same request
    assert first.tasks == second.items and program.calls == 1


def test_tuning_program_refuses_an_untuned_category():
    program = CategoryProgram(EmbeddingTaskGenerator(lm=varied_lm()), ["text-retrieval"])
    with pytest.raises(ValueError, match="text-retrieval"):
        program(category="text-classification", num_tasks=3, topic="", seed=0)


def test_user_trainset_is_split_when_no_valset():
    examples = [{"category": "text-retrieval", "topic": t, "seed": i} for i, t in enumerate(["law", "art", "sports"])]
    tuned = optimize(EmbeddingTaskGenerator("text-retrieval", lm=varied_lm(), num_tasks=8), trainset=examples, budget=8)
    stats = tuned.program_info["categories"]["text-retrieval"]
    assert (stats["train_size"], stats["valset_size"]) == (2, 1)
