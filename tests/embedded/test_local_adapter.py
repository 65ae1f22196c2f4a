"""CompactListAdapter: the prompt comes from the signature; parsing is strict JSON."""

from __future__ import annotations

import json
import random

import dspy
import pytest
from dspy.utils.exceptions import AdapterParseError

from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.errors import ConfigError
from embtaskgen.signatures import SIGNATURES
from embtaskgen.signatures.seed_tasks import SEED_TASKS, sample_seed_tasks

RETRIEVAL = SIGNATURES["text-retrieval"]
INPUTS = {"num_tasks": 6, "topic": "marine biology", "avoid": ["Given a fish name, find its habitat."]}


@pytest.mark.parametrize("category", list(SIGNATURES))
def test_prompt_carries_instruction_inputs_and_examples(category):
    signature = SIGNATURES[category]
    messages = CompactListAdapter(category=category).format(signature, [], dict(INPUTS))
    assert messages[0]["role"] == "system"
    assert signature.instructions.strip() in messages[0]["content"]
    request = messages[-1]
    assert request["role"] == "user"
    assert "Write 6 tasks." in request["content"]
    assert "marine biology" in request["content"]
    assert "Given a fish name, find its habitat." in request["content"]
    # Two worked examples of three seed tasks of this category.
    answers = [json.loads(m["content"]) for m in messages if m["role"] == "assistant"]
    assert [len(a) for a in answers] == [3, 3]
    assert all(task in SEED_TASKS[category] for answer in answers for task in answer)


def test_num_tasks_is_capped_for_small_models():
    messages = CompactListAdapter(max_items=8, category="text-retrieval").format(
        RETRIEVAL, [], {"num_tasks": 20, "topic": "", "avoid": []}
    )
    assert messages[-1]["content"] == "Write 8 tasks."
    uncapped = CompactListAdapter(max_items=None, category="text-retrieval").format(RETRIEVAL, [], {"num_tasks": 20})
    assert uncapped[-1]["content"] == "Write 20 tasks."


def test_demos_replace_seed_examples():
    demo = dspy.Example(num_tasks=2, topic="law", avoid=[], tasks=["Task one is here.", "Task two is here."])
    messages = CompactListAdapter(category="text-retrieval").format(RETRIEVAL, [demo], dict(INPUTS))
    assert messages[1] == {"role": "user", "content": "Write 2 tasks. Topic: law."}
    assert json.loads(messages[2]["content"]) == ["Task one is here.", "Task two is here."]
    assert len(messages) == 4


def test_completion_style_is_one_document_ending_at_the_request():
    (message,) = CompactListAdapter(style="completion", category="text-retrieval").format(RETRIEVAL, [], dict(INPUTS))
    text = message["content"]
    assert text.startswith(RETRIEVAL.instructions.strip())
    assert text.rstrip().endswith("- Given a fish name, find its habitat.")
    assert text.count("Write 3 tasks.") == 2


def test_fallback_examples_are_fixed_so_the_few_shot_lever_can_be_off(make_lm, fake_factory):
    lm = make_lm()
    adapter = CompactListAdapter(category="text-retrieval")

    def examples(seed, rollout):
        with dspy.context(lm=lm, adapter=adapter):
            dspy.Predict(RETRIEVAL)(**INPUTS, config={"seed": seed, "rollout_id": rollout})
        return [m["content"] for m in fake_factory.llama.calls[-1]["messages"] if m["role"] == "assistant"]

    # Without demos every call shows the same examples; varying them is the lever's job.
    assert examples(1, 1) == examples(2, 2) == examples(3, 7)
    assert len(examples(1, 1)) == 2


def test_schema_sent_when_the_lm_enforces_schemas(make_lm, fake_factory):
    lm = make_lm()
    adapter = CompactListAdapter(
        max_items=5, min_items=3, min_chars=15, max_chars=120, item_pattern=None, category="text-retrieval"
    )
    with dspy.context(lm=lm, adapter=adapter):
        prediction = dspy.Predict(RETRIEVAL)(num_tasks=20, topic="", avoid=[])
    assert prediction.tasks == ["Given a question, retrieve passages that answer it."]
    fmt = fake_factory.llama.calls[-1]["response_format"]
    assert fmt == {
        "type": "json_object",
        "schema": {
            "type": "array",
            "items": {"type": "string", "minLength": 15, "maxLength": 120},
            "minItems": 3,
            "maxItems": 5,
        },
    }


