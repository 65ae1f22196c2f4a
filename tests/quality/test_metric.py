"""The task-quality metric: validated against a labelled set, part by part, and as a DSPy metric."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import dspy
import pytest

from embtaskgen.quality.metric import (
    METRIC_VERSION,
    WEIGHTS,
    CategoryCheck,
    TaskScore,
    check_category,
    on_category,
    score_tasks,
    task_metric,
)
from embtaskgen.quality.similarity import (
    CHAR_THRESHOLD,
    MIN_CONTENT_WORDS,
    MIN_EXACT_WORDS,
    WORD_THRESHOLD,
    is_near_duplicate,
)
from embtaskgen.quality.text import TaskText, jaccard
from embtaskgen.signatures.categories import CATEGORIES
from embtaskgen.signatures.seed_tasks import SEED_TASKS

LABELLED = Path(__file__).parent / "fixtures" / "labelled_lists.json"

GOOD_CLASSIFICATION = [
    "Classify a museum catalogue entry by the art movement the work belongs to.",
    "Label a customer chat message with the stage of the purchase journey it reflects.",
    "Classify a restaurant review by the aspect it praises most: food, service, or price.",
    "Label a software commit message with the type of change it makes.",
    "Classify a book blurb by the age group it targets.",
]


def _labelled() -> dict:
    return json.loads(LABELLED.read_text(encoding="utf-8"))


def _lists(category: str, label: str) -> list[dict]:
    return [item for item in _labelled()["lists"] if item["category"] == category and item["label"] == label]


# --- validation against the labelled set -------------------------------------------------


def test_labelled_set_covers_every_category_and_kind_of_failure():
    doc = _labelled()
    for category in CATEGORIES:
        kinds = {item["kind"] for item in doc["lists"] if item["category"] == category}
        assert {
            "varied",
            "exact-duplicates",
            "near-duplicates",
            "prompt-copies",
            "off-category",
            "garbage",
            "paragraphs",
            "single-words",
            "empty",
            "too-short",
        } <= kinds
        assert len(_lists(category, "good")) >= 3


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_good_list_outranks_every_bad_list(category):
    num_tasks = _labelled()["num_tasks"]
    good = {g["id"]: score_tasks(g["tasks"], category, num_tasks).score for g in _lists(category, "good")}
    bad = {b["id"]: score_tasks(b["tasks"], category, num_tasks).score for b in _lists(category, "bad")}
    worst_good = min(good, key=good.get)
    best_bad = max(bad, key=bad.get)
    assert good[worst_good] > bad[best_bad], (
        f"{worst_good} ({good[worst_good]:.3f}) <= {best_bad} ({bad[best_bad]:.3f})"
    )


@pytest.mark.parametrize("category", CATEGORIES)
def test_feedback_of_every_bad_list_names_items_at_fault(category):
    for bad in _lists(category, "bad"):
        result = score_tasks(bad["tasks"], category)
        if bad["kind"] == "empty":
            assert "empty" in result.feedback
        elif bad["kind"] == "too-short":
            assert "3 items; about 20 were asked for" in result.feedback
        else:
            assert result.problems, bad["id"]
            assert "Item " in result.feedback, bad["id"]


@pytest.mark.parametrize("category", CATEGORIES)
def test_good_lists_are_on_category_one_by_one(category):
    for good in _lists(category, "good"):
        assert all(on_category(task, category) for task in good["tasks"]), good["id"]


# --- the result object --------------------------------------------------------------------


def test_result_carries_score_feedback_and_parts():
    result = score_tasks(GOOD_CLASSIFICATION, "text-classification", num_tasks=5)
    assert isinstance(result, TaskScore)
    assert 0.0 <= result.score <= 1.0
    assert set(result.parts) == {"parsed", "yield", *WEIGHTS}
    assert result.metric_version == METRIC_VERSION
    assert result.usable == 5 and result.num_items == 5
    assert result.on_category_flags == (True,) * 5
    assert "Every item is distinct" in result.feedback


def test_weights_sum_to_one():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_deterministic_within_a_process():
    tasks = _lists("text-retrieval", "bad")[1]["tasks"]
    first = score_tasks(tasks, "text-retrieval").model_dump()
    assert all(score_tasks(tasks, "text-retrieval").model_dump() == first for _ in range(3))


def test_deterministic_across_processes_with_other_string_hashing():
    script = (
        "import json, sys\n"
        "from embtaskgen.quality.metric import score_tasks\n"
        "doc = json.load(open(sys.argv[1]))\n"
        "print(json.dumps([score_tasks(x['tasks'], x['category']).score for x in doc['lists']]))\n"
    )
    here = [score_tasks(x["tasks"], x["category"]).score for x in _labelled()["lists"]]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script, str(LABELLED)], env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout
    assert json.loads(out) == here


# --- arguments ----------------------------------------------------------------------------


def test_unknown_category_raises_with_the_valid_choices():
    with pytest.raises(ValueError, match="unknown category 'retrieval'") as info:
        score_tasks(["x"], "retrieval")
    for name in CATEGORIES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="text-classification"):
        on_category("Classify emails by urgency.", "classification")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "20"])
def test_bad_num_tasks_raises(bad):
    with pytest.raises(ValueError, match="num_tasks"):
        score_tasks([], "text-retrieval", num_tasks=bad)


# --- parts --------------------------------------------------------------------------------


@pytest.mark.parametrize("output", [None, "Retrieve news articles.", {"tasks": []}, 42])
def test_output_that_is_not_a_list_scores_zero(output):
    result = score_tasks(output, "text-retrieval")
    assert result.score == 0.0 and result.parts["parsed"] == 0.0
    assert "not a list" in result.feedback


def test_empty_list_scores_zero():
    result = score_tasks([], "text-retrieval")
    assert result.score == 0.0 and "empty" in result.feedback


@pytest.mark.parametrize(("n", "expected"), [(20, 1.0), (15, 1.0), (30, 1.0), (10, 10 / 15), (45, 0.5), (60, 0.0)])
def test_length_part(n, expected):
    tasks = [f"Classify item {i}." for i in range(n)]
    assert score_tasks(tasks, "text-classification").parts["length"] == pytest.approx(expected)


def test_duplicates_after_normalisation_are_named():
    tasks = [
        GOOD_CLASSIFICATION[0],
        GOOD_CLASSIFICATION[0].upper(),
        "  " + GOOD_CLASSIFICATION[0].rstrip(".") + "!!",
        GOOD_CLASSIFICATION[1],
    ]
    result = score_tasks(tasks, "text-classification", num_tasks=4)
    assert result.parts["unique"] == 0.5
    assert result.usable == 2
    assert [p.index for p in result.problems] == [1, 2]
    assert all("exact duplicate of item 1" in p.reasons for p in result.problems)


def test_near_duplicates_are_named_and_template_siblings_are_not():
    tasks = [
        "Given a question about vaccines, retrieve public health pages that answer it.",
        "Given a vaccine question, retrieve the public health pages answering it.",
        "Given a question about tax law, retrieve official guidance that answers it.",
        "Find scholarly papers that support or contradict a claim about nutrition.",
    ]
    result = score_tasks(tasks, "text-retrieval", num_tasks=4, examples=[])
    assert [(p.index, p.reasons) for p in result.problems] == [(1, ("near-duplicate of item 1",))]
    assert result.parts["distinct"] == 0.75


def test_near_duplicate_rule_matches_its_definition_on_the_labelled_tasks():
    """The bit-set shortcut never changes a verdict of the documented rule."""
    tasks = sorted({t for x in _labelled()["lists"] for t in x["tasks"] if isinstance(t, str)})
    texts = [TaskText.of(t) for t in tasks if t.strip()]

    def reference(a: TaskText, b: TaskText) -> bool:
        small = min(len(a.content), len(b.content))
        words = (
            jaccard(a.content, b.content) >= WORD_THRESHOLD
            if small >= MIN_CONTENT_WORDS
            else small >= MIN_EXACT_WORDS and a.content == b.content
        )
        return a.norm == b.norm or jaccard(a.grams, b.grams) >= CHAR_THRESHOLD or words

    pairs = list(combinations(texts, 2))
    assert len(pairs) > 100_000
    mismatches = [(a.raw, b.raw) for a, b in pairs if is_near_duplicate(a, b) != reference(a, b)]
    assert mismatches == []


@pytest.mark.parametrize(
    ("task", "reason"),
    [
        ("Retrieval.", "a single word"),
        ("Legal document search.", "too short (3 words)"),
        (
            "Given a claim, retrieve evidence documents. Rank them by relevance. Explain why.",
            "3 sentences; one expected",
        ),
        ("Given a claim, retrieve evidence documents\nthat support it from the web.", "spans several lines"),
        ("Given a claim " + "and a very long qualifying remark " * 8 + "retrieve documents.", "too long"),
    ],
)
def test_form_problems_are_named(task, reason):
    result = score_tasks([task], "text-retrieval", num_tasks=1, examples=[])
    assert result.parts["form"] == 0.0
    assert any(reason in r for r in result.problems[0].reasons), result.problems[0].reasons


def test_abbreviations_do_not_split_a_sentence():
    task = "Given a symptom, e.g. a headache, retrieve medical articles that discuss its causes."
    assert score_tasks([task], "text-retrieval", num_tasks=1, examples=[]).parts["form"] == 1.0


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ('{"tasks": [', "JSON or code"),
        ("## tasks", "markdown"),
        ("[[ ## tasks ## ]]", "field name or DSPy marker"),
        ("num_tasks: 20", "field name"),
        ("1.", "no words"),
        ("3. Retrieve legal documents for a tenant question.", "list marker"),
        ("**Task:** Retrieve documents that answer a question.", "markdown"),
        ("Here are 20 retrieval tasks:", "chatter"),
        ("'Given a word, find its antonym.',", "quotes"),
        ("<li>Retrieve essays</li>", "HTML"),
        ("Retrieve pages from https://example.org about a query.", "URL"),
        (42, "not a string (int)"),
        (None, "not a string (NoneType)"),
    ],
)
def test_markup_and_garbage_are_named(item, reason):
    result = score_tasks([item], "text-retrieval", num_tasks=1, examples=[])
    assert result.parts["clean"] == 0.0 and result.score < 0.45
    assert any(reason in r for r in result.problems[0].reasons), result.problems[0].reasons


def test_copies_of_the_seed_pool_are_named_by_default():
    seed = SEED_TASKS["text-matching-short"][0]
    tasks = [seed, seed.lower().rstrip("."), "Match a hashtag to a short phrase that explains it."]
    result = score_tasks(tasks, "text-matching-short", num_tasks=3)
    assert result.parts["novelty"] == pytest.approx(1 / 3)
    assert f'copies the prompt example "{seed}"' in result.problems[0].reasons
    assert score_tasks(tasks, "text-matching-short", 3, examples=[]).parts["novelty"] == 1.0


def test_copies_of_given_examples_are_named():
    example = "Match a hashtag to a short phrase that explains its meaning."
    result = score_tasks(
        ["Match hashtags to short phrases that explain their meaning."],
        "text-matching-short",
        num_tasks=1,
        examples=[example],
    )
    assert result.parts["novelty"] == 0.0
    assert "copies the prompt example" in result.feedback


# --- category conformance -------------------------------------------------------------------

ON_CATEGORY = {
    "text-retrieval": [
        "Given a scientific claim, retrieve research abstracts that support or refute it.",
        "Find Wikipedia passages that contain the answer to a trivia question.",
        "Search a collection of court rulings for decisions relevant to a legal dispute.",
    ],
    "text-matching-short": [
        "Given a word, find its dictionary definition.",
        "Match a book title to the name of its author.",
        "Given the title of a research paper, find the titles of papers that cite it.",
    ],
    "text-matching-long": [
        "Given an essay arguing one side of a debate, find essays that argue the opposite side.",
        "Match a long business proposal to proposals that suggest competing strategies.",
        "Given a full legal brief, find briefs filed in earlier cases with similar arguments.",
    ],
    "text-classification": [
        "Classify a customer support ticket by the product area it concerns.",
        "Determine whether a tweet expresses sarcasm or a literal statement.",
        "Label a user query to a voice assistant with the intent it expresses.",
    ],
}


@pytest.mark.parametrize("category", CATEGORIES)
def test_on_category_accepts_its_own_and_rejects_the_others(category):
    for task in ON_CATEGORY[category]:
        assert on_category(task, category), task
    for other in CATEGORIES:
        if other != category:
            for task in ON_CATEGORY[other]:
                assert not on_category(task, category), (task, category)


@pytest.mark.parametrize(
    ("task", "category", "reason"),
    [
        ("Classify emails by urgency.", "text-retrieval", "a classification task"),
        ("Given a long essay, retrieve essays on the same topic.", "text-retrieval", "the query is a long document"),
        ("Given a word, retrieve its synonym.", "text-retrieval", "documents to find"),
        ("Given a news article, find its headline.", "text-matching-short", "is not short"),
        ("Given a headline, find full articles about the story.", "text-matching-short", "both sides must be short"),
        ("Given a question, find essays that answer it.", "text-matching-long", "is short"),
        ("Retrieve documents that answer a question.", "text-classification", "not classification"),
        ("Classify things by their category.", "text-classification", "input text"),
        ("Classify each customer email.", "text-classification", "label space"),
        ("What are the side effects of ibuprofen?", "text-retrieval", "concrete question"),
    ],
)
def test_check_category_gives_the_reason(task, category, reason):
    verdict = check_category(task, category)
    assert isinstance(verdict, CategoryCheck)
    assert not verdict and reason in verdict.reason


def test_on_category_flags_are_in_the_score():
    tasks = [ON_CATEGORY["text-retrieval"][0], ON_CATEGORY["text-classification"][0]]
    result = score_tasks(tasks, "text-retrieval", num_tasks=2, examples=[])
    assert result.on_category_flags == (True, False)
    assert result.parts["on_category"] == 0.5
    assert "off-category for text-retrieval: a classification task" in result.feedback


# --- the DSPy metric ------------------------------------------------------------------------


def _example(**extra) -> dspy.Example:
    return dspy.Example(category="text-classification", num_tasks=5, **extra).with_inputs("category", "num_tasks")


def test_task_metric_returns_a_float_for_evaluate_and_bootstrapping():
    pred = dspy.Prediction(tasks=GOOD_CLASSIFICATION)
    expected = score_tasks(GOOD_CLASSIFICATION, "text-classification", num_tasks=5).score
    assert task_metric(_example(), pred) == expected
    assert task_metric(_example(), pred, None) == expected
    assert task_metric(_example(), pred, trace=[]) == expected
    assert isinstance(task_metric(_example(), pred), float)


def test_task_metric_returns_score_and_feedback_for_gepa():
    inspect.signature(task_metric).bind(None, None, None, None, None)  # what GEPA checks
    tasks = [*GOOD_CLASSIFICATION[:4], GOOD_CLASSIFICATION[0]]
    pred = dspy.Prediction(tasks=tasks)
    out = task_metric(_example(), pred, None, "text_classification.predict", [])
    assert isinstance(out, dspy.Prediction)
    assert out.score == task_metric(_example(), pred)  # module- and predictor-level agree
    assert "Item 5" in out.feedback and "exact duplicate of item 1" in out.feedback
    assert out["feedback"] == out.feedback  # GEPA reads it by key


def test_task_metric_reads_the_tasks_from_the_predictor_trace_when_needed():
    trace = [(None, {"num_tasks": 5}, dspy.Prediction(tasks=GOOD_CLASSIFICATION))]
    out = task_metric(_example(), dspy.Prediction(), None, "p", trace)
    assert out.score == task_metric(_example(), dspy.Prediction(tasks=GOOD_CLASSIFICATION))


def test_task_metric_defaults_and_dict_inputs():
    as_dict = task_metric({"category": "text-classification"}, {"tasks": GOOD_CLASSIFICATION})
    assert as_dict == score_tasks(GOOD_CLASSIFICATION, "text-classification", 20).score
    assert task_metric(_example(), dspy.Prediction(tasks=None)) == 0.0
    with pytest.raises(ValueError, match="unknown category"):
        task_metric(dspy.Example(category="nope"), dspy.Prediction(tasks=[]))


def test_task_metric_counts_repeats_of_the_avoid_list_as_copies():
    pred = dspy.Prediction(tasks=GOOD_CLASSIFICATION)
    plain = task_metric(_example(), pred)
    avoided = task_metric(_example(avoid=GOOD_CLASSIFICATION[:2]), pred, None, "p", [])
    assert avoided.score < plain
    assert "copies the prompt example" in avoided.feedback


class _FixedLists(dspy.Module):
    """A program with no LM: returns a fixed list per category."""

    def forward(self, category: str, num_tasks: int = 20) -> dspy.Prediction:
        if category == "text-classification":
            return dspy.Prediction(tasks=GOOD_CLASSIFICATION)
        return dspy.Prediction(tasks=["Retrieval."] * num_tasks)


def test_task_metric_runs_under_dspy_evaluate():
    devset = [_example(), dspy.Example(category="text-retrieval", num_tasks=5).with_inputs("category", "num_tasks")]
    evaluate = dspy.Evaluate(devset=devset, metric=task_metric, num_threads=1, display_progress=False)
    result = evaluate(_FixedLists())
    scores = [score for _, _, score in result.results]
    assert scores[0] > 0.9 and scores[1] < 0.3
    assert result.score == pytest.approx(100 * sum(scores) / 2, abs=0.01)
