import json

import dspy
import pytest
from click.testing import CliRunner
from scripted import chat_reply, scripted_lm
from tuning_replies import varied_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.tuning_demos import curate_demos
from embtaskgen.brainstorm.tuning_splits import HELDOUT_SEED_BASE, HELDOUT_TOPICS, TRAIN_TOPICS, training_examples
from embtaskgen.cli.main import main
from embtaskgen.errors import ProgramFileError
from embtaskgen.loading import load_program
from embtaskgen.programs.choice import SHIPPED_PROGRAM, default_program_for, resolve_program
from embtaskgen.programs.files import ProgramLoader, apply_program, program_metadata, read_program, save_program


def _tuned():
    generator = EmbeddingTaskGenerator("all", lm=varied_lm())
    generator.text_classification.demos = [
        dspy.Example(
            num_tasks=3,
            topic="law",
            avoid=[],
            tasks=[
                "Classify court opinions by the area of law they address.",
                "Classify legal complaints by the remedy the plaintiff seeks.",
                "Classify contract clauses by the obligation they create.",
            ],
        ).with_inputs("num_tasks", "topic", "avoid")
    ]
    generator.text_classification.signature = generator.text_classification.signature.with_instructions(
        "Write classification tasks."
    )
    return generator


def test_save_and_load_round_trip_without_any_lm(tmp_path):
    path = save_program(
        _tuned(), tmp_path / "p.json", categories=["text-classification"], metadata={"optimizer": "hand"}
    )
    text = path.read_text()
    assert "scripted" not in text  # no LM in the file
    state = json.loads(text)
    assert state["embtaskgen"]["optimizer"] == "hand" and state["embtaskgen"]["format"] == 1
    loaded = load_program(path, lm=varied_lm())
    assert loaded.categories == ("text-classification",)
    assert loaded.text_classification.signature.instructions == "Write classification tasks."
    assert loaded.text_classification.demos[0]["tasks"][0].startswith("Classify court opinions")
    assert loaded.program_info["loaded_categories"] == ["text-classification"]


def test_all_four_are_saved_by_default_and_dspy_can_load_them(tmp_path):
    path = save_program(_tuned(), tmp_path / "all.json")
    assert set(read_program(path)) == {
        "embtaskgen",
        "metadata",
        "text_retrieval",
        "text_matching_short",
        "text_matching_long",
        "text_classification",
    }
    plain = EmbeddingTaskGenerator(lm=varied_lm())
    dspy.Module.load(plain, str(path))  # DSPy's own loader reads the same file
    assert plain.text_classification.signature.instructions == "Write classification tasks."


def test_load_as_classmethod_and_in_place(tmp_path):
    class Generator(EmbeddingTaskGenerator):
        load = ProgramLoader()

    path = save_program(_tuned(), tmp_path / "p.json", categories=["text-classification"])
    built = Generator.load(path, lm=varied_lm())
    assert isinstance(built, Generator) and built.text_classification.demos
    existing = Generator("all", lm=varied_lm())
    assert existing.load(path) is existing and existing.text_classification.demos


def test_bad_files_are_refused_without_changes(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"embtaskgen": {}, "text_mining": {}}))
    with pytest.raises(ValueError, match="text_retrieval"):
        read_program(bad)
    bad.write_text("not json")
    with pytest.raises(ValueError, match="not a JSON program"):
        read_program(bad)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"text_retrieval": {"demos": []}}))
    generator = EmbeddingTaskGenerator(lm=varied_lm())
    before = generator.text_retrieval.dump_state()
    with pytest.raises(ProgramFileError, match=r"broken.json: text_retrieval.signature: missing"):
        apply_program(generator, broken)
    assert generator.text_retrieval.dump_state() == before
    with pytest.raises(ValueError, match=".json"):
        save_program(generator, tmp_path / "p.pkl")


