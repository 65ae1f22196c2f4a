import copy
import itertools
import json
import threading

import dspy
import pytest
from scripted import chat_reply, prompt_text, scripted_lm

from embtaskgen import CATEGORIES, ConfigError, EmbeddingTaskGenerator
from embtaskgen.brainstorm.tuning_program import CategoryProgram
from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.signatures import SIGNATURES

GOOD = [
    "Classify museum catalogue entries by the art movement they belong to.",
    "Classify customer emails by the product they complain about.",
    "Classify court rulings by the area of law they concern.",
    "Classify recipe blog posts by the cuisine they come from.",
]
OFF_CATEGORY = "Given a drug name, retrieve encyclopedia articles that mention it."


def _category_of(text):
    found = [c for c, s in SIGNATURES.items() if s.instructions.splitlines()[0] in text]
    assert len(found) == 1, found
    return found[0]


def routing_lm():
    """Answers with tasks named after the category whose instructions the prompt carries;
    a prompt whose topic is "BROKEN" gets an answer that does not parse."""
    counter = itertools.count()
    lock = threading.Lock()

    def reply(request):
        text = prompt_text(request)
        if "BROKEN" in text:
            return "I cannot write a list today."
        with lock:
            n = next(counter)
        return chat_reply([f"{_category_of(text)} task {n}-{i}." for i in range(3)])

    return scripted_lm(reply)


def _program(categories=("text-retrieval",), lm=None, progress=None, **kwargs):
    lm = lm or routing_lm()
    return CategoryProgram(EmbeddingTaskGenerator(lm=lm, **kwargs), list(categories), progress=progress), lm


# ----------------------------------------------------------------- predictors


@pytest.mark.parametrize(
    ("categories", "names"),
    [
        (["text-retrieval"], ["text_retrieval"]),
        (["text-classification", "text-matching-short"], ["text_classification", "text_matching_short"]),
        (["all"], [c.replace("-", "_") for c in CATEGORIES]),
        (["text-retrieval", "text-retrieval"], ["text_retrieval"]),
    ],
)
def test_one_named_predictor_per_tuned_category(categories, names):
    program, _ = _program(categories)
    assert [name for name, _ in program.named_predictors()] == names
    assert list(program.tuned_units) == [n.replace("_", "-") for n in names]


def test_predictors_are_copies_of_the_generators():
    generator = EmbeddingTaskGenerator(lm=routing_lm())
    generator.text_retrieval.demos = [dspy.Example(num_tasks=1, topic="", avoid=[], tasks=["Find X."])]
    program = CategoryProgram(generator, ["text-retrieval"])
    assert program.text_retrieval is not generator.text_retrieval
    assert program.text_retrieval.dump_state() == generator.text_retrieval.dump_state()
    program.text_retrieval.demos = []
    program.text_retrieval.signature = program.text_retrieval.signature.with_instructions("Tuned.")
    assert len(generator.text_retrieval.demos) == 1
    assert generator.text_retrieval.signature.instructions == SIGNATURES["text-retrieval"].instructions


@pytest.mark.parametrize("categories", [["text-generation"], ["text-retrieval", "nope"], []])
def test_an_unknown_category_names_the_valid_choices(categories):
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        _program(categories)


def test_a_single_category_string_is_one_category():
    program = CategoryProgram(EmbeddingTaskGenerator(lm=routing_lm()), "text-retrieval")
    assert [name for name, _ in program.named_predictors()] == ["text_retrieval"]


# -------------------------------------------------------------------- forward


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_call_goes_to_its_categorys_predictor(category):
    program, lm = _program(["all"])
    prediction = program(category=category, num_tasks=7, topic="marine biology", seed=3)
    (request,) = lm.engine.requests
    text = prompt_text(request)
    assert _category_of(text) == category
    assert "marine biology" in text and "7" in text
    assert prediction.tasks == [f"{category} task 0-{i}." for i in range(3)]
    assert prediction.parse_failure is False and prediction.raw_output is None
    assert prediction.target == 7 and list(prediction.shown) == []


