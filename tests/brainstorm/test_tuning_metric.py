from types import SimpleNamespace

import dspy
import pytest

from embtaskgen import CATEGORIES, ConfigError
from embtaskgen.brainstorm.tuning_metric import demo_tasks, requested_count, shown_examples, tuning_metric
from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.quality.metric import score_tasks
from embtaskgen.signatures.seed_tasks import SEED_TASKS

GOOD = [
    "Classify museum catalogue entries by the art movement they belong to.",
    "Classify customer emails by the product they complain about.",
    "Classify court rulings by the area of law they concern.",
    "Classify recipe blog posts by the cuisine they come from.",
]


def _example(num_tasks=20, category="text-classification"):
    return dspy.Example(category=category, num_tasks=num_tasks, topic="", seed=0).with_inputs(
        "category", "num_tasks", "topic", "seed"
    )


# ---------------------------------------------------------------- requested_count


@pytest.mark.parametrize(("num_tasks", "cap", "expected"), [(20, 10, 10), (8, 10, 8), (10, 10, 10), (3, 1, 1)])
def test_requested_count_is_capped_by_the_adapters_max_items(num_tasks, cap, expected):
    assert requested_count(num_tasks, CompactListAdapter(max_items=cap)) == expected
    assert requested_count(num_tasks, SimpleNamespace(max_items=cap)) == expected


@pytest.mark.parametrize(
    "adapter",
    [
        None,
        dspy.ChatAdapter(),
        CompactListAdapter(max_items=None),
        SimpleNamespace(max_items=0),
        SimpleNamespace(max_items=True),
        SimpleNamespace(max_items="5"),
        SimpleNamespace(max_items=2.0),
    ],
    ids=["none", "chat", "uncapped", "zero", "bool", "str", "float"],
)
def test_requested_count_ignores_adapters_without_a_usable_cap(adapter):
    assert requested_count(20, adapter) == 20


# ----------------------------------------------------------------- demo_tasks


def test_demo_tasks_collects_every_string_of_every_demo_in_order():
    demos = [
        dspy.Example(num_tasks=2, tasks=["A one.", "A two."]),
        {"num_tasks": 1, "tasks": ["B one.", 7, None]},
        SimpleNamespace(tasks=["C one."]),
        dspy.Example(num_tasks=1, tasks="not a list"),
        dspy.Example(num_tasks=1),
    ]
    assert demo_tasks(demos) == ["A one.", "A two.", "B one.", "C one."]
    assert demo_tasks([]) == []


def test_demo_tasks_reads_the_named_output_field():
    demos = [dspy.Example(tasks=["Ignored."], items=["Kept."])]
    assert demo_tasks(demos, output="items") == ["Kept."]
    assert demo_tasks(demos) == ["Ignored."]


# -------------------------------------------------------------- shown_examples


@pytest.mark.parametrize("category", CATEGORIES)
def test_shown_examples_without_demos_is_the_categorys_seed_pool(category):
    shown = shown_examples(category)
    assert shown == tuple(SEED_TASKS[category]) and shown
    for other in set(CATEGORIES) - {category}:
        assert shown != tuple(SEED_TASKS[other])


def test_shown_examples_adds_the_demo_tasks_after_the_pool():
    demos = [dspy.Example(tasks=[GOOD[0]]), dspy.Example(tasks=[GOOD[1], GOOD[2]])]
    shown = shown_examples("text-classification", demos)
    pool = tuple(SEED_TASKS["text-classification"])
    assert shown[: len(pool)] == pool
    assert shown[len(pool) :] == (GOOD[0], GOOD[1], GOOD[2])


# --------------------------------------------------------------- tuning_metric


def test_a_varied_on_category_list_of_the_requested_size_scores_high():
    pred = dspy.Prediction(tasks=GOOD, target=4, shown=())
    assert tuning_metric(_example(), pred) == pytest.approx(1.0)


def test_the_target_of_the_prediction_replaces_the_examples_num_tasks():
    # Four tasks are all the (capped) call asked for: full marks; against the
    # example's 20 they are too few.
    capped = tuning_metric(_example(num_tasks=20), dspy.Prediction(tasks=GOOD, target=4, shown=()))
    uncapped = tuning_metric(_example(num_tasks=20), dspy.Prediction(tasks=GOOD, shown=()))
    assert capped > 0.9 > uncapped
    assert uncapped == pytest.approx(score_tasks(GOOD, "text-classification", num_tasks=20).score)
    # Without a target, the example's count is used.
    assert tuning_metric(_example(num_tasks=4), dspy.Prediction(tasks=GOOD)) == pytest.approx(capped)


def test_copying_a_shown_demo_task_costs_score():
    fresh = tuning_metric(_example(4), dspy.Prediction(tasks=GOOD, target=4, shown=()))
    copied = tuning_metric(_example(4), dspy.Prediction(tasks=GOOD, target=4, shown=[GOOD[0]]))
    assert copied < fresh
    expected = score_tasks(
        GOOD, "text-classification", num_tasks=4, examples=[*SEED_TASKS["text-classification"], GOOD[0]]
    ).score
    assert copied == pytest.approx(expected)


def test_copying_the_seed_pool_costs_score_even_when_nothing_else_is_shown():
    seed_task = SEED_TASKS["text-classification"][0]
    copied = tuning_metric(_example(4), dspy.Prediction(tasks=[*GOOD[:3], seed_task], target=4, shown=()))
    assert copied < tuning_metric(_example(4), dspy.Prediction(tasks=GOOD, target=4, shown=()))


def test_an_unparsed_answer_scores_zero():
    assert tuning_metric(_example(4), dspy.Prediction(tasks=None, target=4, shown=())) == 0.0


def test_plain_dicts_are_accepted():
    assert tuning_metric({"category": "text-classification", "num_tasks": 4}, {"tasks": GOOD}) == pytest.approx(1.0)


def test_gepa_form_returns_the_same_score_with_feedback():
    pred = dspy.Prediction(tasks=GOOD, target=4, shown=[GOOD[0]])
    as_float = tuning_metric(_example(4), pred)
    gepa = tuning_metric(_example(4), pred, None, "text_classification", None)
    assert isinstance(gepa, dspy.Prediction)
    assert gepa.score == pytest.approx(as_float) and as_float < 1.0
    assert "copies the prompt example" in gepa.feedback


@pytest.mark.parametrize("category", ["text-generation", None, ""])
def test_an_unknown_category_names_the_valid_choices(category):
    example = dspy.Example(category=category, num_tasks=4) if category is not None else dspy.Example(num_tasks=4)
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        tuning_metric(example, dspy.Prediction(tasks=GOOD, target=4, shown=()))
