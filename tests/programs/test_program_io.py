"""Program files are data, never configuration: a strict schema, and nothing setattr'd from a file."""

import json

import pytest
from openai_stub import OpenAIStub
from tuning_replies import varied_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.errors import ConfigError, ProgramFileError
from embtaskgen.programs.choice import SHIPPED_PROGRAM
from embtaskgen.programs.files import ProgramLoader, apply_program, prompt_fingerprint, read_program, save_program

PREDICTOR_KEYS = "a predictor may hold signature, demos, traces, train, lm"


def _saved(tmp_path, name="p.json"):
    """A valid program file for text_retrieval, saved by save_program, and its state."""
    generator = EmbeddingTaskGenerator("all", lm=varied_lm())
    path = save_program(generator, tmp_path / name, categories=["text-retrieval"])
    return path, json.loads(path.read_text(encoding="utf-8"))


def _write(path, state):
    path.write_text(json.dumps(state), encoding="utf-8")
    return path


def _refused(tmp_path, change, name="evil.json"):
    """Write a saved program changed by ``change(state)``; loading it must change nothing."""
    _, state = _saved(tmp_path)
    change(state)
    path = _write(tmp_path / name, state)
    generator = EmbeddingTaskGenerator("all", lm=varied_lm())
    predictor, fingerprint = generator.text_retrieval, prompt_fingerprint(generator)
    with pytest.raises(ProgramFileError) as caught:
        apply_program(generator, path)
    assert isinstance(caught.value, ConfigError)  # the CLI exits 2
    assert generator.text_retrieval is predictor and predictor.config == {}
    assert prompt_fingerprint(generator) == fingerprint and generator.program_info == {}
    return str(caught.value)


# ------------------------------------------------------------------- the attack itself
def test_an_added_config_never_redirects_calls(tmp_path, monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-secret")
    with OpenAIStub() as good, OpenAIStub() as evil:
        generator = EmbeddingTaskGenerator("text-retrieval", lm="openai/stub", api_base=good.base_url, seed=1)
        _, state = _saved(tmp_path)
        state["text_retrieval"]["config"] = {"api_base": evil.base_url}
        path = _write(tmp_path / "evil.json", state)
        with pytest.raises(ProgramFileError) as caught:
            apply_program(generator, path)
        assert str(caught.value) == f"{path}: text_retrieval.config: not allowed; {PREDICTOR_KEYS}"
        with pytest.raises(ProgramFileError, match="text_retrieval.config"):
            EmbeddingTaskGenerator.load(path, lm="openai/stub", api_base=good.base_url, seed=1)
        result = generator.call("text-retrieval", 0, 1)
        assert result.items and good.calls == 1
        assert evil.requests == []  # nothing, and no key, reached the other host
        assert good.requests[0]["headers"]["Authorization"] == "Bearer sk-user-secret"


def test_an_added_forward_is_refused(tmp_path):
    message = _refused(tmp_path, lambda s: s["text_retrieval"].update(forward="boom"))
    assert message.endswith(f"evil.json: text_retrieval.forward: not allowed; {PREDICTOR_KEYS}")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s.update(text_retrieval=["not", "a", "state"]),
            "evil.json: text_retrieval: must be a JSON object, got a list of 3 items",
        ),
        (lambda s: s.update(text_retrieval="text"), "evil.json: text_retrieval: must be a JSON object, got a string"),
        (
            lambda s: s["text_retrieval"].pop("signature"),
            "evil.json: text_retrieval.signature: missing; a predictor state needs its signature",
        ),
        (
            lambda s: s["text_retrieval"].update(traces=[{"inputs": {}}]),
            "evil.json: text_retrieval.traces: must be an empty list, got a list of 1 item",
        ),
        (
            lambda s: s["text_retrieval"].update(train=[{"topic": "x"}]),
            "evil.json: text_retrieval.train: must be an empty list, got a list of 1 item",
        ),
        (
            lambda s: s["text_retrieval"].update(lm={"model": "openai/x", "api_base": "http://evil"}),
            "evil.json: text_retrieval.lm: must be null: the model comes from your settings only, got an object",
        ),
        (
            lambda s: s["text_retrieval"].update(demos=[{"topic": "law", "api_key": "x"}]),
            "evil.json: text_retrieval.demos[0].api_key: not allowed; a demo may hold num_tasks, topic, avoid, "
            "tasks, augmented",
        ),
        (
            lambda s: s["text_retrieval"].update(demos=[{"tasks": [{"nested": 1}]}]),
            "evil.json: text_retrieval.demos[0].tasks: must be a string, number, boolean, null or a list of strings",
        ),
        (
            lambda s: s["text_retrieval"].update(demos=[{"augmented": "yes"}]),
            "evil.json: text_retrieval.demos[0].augmented: must be true or false, got a string",
        ),
        (
            lambda s: s["text_retrieval"]["signature"].update(adapter="json"),
            "evil.json: text_retrieval.signature.adapter: not allowed; a signature may hold instructions, fields",
        ),
        (
            lambda s: s["text_retrieval"]["signature"]["fields"][3].update(type="object"),
            "evil.json: text_retrieval.signature.fields[3].type: not allowed; a signature field may hold prefix, "
            "description",
        ),
        (
            lambda s: s["text_retrieval"]["signature"]["fields"].pop(),
            "evil.json: text_retrieval.signature.fields: must list the signature's 4 fields (num_tasks, topic, "
            "avoid, tasks) in order, got a list of 3 items",
        ),
        (
            lambda s: s["text_retrieval"]["signature"].update(instructions=None),
            "evil.json: text_retrieval.signature.instructions: must be a string, got null",
        ),
        (
            lambda s: s.update(embtaskgen=["not", "metadata"]),
            "evil.json: embtaskgen: must be a JSON object, got a list of 2 items",
        ),
        (
            lambda s: s.update(embtaskgen={"base_instructions": ["x"]}),
            "evil.json: embtaskgen.base_instructions: must be a JSON object",
        ),
        (lambda s: s.update(metadata="x"), "evil.json: metadata: must be a JSON object, got a string"),
    ],
    ids=[
        "list-state",
        "string-state",
        "no-signature",
        "traces",
        "train",
        "lm",
        "demo-foreign-field",
        "demo-nested-value",
        "demo-augmented",
        "signature-extra",
        "field-extra",
        "field-count",
        "instructions-null",
        "metadata-list",
        "base-instructions",
        "dspy-metadata",
    ],
)
def test_a_state_outside_the_schema_is_refused_naming_file_and_key(tmp_path, change, message):
    assert message in _refused(tmp_path, change)


