import itertools
import threading

import dspy
import pytest
from scripted import chat_reply, prompt_text, scripted_lm

from embtaskgen import CATEGORIES, EmbeddingTaskGenerator
from embtaskgen.signatures import SIGNATURES


def _category_of(text: str) -> str:
    for category, signature in SIGNATURES.items():
        if signature.instructions.splitlines()[0] in text:
            return category
    raise AssertionError("no category instruction in the prompt")


def counting_lm():
    """Each call answers three tasks unique to that call, named after its category."""
    counter = itertools.count()
    lock = threading.Lock()

    def reply(request):
        with lock:
            n = next(counter)
        category = _category_of(prompt_text(request))
        return chat_reply([f"{category} task {n}-{i}." for i in range(3)])

    return scripted_lm(reply)


@pytest.mark.parametrize("category", CATEGORIES)
def test_prompt_carries_the_category_instruction_and_inputs(category):
    lm = counting_lm()
    gen = EmbeddingTaskGenerator(category, seed=1, lm=lm, num_tasks=7, topic="marine biology")
    gen()
    (request,) = lm.engine.requests
    text = prompt_text(request)
    assert SIGNATURES[category].instructions.splitlines()[0] in text
    for other in set(CATEGORIES) - {category}:
        assert SIGNATURES[other].instructions.splitlines()[0] not in text
    for field in ("num_tasks", "topic", "avoid", "tasks"):
        assert field in text
    assert "marine biology" in text and "7" in text


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("text-matching-short", ["text-matching-short"]),
        (["text-classification", "text-retrieval"], ["text-classification", "text-retrieval"]),
        ("all", list(CATEGORIES)),
    ],
)
def test_routing(category, expected):
    lm = counting_lm()
    prediction = EmbeddingTaskGenerator(category, num_generations=2, seed=3, lm=lm)()
    assert [row["category"] for row in prediction.rows] == [c for c in expected for _ in range(2)]
    asked = sorted(_category_of(prompt_text(r)) for r in lm.engine.requests)
    assert asked == sorted(c for c in expected for _ in range(2))
    # Every task comes from a call of its own row's category.
    for row in prediction.rows:
        assert all(task.startswith(row["category"]) for task in row["tasks"])


def test_unflattened_rows_have_distilabel_columns():
    prediction = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=5, lm=counting_lm())()
    assert len(prediction.rows) == 2
    for index, row in enumerate(prediction.rows):
        assert {"category", "tasks", "model_name", "generation", "seed", "topic", "metadata"} <= set(row)
        assert row["model_name"] == "scripted/test"
        assert row["generation"] == index
        assert row["seed"] == 5
        assert len(row["tasks"]) == 3
        assert "task" not in row
    assert prediction.tasks == [t for row in prediction.rows for t in row["tasks"]]


def test_flattened_rows_one_task_each():
    prediction = EmbeddingTaskGenerator(
        "text-retrieval", flatten_tasks=True, num_generations=2, seed=5, lm=counting_lm()
    )()
    assert len(prediction.rows) == 6
    for row in prediction.rows:
        assert {"category", "task", "model_name", "generation", "seed"} <= set(row)
        assert isinstance(row["task"], str) and "tasks" not in row
    assert [row["task"] for row in prediction.rows] == prediction.tasks
    assert [row["generation"] for row in prediction.rows] == [0, 0, 0, 1, 1, 1]


def test_num_generations_are_distinct_rollouts():
    lm = counting_lm()
    prediction = EmbeddingTaskGenerator("text-matching-long", num_generations=4, seed=8, lm=lm)()
    assert len(lm.engine.requests) == 4  # distinct cache keys: four real calls
    rollouts = [row["metadata"]["rollout_id"] for row in prediction.rows]
    assert len(set(rollouts)) == 4
    assert len(set(prediction.tasks)) == 12
    temperatures = {r.config.temperature for r in lm.engine.requests}
    assert temperatures == {1.0}
    assert len({r.config.seed for r in lm.engine.requests}) == 4