def test_the_call_is_generation_zero_of_run_seed():
    program, lm = _program(["text-retrieval"], num_tasks=8)
    generator = EmbeddingTaskGenerator(lm=lm, num_tasks=8)
    first = program(category="text-retrieval", num_tasks=8, topic="finance", seed=5)
    again = generator.call("text-retrieval", 0, 5, topic="finance")
    assert len(lm.engine.requests) == 1  # same request: a DSPy cache hit
    assert again.items == first.tasks
    program(category="text-retrieval", num_tasks=8, topic="finance", seed=6)
    assert len(lm.engine.requests) == 2  # another seed, another sample


def test_an_untuned_category_is_refused_naming_the_tuned_ones():
    program, lm = _program(["text-classification", "text-retrieval"])
    with pytest.raises(ConfigError, match="choose from text-classification, text-retrieval"):
        program(category="text-matching-long", num_tasks=3, topic="", seed=0)
    with pytest.raises(ConfigError, match="not tuned"):
        program(category="nope", num_tasks=3, topic="", seed=0)
    assert lm.engine.requests == [] and program.calls == 0


def test_the_target_is_what_the_adapter_really_asks_for():
    lm = scripted_lm(lambda request: json.dumps(GOOD))
    adapter = CompactListAdapter(category="text-classification", max_items=5)
    program, _ = _program(["text-classification"], lm=lm, adapter=adapter)
    prediction = program(category="text-classification", num_tasks=8, topic="", seed=0)
    assert prediction.target == 5
    assert prediction.tasks == GOOD
    assert "Write 5 tasks." in prompt_text(lm.engine.requests[-1])


def test_demos_are_curated_before_they_are_shown():
    lm = scripted_lm(lambda request: json.dumps(GOOD))
    adapter = CompactListAdapter(category="text-classification")
    program, _ = _program(["text-classification"], lm=lm, adapter=adapter)
    demo = dspy.Example(num_tasks=5, topic="", avoid=[], tasks=[*GOOD[:3], OFF_CATEGORY, GOOD[0]])
    program.text_classification.demos = [demo.with_inputs("num_tasks", "topic", "avoid")]
    prediction = program(category="text-classification", num_tasks=4, topic="law", seed=0)
    assert list(prediction.shown) == GOOD[:3]
    text = prompt_text(lm.engine.requests[-1])
    assert GOOD[0] in text and OFF_CATEGORY not in text
    assert "Write 3 tasks." in text  # the demo's num_tasks follows its curated tasks
    # The predictor's own demos are left as they were.
    assert program.text_classification.demos[0].tasks[3] == OFF_CATEGORY


# ------------------------------------------------------------------- counting


def test_calls_and_parse_failures_are_counted_and_reported():
    seen = []
    program, _ = _program(["text-retrieval"], progress=seen.append)
    ok = program(category="text-retrieval", num_tasks=3, topic="", seed=1)
    broken = program(category="text-retrieval", num_tasks=3, topic="BROKEN", seed=1)
    program(category="text-retrieval", num_tasks=3, topic="", seed=2)
    assert ok.parse_failure is False
    assert broken.tasks is None and broken.parse_failure is True
    assert "cannot write a list" in broken.raw_output
    assert (program.calls, program.parse_failures) == (3, 1)
    assert seen == [1, 2, 3]


@pytest.mark.parametrize(
    "make_copy",
    [copy.deepcopy, lambda p: p.deepcopy(), lambda p: p.reset_copy()],
    ids=["copy.deepcopy", "Module.deepcopy", "Module.reset_copy"],
)
def test_copies_share_the_counter_but_not_the_predictors(make_copy):
    seen = []
    program, lm = _program(["text-retrieval"], progress=seen.append)
    clone = make_copy(program)
    assert clone.text_retrieval is not program.text_retrieval
    clone(category="text-retrieval", num_tasks=3, topic="", seed=1)
    clone(category="text-retrieval", num_tasks=3, topic="BROKEN", seed=2)
    assert lm.engine.requests  # the copy calls the same model
    program(category="text-retrieval", num_tasks=3, topic="", seed=3)
    assert program.calls == clone.calls == 3
    assert program.parse_failures == clone.parse_failures == 1
    assert seen == [1, 2, 3]