def test_every_problem_is_counted_but_the_first_is_named(tmp_path):
    def change(state):
        state["text_retrieval"].update(config={"api_base": "http://evil"}, forward=1)

    assert _refused(tmp_path, change).endswith(f"text_retrieval.config: not allowed; {PREDICTOR_KEYS} (and 1 more)")


# ----------------------------------------------------------------- unreadable files
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "is not a JSON program file: not UTF-8 text at byte 0"),
        (b"", "is empty, not a JSON program file"),
        (b"  \n", "is empty, not a JSON program file"),
        (b"{not json", "is not a JSON program file: Expecting property name"),
        (b"[1, 2]", "is not a program file (expected a JSON object, got a list of 2 items)"),
        (b"null", "is not a program file (expected a JSON object, got null)"),
        (b"[" * 100_000, "is not a JSON program file"),
    ],
    ids=["binary", "empty", "blank", "not-json", "array", "null", "deep"],
)
def test_an_unreadable_file_is_a_program_file_error_naming_it(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ProgramFileError) as caught:
        read_program(path)
    assert str(caught.value).startswith(f"{path} ") and message in str(caught.value)
    with pytest.raises(ProgramFileError, match=message.split(" (")[0]):
        EmbeddingTaskGenerator.load(path, lm=varied_lm())


def test_a_directory_or_missing_file_is_a_program_file_error(tmp_path):
    with pytest.raises(ProgramFileError, match="is a directory"):
        read_program(tmp_path)
    with pytest.raises(ProgramFileError, match="no program file at"):
        EmbeddingTaskGenerator("all", lm=varied_lm()).load(tmp_path / "missing.json")


def test_unknown_predictors_still_list_the_valid_names(tmp_path):
    path = _write(tmp_path / "p.json", {"embtaskgen": {}, "text_mining": {}})
    with pytest.raises(ProgramFileError, match="unknown predictor 'text_mining'; valid names are text_retrieval, "):
        read_program(path)
    path = _write(tmp_path / "p.json", {"embtaskgen": {"format": 1}})
    with pytest.raises(ProgramFileError, match="holds no predictor state; valid names are text_retrieval"):
        read_program(path)