def test_auto_pattern_follows_the_seed_openers():
    import re

    adapter = CompactListAdapter(max_chars=160)
    retrieval = adapter.schema(10, "text-retrieval")["items"]["pattern"]
    classification = adapter.schema(10, "text-classification")["items"]["pattern"]
    assert re.fullmatch(retrieval, "Given a claim, retrieve documents that support it.")
    assert not re.fullmatch(retrieval, "Given a claim. Retrieve documents.")  # one sentence
    assert not re.fullmatch(retrieval, 'Given a "quoted" claim, retrieve documents.')
    assert not re.fullmatch(retrieval, "Given a claim,\nretrieve documents.")
    assert re.fullmatch(classification, "Classify a support ticket by its product area.")
    # the seed shape: "Given <query>, retrieve <documents>." / "Classify <text> by <label>."
    assert not re.fullmatch(retrieval, "Given a claim retrieve documents that support it.")
    assert not re.fullmatch(retrieval, "Given a claim, answer it with documents.")
    assert not re.fullmatch(classification, "Classify a support ticket into a product area.")
    assert "minLength" in adapter.schema(10, None)["items"]  # unknown category: length only


def test_no_schema_for_lms_without_schema_support():
    lm = dspy.utils.DummyLM([{"tasks": "unused"}])
    adapter = CompactListAdapter(category="text-retrieval")
    kwargs: dict = {}
    adapter._prepare(lm, kwargs, RETRIEVAL, dict(INPUTS))
    assert "response_format" not in kwargs


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ('["A task about one thing.", "Another task."]', ["A task about one thing.", "Another task."]),
        ('{"tasks": ["Only one."]}', ["Only one."]),
        ('```json\n["In a code fence."]\n```', ["In a code fence."]),
        ('["A trailing comma.",]', ["A trailing comma."]),
        ('["Escaped \\u0007 control."]', ["Escaped \u0007 control."]),  # sanitised later, by cleaning
        ("[]", []),
    ],
)
def test_parse_accepts_json_lists_of_strings(completion, expected):
    assert CompactListAdapter(category="text-retrieval").parse(RETRIEVAL, completion) == {"tasks": expected}


@pytest.mark.parametrize(
    "completion",
    [
        "## task##\nnum_tasks #num_tasks",
        "['single', 'quoted']",  # Python literal: not JSON, and never eval'd
        "[1, 2, 3]",
        '[{"task": "x"}]',
        '{"other": ["x"]}',
        'Sure! ```json\n["Wrapped in prose."]\n```',  # the served models' rule: no prose around it
        'Here: ["A task."]',
        "__import__('os').system('echo pwned')",
        '["unterminated',
        "",
    ],
)
def test_parse_rejects_everything_else(completion):
    with pytest.raises(AdapterParseError):
        CompactListAdapter(category="text-retrieval").parse(RETRIEVAL, completion)


def test_malformed_answer_is_a_parse_error_through_predict(make_lm, fake_factory):
    lm = make_lm()
    lm.engine.complete  # noqa: B018 - the engine loads on the first call below
    with dspy.context(lm=lm, adapter=CompactListAdapter(category="text-retrieval")):
        dspy.Predict(RETRIEVAL)(**INPUTS)
        fake_factory.llama.reply = "1. retrieve things\n2. more things"
        with pytest.raises(AdapterParseError):
            dspy.Predict(RETRIEVAL)(**INPUTS)


def test_generator_counts_a_parse_failure(make_lm, fake_factory):
    from embtaskgen import EmbeddingTaskGenerator

    lm = make_lm()
    lm.engine.complete(dspy.lm15.Request(model=lm.model, messages=(dspy.lm15.Message.user("load"),)))
    answers = iter(['["Given a claim, retrieve evidence for or against it."]', "not json at all"])
    fake_factory.llama.reply = lambda call: next(answers)
    prediction = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=3, lm=lm)()
    assert prediction.stats["parse_failures"] == 1
    assert prediction.tasks == ["Given a claim, retrieve evidence for or against it."]
    # The generator used the compact prompt: the instruction is the system message.
    messages = fake_factory.llama.calls[-1]["messages"]
    assert messages[0]["content"].startswith(RETRIEVAL.instructions.strip())


