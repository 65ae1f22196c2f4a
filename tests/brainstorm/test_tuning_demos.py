import dspy
import pytest

from embtaskgen import CATEGORIES, ConfigError
from embtaskgen.brainstorm.tuning_demos import MIN_DEMO_ITEMS, curate_demos

GOOD = [
    "Classify museum catalogue entries by the art movement they belong to.",
    "Classify customer emails by the product they complain about.",
    "Classify court rulings by the area of law they concern.",
    "Classify recipe blog posts by the cuisine they come from.",
    "Classify hiking trail reviews by the difficulty they describe.",
    "Classify job postings by the seniority level they ask for.",
]
OFF_CATEGORY = "Given a drug name, retrieve encyclopedia articles that mention it."
MARKUP = "**Classify** support tickets by urgency."
ONE_WORD = "Classify"

INPUTS = ("num_tasks", "topic", "avoid")


def _demo(tasks, **extra):
    fields = {"num_tasks": len(tasks), "topic": "", "avoid": [], "tasks": list(tasks), **extra}
    return dspy.Example(**fields).with_inputs(*INPUTS)


def test_keeps_only_the_items_that_pass_every_check():
    demo = _demo([GOOD[0], OFF_CATEGORY, GOOD[1], MARKUP, ONE_WORD, GOOD[2]])
    (curated,) = curate_demos([demo], "text-classification", min_items=1)
    assert curated.tasks == [GOOD[0], GOOD[1], GOOD[2]]
    assert curated.num_tasks == 3


def test_the_category_decides_what_is_usable():
    demo = _demo([GOOD[0], GOOD[1], OFF_CATEGORY])
    assert curate_demos([demo], "text-retrieval", min_items=1)[0].tasks == [OFF_CATEGORY]
    assert curate_demos([demo], "text-classification", min_items=1)[0].tasks == GOOD[:2]


def test_duplicates_are_dropped_within_and_across_demos():
    first = _demo([GOOD[0], GOOD[0].upper(), GOOD[1]])
    second = _demo([GOOD[1] + "  ", GOOD[2], GOOD[3]])
    curated = curate_demos([first, second], "text-classification", min_items=1)
    assert [d.tasks for d in curated] == [[GOOD[0], GOOD[1]], [GOOD[2], GOOD[3]]]
    assert [d.num_tasks for d in curated] == [2, 2]


def test_demos_left_with_too_few_items_are_dropped():
    short = _demo([GOOD[0], OFF_CATEGORY, OFF_CATEGORY])
    full = _demo(GOOD[1:4])
    assert [d.tasks for d in curate_demos([short, full], "text-classification")] == [GOOD[1:4]]
    assert MIN_DEMO_ITEMS == 3
    assert curate_demos([_demo(GOOD[:2])], "text-classification") == []
    assert len(curate_demos([_demo(GOOD[:2])], "text-classification", min_items=2)) == 1


def test_a_demo_left_short_by_repeats_of_an_earlier_demo_is_dropped():
    kept = _demo(GOOD[:3])
    repeats = _demo([GOOD[0], GOOD[1], GOOD[4]])
    assert [d.tasks for d in curate_demos([kept, repeats], "text-classification")] == [GOOD[:3]]


def test_items_of_a_dropped_demo_do_not_count_as_shown():
    dropped = _demo([GOOD[0], OFF_CATEGORY, OFF_CATEGORY])  # one usable item: dropped
    later = _demo(GOOD[:3])
    assert [d.tasks for d in curate_demos([dropped, later], "text-classification")] == [GOOD[:3]]


@pytest.mark.parametrize(
    "tasks",
    [[], "Classify emails by topic.", None, [GOOD[0], GOOD[1], GOOD[2], 7]],
    ids=["empty", "string", "none", "non-string-item"],
)
def test_demos_without_a_clean_list_output_are_skipped(tasks):
    bad = dspy.Example(num_tasks=3, topic="", avoid=[], tasks=tasks).with_inputs(*INPUTS)
    good = _demo(GOOD[3:6])
    assert [d.tasks for d in curate_demos([bad, good], "text-classification")] == [GOOD[3:6]]


def test_inputs_and_other_fields_are_kept():
    demo = _demo([GOOD[0], OFF_CATEGORY, GOOD[1], GOOD[2]], topic="law", avoid=["x"], note="kept")
    (curated,) = curate_demos([demo], "text-classification")
    assert isinstance(curated, dspy.Example)
    assert set(curated.inputs().keys()) == set(INPUTS)
    assert (curated.topic, curated.avoid, curated.note) == ("law", ["x"], "kept")
    assert curated.num_tasks == 3


def test_dicts_and_examples_without_inputs_are_accepted():
    (from_dict,) = curate_demos([{"tasks": GOOD[:3], "num_tasks": 9}], "text-classification")
    assert from_dict.tasks == GOOD[:3] and from_dict.num_tasks == 3
    (no_count,) = curate_demos([dspy.Example(tasks=GOOD[:3])], "text-classification")
    assert "num_tasks" not in no_count.keys()


def test_the_output_field_name_is_configurable():
    demo = dspy.Example(items=[GOOD[0], OFF_CATEGORY, GOOD[1], GOOD[2]], num_tasks=4)
    (curated,) = curate_demos([demo], "text-classification", output="items")
    assert curated["items"] == GOOD[:3]
    assert curate_demos([demo], "text-classification") == []  # no "tasks" field


def test_the_input_demos_are_not_modified():
    demo = _demo([GOOD[0], OFF_CATEGORY, GOOD[1], GOOD[2]])
    curate_demos([demo], "text-classification")
    assert demo.tasks == [GOOD[0], OFF_CATEGORY, GOOD[1], GOOD[2]] and demo.num_tasks == 4


def test_curation_is_idempotent():
    demos = [_demo([GOOD[0], OFF_CATEGORY, GOOD[1], MARKUP, GOOD[2]]), _demo([GOOD[2], *GOOD[3:6]])]
    once = curate_demos(demos, "text-classification")
    assert len(once) == 2
    twice = curate_demos(once, "text-classification")
    assert [dict(d.items()) for d in twice] == [dict(d.items()) for d in once]
    assert [set(d.inputs().keys()) for d in twice] == [set(INPUTS)] * 2


def test_an_unknown_category_names_the_valid_choices():
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        curate_demos([_demo(GOOD[:3])], "text-generation")