def test_an_in_memory_program_is_checked_too(tmp_path):
    _, state = _saved(tmp_path)
    state["text_retrieval"]["config"] = {"api_base": "http://evil"}
    with pytest.raises(ProgramFileError, match="program: text_retrieval.config: not allowed"):
        apply_program(EmbeddingTaskGenerator(lm=varied_lm()), state)


# ------------------------------------------------------------------------ what loads
def test_save_refuses_prompts_that_would_not_load_back(tmp_path):
    generator = EmbeddingTaskGenerator("all", lm=varied_lm())
    generator.text_retrieval.demos = [{"num_tasks": 2, "topic": "law", "avoid": [], "tasks": [{"not": "text"}]}]
    with pytest.raises(ProgramFileError, match=r"p.json \(not saved\): text_retrieval.demos\[0\].tasks"):
        save_program(generator, tmp_path / "p.json", categories=["text-retrieval"])
    assert not (tmp_path / "p.json").exists()


def test_saved_and_shipped_programs_round_trip_with_only_prompt_state(tmp_path):
    tuned = EmbeddingTaskGenerator("all", lm=varied_lm())
    tuned.text_retrieval.demos = [
        {
            "augmented": True,
            "num_tasks": 2,
            "topic": "law",
            "avoid": [],
            "tasks": [
                "Given a statute, retrieve cases that apply it.",
                "Given a legal question, retrieve opinions that answer it.",
            ],
        }
    ]
    tuned.text_retrieval.signature = tuned.text_retrieval.signature.with_instructions("Write retrieval tasks.")
    tuned.text_retrieval.train = [{"topic": "held-out law", "seed": 1}]  # left by an optimizer: not a prompt
    path = save_program(tuned, tmp_path / "p.json")
    saved = json.loads(path.read_text(encoding="utf-8"))["text_retrieval"]
    assert (
        saved["train"] == saved["traces"] == []
        and saved["lm"] is None
        and set(saved) == {"signature", "demos", "traces", "train", "lm"}
    )

    class Generator(EmbeddingTaskGenerator):
        load = ProgramLoader()

    loaded = Generator.load(path, lm=varied_lm())
    assert prompt_fingerprint(loaded, ["text-retrieval", "text-classification"]) == prompt_fingerprint(
        tuned, ["text-retrieval", "text-classification"]
    )
    fresh = vars(EmbeddingTaskGenerator(lm=varied_lm()).text_retrieval).keys()
    assert vars(loaded.text_retrieval).keys() == fresh and loaded.text_retrieval.lm is None
    assert loaded.text_retrieval.config == {}
    if SHIPPED_PROGRAM.is_file():
        shipped = EmbeddingTaskGenerator.load(SHIPPED_PROGRAM, lm=varied_lm())
        state = read_program(SHIPPED_PROGRAM)
        for attribute in ("text_matching_short", "text_matching_long"):
            predictor = getattr(shipped, attribute)
            assert predictor.dump_state()["signature"] == state[attribute]["signature"]
            assert predictor.demos == state[attribute]["demos"]
            assert vars(predictor).keys() == fresh and predictor.config == {}


def test_dspy_module_load_goes_through_the_same_check(tmp_path):
    import json

    import dspy

    from embtaskgen import EmbeddingTaskGenerator, ProgramFileError

    gen = EmbeddingTaskGenerator("text-retrieval", lm="openai/none")
    path = tmp_path / "p.json"
    gen.save(str(path), categories=["text-retrieval"])
    state = json.loads(path.read_text())
    state["text_retrieval"]["config"] = {"api_base": "http://127.0.0.1:9/v1"}
    path.write_text(json.dumps(state))
    with pytest.raises(ProgramFileError, match="text_retrieval.config"):
        dspy.Module.load(gen, str(path))
    assert "api_base" not in (gen.text_retrieval.config or {})


def test_a_saved_program_reads_back_and_loads_the_same_prompts(tmp_path):
    gen = EmbeddingTaskGenerator("text-retrieval", lm="openai/none")
    path = tmp_path / "p.json"
    save_program(gen, path, categories=["text-retrieval"])
    assert sorted(read_program(path)) == ["embtaskgen", "metadata", "text_retrieval"]
    loaded = EmbeddingTaskGenerator.load(path, lm="openai/none")
    assert loaded.text_retrieval.signature.instructions == gen.text_retrieval.signature.instructions