def test_signature_shape_is_checked():
    with pytest.raises(ValueError, match="exactly one output field"):
        CompactListAdapter(category="text-retrieval").format(dspy.Signature("a -> b, c"), [], {"a": "x"})
    with pytest.raises(ValueError, match="list\\[str\\]"):
        CompactListAdapter(category="text-retrieval").format(dspy.Signature("a -> b"), [], {"a": "x"})


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="chat, completion"):
        CompactListAdapter(style="xml")
    with pytest.raises(ValueError, match="unknown category"):
        CompactListAdapter(category="text-summarisation")
    with pytest.raises(ValueError, match="max_items"):
        CompactListAdapter(max_items=0)


def test_the_category_is_told_not_read_from_the_prompt(make_lm, fake_factory):
    """Rewritten instructions do not matter: the examples and item pattern follow the category given."""
    rewritten = SIGNATURES["text-matching-short"].with_instructions("Brainstorm tasks, please, many of them.")
    messages = CompactListAdapter(category="text-classification").format(rewritten, [], dict(INPUTS))
    answers = [json.loads(m["content"]) for m in messages if m["role"] == "assistant"]
    assert answers and all(task in SEED_TASKS["text-classification"] for answer in answers for task in answer)
    lm = make_lm()
    with dspy.context(lm=lm, adapter=CompactListAdapter(category="text-classification")):
        dspy.Predict(rewritten)(**INPUTS)
    pattern = fake_factory.llama.calls[-1]["response_format"]["schema"]["items"]["pattern"]
    assert pattern == CompactListAdapter().schema(6, "text-classification")["items"]["pattern"]


def test_an_adapter_without_a_category_refuses_calls_but_keeps_its_settings(make_lm):
    adapter = CompactListAdapter(max_items=12, max_chars=120)
    assert (adapter.category, adapter.max_items, adapter.max_chars) == (None, 12, 120)
    for call in (lambda: adapter.format(RETRIEVAL, [], dict(INPUTS)), lambda: adapter.parse(RETRIEVAL, '["A task."]')):
        with pytest.raises(ConfigError, match="without a category") as info:
            call()
        assert all(category in str(info.value) for category in SIGNATURES)
    with dspy.context(lm=make_lm(), adapter=adapter), pytest.raises(ConfigError, match="text-retrieval"):
        dspy.Predict(RETRIEVAL)(**INPUTS)


def test_seed_pool_is_large_distinct_and_sampled_reproducibly():
    assert set(SEED_TASKS) == set(SIGNATURES)
    for tasks in SEED_TASKS.values():
        assert len(tasks) >= 24 and len(set(tasks)) == len(tasks)
        assert all(t.endswith(".") and t[0].isupper() for t in tasks)
    assert sample_seed_tasks("text-retrieval", 4, random.Random(1)) == sample_seed_tasks(
        "text-retrieval", 4, random.Random(1)
    )
    with pytest.raises(ValueError, match="text-retrieval"):
        sample_seed_tasks("nope", 1, random.Random(0))
    with pytest.raises(ValueError, match="k must be"):
        sample_seed_tasks("text-retrieval", 99, random.Random(0))


def test_a_dry_run_renders_the_embedded_models_prompts_without_loading_it(make_lm, fake_factory, tmp_path):
    from embtaskgen import EmbeddingTaskGenerator, run

    lm = make_lm()
    estimate = run(EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=3, lm=lm), None, dry_run=True)
    assert fake_factory.built == []  # nothing loaded, nothing sent
    run(
        EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=3, lm=lm), tmp_path / "t.jsonl", progress=False
    )
    from embtaskgen.lm.tokens import count_prompt_tokens

    sent = sum(count_prompt_tokens(lm.model, call["messages"]) for call in fake_factory.llama.calls)
    (stage,) = estimate.stages
    assert stage.prompt_tokens == sent  # the compact adapter's prompts, as the run sends them
    assert stage.price is None