def test_same_seed_reproduces_rows_and_hits_the_cache():
    lm = counting_lm()
    first = EmbeddingTaskGenerator("all", num_generations=2, seed=11, lm=lm)()
    calls = len(lm.engine.requests)
    second = EmbeddingTaskGenerator("all", num_generations=2, seed=11, lm=lm)()
    assert second.rows == first.rows
    assert len(lm.engine.requests) == calls  # served from DSPy's cache
    third = EmbeddingTaskGenerator("all", num_generations=2, seed=12, lm=lm)()
    assert len(lm.engine.requests) == 2 * calls
    assert third.tasks != first.tasks


def test_a_category_alone_makes_the_same_calls_as_within_all():
    lm = counting_lm()
    together = EmbeddingTaskGenerator("all", num_generations=2, seed=4, lm=lm)()
    alone = EmbeddingTaskGenerator("text-matching-long", num_generations=2, seed=4, lm=lm)()
    assert alone.rows == [r for r in together.rows if r["category"] == "text-matching-long"]


def test_seed_none_draws_and_records_a_seed():
    prediction = EmbeddingTaskGenerator("text-retrieval", lm=counting_lm())()
    assert isinstance(prediction.seed, int)
    assert prediction.rows[0]["seed"] == prediction.seed


def test_duplicates_removed_and_counted_across_generations():
    answers = [chat_reply(["Find X.", "find x!", "Find Y.", "Find Y."]), chat_reply(["FIND Y", "Find Z.", "  "])]
    prediction = EmbeddingTaskGenerator(
        "text-retrieval", num_generations=2, seed=2, lm=scripted_lm(answers), concurrency=1
    )()
    assert prediction.tasks == ["Find X.", "Find Y.", "Find Z."]
    assert prediction.stats["duplicates"] == 3
    assert prediction.stats["dropped"] == {"duplicate_normalised": 2, "duplicate_exact": 1, "empty": 1}
    assert prediction.rows[0]["metadata"]["dropped"] == {"duplicate_normalised": 1, "duplicate_exact": 1}
    assert prediction.rows[1]["metadata"]["returned"] == 3


def test_keep_duplicates():
    answers = [chat_reply(["Find X.", "Find X."])]
    prediction = EmbeddingTaskGenerator("text-retrieval", seed=2, lm=scripted_lm(answers), keep_duplicates=True)()
    assert prediction.tasks == ["Find X.", "Find X."]


@pytest.mark.parametrize(
    "garbage",
    [
        "Sure! Here are some tasks: 1. retrieve things",
        chat_reply('[[1, 2], {"x": 3}]'),
        chat_reply({"task": "not a list"}),
    ],
)
def test_malformed_output_is_counted_never_passed_on(garbage):
    good = chat_reply(["Retrieve court rulings for a legal question."])
    calls = itertools.count()

    def reply(request):
        # The first generation always answers garbage (also to DSPy's JSON fallback).
        rollout_first = next(calls) < 2
        return garbage if rollout_first else good

    prediction = EmbeddingTaskGenerator(
        "text-retrieval", num_generations=2, seed=1, lm=scripted_lm(reply), concurrency=1
    )()
    assert prediction.stats["parse_failures"] == 1
    assert prediction.tasks == ["Retrieve court rulings for a legal question."]
    failed = prediction.rows[0]
    assert failed["tasks"] == []
    assert failed["metadata"]["parse_failure"] is True
    assert failed["metadata"]["raw_output"]
    assert prediction.failures[0]["reason"] == "parse_failure"
    assert all(garbage not in task for task in prediction.tasks)


def test_a_parse_failure_keeps_a_row_only_when_not_flattened():
    """README "Rows": not flattened, an empty row with the raw text; flattened, no row; both count it."""
    for flatten, rows in ((False, 1), (True, 0)):
        prediction = EmbeddingTaskGenerator(
            "text-retrieval", seed=1, flatten_tasks=flatten, lm=scripted_lm(lambda _request: "no list here")
        )()
        assert prediction.stats["parse_failures"] == 1 and prediction.tasks == []
        assert len(prediction.rows) == rows
        assert prediction.failures[0]["reason"] == "parse_failure" and prediction.failures[0]["raw_output"]
        if rows:
            assert prediction.rows[0]["metadata"]["returned"] == 0


