"""EmbeddingExampleGenerator end to end on a scripted engine: every kind, every input shape,
seeds and reproducibility, attributes, sanitising, parse failures, the embedded adapter."""

from __future__ import annotations

import json

import dspy
import pytest
from example_replies import chat_fields, example_lm, inputs_of, kind_of
from scripted import chat_reply, prompt_text, scripted_lm

from embtaskgen import EXAMPLE_KINDS, EmbeddingExampleGenerator, EmbeddingTaskGenerator, to_jsonl
from embtaskgen.examples.kinds import FIXED_INSTRUCTIONS, OUTPUT_FIELDS, SYMMETRIC_KINDS, TASK_KINDS
from embtaskgen.signatures import EXAMPLE_SIGNATURES

TASKS = {
    "text-retrieval": "Given a medical question, retrieve passages that answer it.",
    "text-matching-short": "Given a product title, find the same product's title in another shop.",
    "text-matching-long": "Given a news article, retrieve another article on the same event.",
    "text-classification": "Classify a movie review by its sentiment.",
}


def _generate(kind: str, lm, **options):
    gen = EmbeddingExampleGenerator(kind, seed=11, lm=lm, **options)
    if kind in SYMMETRIC_KINDS:
        return gen(count=2)
    return gen([(kind, TASKS[kind])], examples_per_task=2)


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_every_kind_end_to_end(kind):
    lm = example_lm()
    prediction = _generate(kind, lm)
    assert prediction.failures == []
    assert prediction.stats["calls"] == prediction.stats["kept"] == 2
    assert len(prediction.rows) == 2
    inputs = set(EXAMPLE_SIGNATURES[kind].input_fields) - {"task"}
    for index, row in enumerate(prediction.rows):
        assert row["kind"] == kind
        assert row["category"] == kind
        assert row["task"] == (FIXED_INSTRUCTIONS[kind] if kind in SYMMETRIC_KINDS else TASKS[kind])
        assert all(isinstance(row[name], str) and row[name] for name in OUTPUT_FIELDS[kind])
        assert set(row["attributes"]) == inputs
        assert row["model_name"] == "scripted/test"
        assert row["seed"] == 11
        assert row["example_index"] == index
        assert isinstance(row["metadata"]["rollout_id"], int)
        assert row["task_id"] == kind if kind in SYMMETRIC_KINDS else row["task_id"].startswith(f"{kind}/")
    # The prompt is the kind's signature, with the task and the drawn attributes.
    by_rollout = {request.config.seed: request for request in lm.engine.requests}
    for row in prediction.rows:
        request = by_rollout[row["metadata"]["rollout_id"]]
        text = prompt_text(request)
        assert kind_of(text) == kind
        sent = inputs_of(request)
        for name, value in row["attributes"].items():
            assert sent[name] == str(value)
        if kind in TASK_KINDS:
            assert sent["task"] == TASKS[kind]
        else:
            assert "task" not in sent


def test_tasks_of_kinds_not_chosen_are_skipped_and_symmetric_kinds_follow_the_tasks():
    pairs = [("text-retrieval", TASKS["text-retrieval"]), ("text-classification", TASKS["text-classification"])]
    gen = EmbeddingExampleGenerator(["text-classification", "sts"], count=1, seed=2, lm=example_lm())
    prediction = gen(pairs)
    assert [row["kind"] for row in prediction.rows] == ["text-classification", "sts"]


def test_a_call_overrides_the_plan_settings_and_refuses_other_keywords():
    pairs = [("text-retrieval", TASKS["text-retrieval"])]
    gen = EmbeddingExampleGenerator(["text-classification", "sts"], count=1, seed=2, lm=example_lm())
    rows = gen(pairs, kinds=["text-retrieval", "sts"], count=2, examples_per_task=2).rows
    assert [row["kind"] for row in rows] == ["text-retrieval"] * 2 + ["sts"] * 2
    with pytest.raises(TypeError, match=r"unknown overrides temperature \(valid: kinds, count, examples_per_task\)"):
        gen(pairs, temperature=0.5)
    with pytest.raises(TypeError, match="unknown overrides counts"):
        gen.plan(pairs, counts=2)