def test_resolve_program_choices(tmp_path):
    generator = EmbeddingTaskGenerator(lm=varied_lm())
    assert resolve_program(generator, "none") is None
    assert resolve_program(generator, "default") is None  # not the embedded model
    path = save_program(_tuned(), tmp_path / "p.json", categories=["text-classification"])
    assert resolve_program(generator, str(path)) == str(path)
    assert generator.text_classification.demos
    with pytest.raises(ProgramFileError, match="no program file at .*missing.json.*'default' or 'none'"):
        resolve_program(generator, str(tmp_path / "missing.json"))
    with pytest.raises(ProgramFileError, match="is a directory"):
        resolve_program(generator, str(tmp_path))


def test_resolve_program_refuses_a_file_that_adds_a_config(tmp_path):
    path = save_program(_tuned(), tmp_path / "p.json", categories=["text-classification"])
    state = json.loads(path.read_text())
    state["text_classification"]["config"] = {"api_base": "http://127.0.0.1:9/v1", "api_key": "x"}
    path.write_text(json.dumps(state))
    generator = EmbeddingTaskGenerator(lm=varied_lm())
    with pytest.raises(ProgramFileError, match="p.json: text_classification.config: not allowed"):
        resolve_program(generator, str(path))
    assert generator.text_classification.config == {} and not generator.text_classification.demos


def test_cli_generate_refuses_an_evil_program_and_writes_nothing(tmp_path, monkeypatch):
    lm = scripted_lm(lambda _request: chat_reply(["Retrieve documents of kind one.", "Retrieve memos of kind two."]))
    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", lambda spec, **kwargs: lm)
    generator = EmbeddingTaskGenerator("text-retrieval", lm=varied_lm())
    evil = save_program(generator, tmp_path / "evil.json", categories=["text-retrieval"])
    state = json.loads(evil.read_text())
    state["text_retrieval"]["config"] = {"api_base": "http://127.0.0.1:9/v1"}
    evil.write_text(json.dumps(state))
    out = tmp_path / "tasks.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "-c",
            "text-retrieval",
            "--seed",
            "1",
            "--model",
            "openai/x",
            "--program",
            str(evil),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "evil.json: text_retrieval.config: not allowed" in result.output
    assert not out.exists() and lm.engine.requests == []


def test_default_program_only_for_its_model():
    assert default_program_for(varied_lm()) is None


@pytest.mark.skipif(not SHIPPED_PROGRAM.is_file(), reason="no shipped program")
def test_shipped_program_is_readable_and_records_heldout_scores():
    info = program_metadata(SHIPPED_PROGRAM)
    assert info["model"].startswith("local/") and info["metric_version"]
    for category in info["saved_categories"]:
        assert {"untuned", "tuned"} <= set(info["heldout"][category])
    load_program(SHIPPED_PROGRAM, lm=varied_lm())


def test_curation_is_idempotent_and_drops_bad_items():
    demo = dspy.Example(
        num_tasks=5,
        topic="",
        avoid=[],
        tasks=[
            "Classify customer support emails by the product they concern.",
            "List some facts.",
            "Classify customer support emails by the product they concern.",
            "Classify news articles about elections by the region they cover.",
            "Classify product reviews of kitchen appliances by the defect they report.",
        ],
    )
    once = curate_demos([demo], "text-classification")
    assert once[0]["num_tasks"] == len(once[0]["tasks"]) == 3
    assert curate_demos(once, "text-classification") == once
    assert curate_demos([demo], "text-classification", min_items=4) == []


def test_split_keeps_heldout_topics_and_seeds_out_of_training():
    assert set(TRAIN_TOPICS) & set(HELDOUT_TOPICS) == {""}
    examples = training_examples("text-retrieval", 50, seed=3)
    assert all(e.topic in TRAIN_TOPICS and e.seed < HELDOUT_SEED_BASE for e in examples)
    assert len({(e.topic, e.seed) for e in examples}) == 50
    assert examples == training_examples("text-retrieval", 50, seed=3)