def test_concurrent_generations_keep_order_and_propagate_context():
    lm = counting_lm()
    gen = EmbeddingTaskGenerator("all", num_generations=3, seed=6, lm=lm, concurrency=4)
    prediction = gen()
    assert [(r["category"], r["generation"]) for r in prediction.rows] == [(c, g) for c in CATEGORIES for g in range(3)]
    assert len(lm.engine.requests) == 12
    again = EmbeddingTaskGenerator("all", num_generations=3, seed=6, lm=lm, concurrency=1)()
    assert again.rows == prediction.rows


def test_usage_is_reported_per_call_and_in_stats():
    prediction = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=1, lm=counting_lm())()
    assert prediction.stats["usage"]["completion_tokens"] > 0
    assert "usage" not in prediction.rows[0]["metadata"]


def test_library_never_configures_dspy():
    EmbeddingTaskGenerator("text-retrieval", seed=1, lm=counting_lm())()
    assert dspy.settings.lm is None


@pytest.mark.parametrize("bad", ["retrieval", ["text-retrieval", "x"]])
def test_bad_category_raises_with_choices(bad):
    with pytest.raises(ValueError, match="text-retrieval, text-matching-short, text-matching-long"):
        EmbeddingTaskGenerator(bad, lm=counting_lm())


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_num_generations_below_one_raises(bad):
    with pytest.raises(ValueError, match="num_generations must be an integer >= 1"):
        EmbeddingTaskGenerator("text-retrieval", num_generations=bad, lm=counting_lm())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_tasks": 0}, "num_tasks"),
        ({"temperature": 3.0}, r"\[0, 2\]"),
        ({"seed": "x"}, "seed"),
        ({"concurrency": 0}, "concurrency"),
        ({"no_repeat": -0.5}, r"no_repeat must be a number >= 0 \(0 turns it off\)"),
        ({"no_repeat": 0.0}, "applies to the embedded models"),  # with the scripted (served) LM
    ],
)
def test_other_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EmbeddingTaskGenerator("text-retrieval", lm=counting_lm(), **kwargs)


def test_four_stable_predictors():
    gen = EmbeddingTaskGenerator("text-retrieval", lm=counting_lm())
    names = [name for name, _ in gen.named_predictors()]
    assert names == ["text_retrieval", "text_matching_short", "text_matching_long", "text_classification"]


# ------------------------------------------------- served sampling knobs (issue 15)


def test_served_models_get_the_penalties_on_the_request_only_when_set(monkeypatch):
    from openai_stub import OpenAIStub

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    with OpenAIStub() as stub:
        base = stub.base_url
        EmbeddingTaskGenerator(
            "text-retrieval", seed=1, lm="openai/stub", api_base=base, frequency_penalty=0.7, presence_penalty=-0.25
        )()
        EmbeddingTaskGenerator("text-retrieval", seed=1, lm="openai/stub", api_base=base)()
    with_knobs, plain = (request["body"] for request in stub.requests)
    assert (with_knobs["frequency_penalty"], with_knobs["presence_penalty"]) == (0.7, -0.25)
    assert "frequency_penalty" not in plain and "presence_penalty" not in plain
    assert with_knobs["messages"] == plain["messages"]  # the same prompt: only the sampling differs


def test_a_parse_failure_still_reports_the_tokens_it_cost():
    gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm=scripted_lm(lambda _request: "no list here " * 10))
    result = gen.call("text-retrieval", 0, 1)
    assert result.items is None and result.raw_output
    (usage,) = result.usage.values()
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0


def test_a_server_that_echoes_the_key_gets_it_redacted_in_the_tasks_a_call_returns(monkeypatch):
    from openai_stub import OpenAIStub

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    monkeypatch.setenv("OPENAI_API_KEY", "etg-forward-key-77c1")
    with OpenAIStub("echo") as stub:
        prediction = EmbeddingTaskGenerator("text-retrieval", seed=1, lm="openai/stub", api_base=stub.base_url)()
    assert "Given a request signed Bearer [REDACTED], retrieve its audit log." in prediction.tasks
    assert "etg-forward-key-77c1" not in repr(prediction.rows) + repr(prediction.failures)