def _stage_one_rows(flatten: bool):
    counter = iter(range(1000))

    def reply(request):
        n = next(counter)
        return chat_reply([f"Classify support tickets by urgency, variant {n}-{i}." for i in range(2)])

    gen = EmbeddingTaskGenerator(
        "text-classification", flatten_tasks=flatten, num_generations=2, seed=4, lm=scripted_lm(reply)
    )
    return gen()


@pytest.mark.parametrize("flatten", [False, True])
def test_tasks_from_a_stage_one_prediction_its_rows_a_file_and_a_dataset(flatten, tmp_path):
    stage_one = _stage_one_rows(flatten)
    path = tmp_path / "tasks.jsonl"
    to_jsonl(stage_one.rows, path)
    datasets = pytest.importorskip("datasets")
    dataset = datasets.Dataset.from_list(
        stage_one.rows if flatten else [{k: v for k, v in row.items() if k != "metadata"} for row in stage_one.rows]
    )
    outputs = []
    for source in (stage_one, stage_one.rows, path, str(path), dataset):
        gen = EmbeddingExampleGenerator("text-classification", seed=5, lm=example_lm())
        outputs.append(gen(source).rows)
    assert all(rows == outputs[0] for rows in outputs)
    ids = [row["task_id"] for row in outputs[0]]
    assert ids == [
        "text-classification/0/0",
        "text-classification/0/1",
        "text-classification/1/0",
        "text-classification/1/1",
    ]
    assert [row["task"] for row in outputs[0]] == stage_one.tasks


def test_the_same_seed_gives_byte_identical_rows_whatever_the_concurrency():
    pairs = [(kind, TASKS[kind]) for kind in TASK_KINDS]

    def run(seed, concurrency):
        gen = EmbeddingExampleGenerator(
            "all", examples_per_task=2, count=3, seed=seed, lm=example_lm(), languages="paper", concurrency=concurrency
        )
        return json.dumps(gen(pairs).rows, ensure_ascii=False, sort_keys=False)

    first = run(7, 1)
    assert first == run(7, 8)
    assert first != run(8, 4)


def test_a_seed_override_and_a_drawn_seed_are_recorded():
    gen = EmbeddingExampleGenerator("sts", count=1, lm=example_lm())
    drawn = gen()
    assert drawn.rows[0]["seed"] == drawn.seed
    assert gen(seed=3).rows[0]["seed"] == 3


def test_attributes_are_recorded_and_vary_per_example():
    gen = EmbeddingExampleGenerator("text-retrieval", examples_per_task=30, seed=1, lm=example_lm())
    rows = gen([("text-retrieval", TASKS["text-retrieval"])]).rows
    for name in ("query_type", "query_length", "clarity", "num_words", "difficulty"):
        assert len({row["attributes"][name] for row in rows}) > 1, name
    # Each row's attributes are exactly what its prompt asked for (checked per kind above)
    # and the outputs follow them: the scripted documents have num_words words.
    for row in rows:
        assert len(row["positive_document"].split()) == row["attributes"]["num_words"] + 1


def test_symmetric_attributes_vary_and_bitext_languages_differ():
    gen = EmbeddingExampleGenerator(["sts", "bitext"], count=20, seed=1, lm=example_lm(), languages="paper")
    rows = gen().rows
    sts = [row["attributes"] for row in rows if row["kind"] == "sts"]
    bitext = [row["attributes"] for row in rows if row["kind"] == "bitext"]
    for name in ("unit", "difficulty", "high_score", "low_score", "language"):
        assert len({a[name] for a in sts}) > 1, name
    assert all(a["source_language"] != a["target_language"] for a in bitext)
    assert all(a["high_score"] in (4.0, 4.5, 5.0) and a["low_score"] in (2.5, 3.0, 3.5) for a in sts + bitext)


def test_max_num_words_caps_the_pool():
    gen = EmbeddingExampleGenerator("text-retrieval", examples_per_task=20, seed=1, lm=example_lm(), max_num_words=100)
    rows = gen([("text-retrieval", TASKS["text-retrieval"])]).rows
    assert {row["attributes"]["num_words"] for row in rows} == {50, 100}


def test_model_text_is_sanitised():
    def override(kind, inputs, outputs):
        return {**outputs, "S2": "bad\x00 \ud83d text"}

    rows = EmbeddingExampleGenerator("sts", count=1, seed=1, lm=example_lm(override))().rows
    assert rows[0]["S2"] == "bad \ufffd text"
    json.dumps(rows).encode("utf-8")


def test_a_parse_failure_is_a_failure_with_the_raw_text():
    lm = scripted_lm(lambda request: "I cannot write that.")
    prediction = EmbeddingExampleGenerator("sts", count=1, seed=1, lm=lm)()
    assert prediction.rows == []
    (failure,) = prediction.failures
    assert failure["reason"] == "parse_failure"
    assert "I cannot write that." in failure["raw_output"]
    assert prediction.stats["parse_failures"] == 1


def test_call_makes_one_call_with_derived_rollout_and_seed():
    lm = example_lm()
    gen = EmbeddingExampleGenerator("sts", seed=1, lm=lm)
    result = gen.call("sts", "", "sts", 0, 9)
    again = gen.call("sts", "", "sts", 0, 9)
    assert result.outputs == again.outputs and result.attributes == again.attributes
    assert result.rollout_id == again.rollout_id != gen.call("sts", "", "sts", 1, 9).rollout_id
    assert lm.engine.requests[0].config.seed == result.rollout_id


def test_predictors_have_stable_names():
    gen = EmbeddingExampleGenerator()
    names = [name for name, _ in gen.named_predictors()]
    assert names == [
        "retrieval_example",
        "short_matching_example",
        "long_matching_example",
        "classification_example",
        "similarity_triplet",
        "bitext_triplet",
    ]


# --------------------------------------------------------------- embedded model


class _FakeLlama:
    def __init__(self, model_path, **settings):
        self.calls = []

    def _answer(self, **kwargs):
        self.calls.append(kwargs)
        text = json.dumps({"S1": "One text.", "S2": "A close text.", "S3": "A far text."})
        return {
            "id": "x",
            "choices": [
                {"index": 0, "finish_reason": "stop", "text": text, "message": {"role": "assistant", "content": text}}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def create_chat_completion(self, messages, **kwargs):
        return self._answer(**kwargs)

    def create_completion(self, prompt, **kwargs):
        return self._answer(**kwargs)

    def reset(self):
        pass

    def close(self):
        pass


def test_the_embedded_model_gets_strict_json_with_a_schema(tmp_path):
    from embtaskgen.embedded.engine import LlamaCppEngine

    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    fakes = []

    def factory(path, **settings):
        fakes.append(_FakeLlama(path, **settings))
        return fakes[-1]

    engine = LlamaCppEngine(model, model_id="fake-model", llama_factory=factory)
    lm = dspy.LM("local/fake-model", engine=engine)
    gen = EmbeddingExampleGenerator("sts", count=1, seed=1, lm=lm)
    assert type(gen.adapter_for(lm)).__name__ == "CompactObjectAdapter"
    prediction = gen()
    assert prediction.rows[0]["S2"] == "A close text."
    (call,) = fakes[0].calls
    schema = call["response_format"]["schema"]
    assert set(schema["properties"]) == {"S1", "S2", "S3"}


def test_a_chosen_adapter_wins():
    gen = EmbeddingExampleGenerator("sts", count=1, seed=1, lm=example_lm(), adapter=dspy.JSONAdapter())
    assert type(gen.adapter_for(gen.lm)).__name__ == "JSONAdapter"


def test_chat_reply_helper_round_trips():
    assert chat_fields({"a": "b"}) == "[[ ## a ## ]]\nb\n\n[[ ## completed ## ]]"


def test_a_parse_failure_still_reports_the_tokens_it_cost():
    lm = scripted_lm(lambda _request: "I cannot write that." * 10)
    result = EmbeddingExampleGenerator("sts", seed=1, lm=lm).call("sts", "", "sts", 0, 9)
    assert result.outputs in ({}, None) or not any(result.outputs.values())
    assert result.raw_output
    (usage,) = result.usage.values()
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
