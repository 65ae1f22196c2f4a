import dspy
import pytest

from embtaskgen import CATEGORIES, ConfigError
from embtaskgen.brainstorm.tuning_splits import (
    EXAMPLE_INPUTS,
    HELDOUT_EVERY,
    HELDOUT_SEED_BASE,
    HELDOUT_TOPICS,
    TRAIN_TOPICS,
    heldout_examples,
    heldout_seeds,
    make_example,
    training_examples,
)
from embtaskgen.signatures.topics import TOPICS

BAD_COUNTS = [0, -1, True, 2.0, "3", None]


# -------------------------------------------------------------------- topics


def test_train_and_heldout_topics_are_disjoint_except_any_domain():
    assert set(TRAIN_TOPICS) & set(HELDOUT_TOPICS) == {""}
    assert TRAIN_TOPICS[0] == HELDOUT_TOPICS[0] == ""
    assert set(TRAIN_TOPICS) | set(HELDOUT_TOPICS) == set(TOPICS) | {""}
    assert len(TRAIN_TOPICS) == len(set(TRAIN_TOPICS))
    assert len(HELDOUT_TOPICS) == len(set(HELDOUT_TOPICS))


def test_every_fifth_topic_is_held_out_in_pool_order():
    assert HELDOUT_EVERY == 5
    assert HELDOUT_TOPICS[1:] == TOPICS[HELDOUT_EVERY - 1 :: HELDOUT_EVERY]
    assert list(TRAIN_TOPICS[1:]) == [t for t in TOPICS if t not in HELDOUT_TOPICS]


def test_the_split_is_pinned():
    # Scores recorded in saved programs are only comparable while the split stays put.
    assert HELDOUT_TOPICS[:5] == ("", "automotive repair", "childcare", "cooking", "e-commerce")
    assert TRAIN_TOPICS[:4] == ("", "agriculture", "architecture", "art history")
    assert HELDOUT_SEED_BASE == 1_000_000


# --------------------------------------------------------------------- seeds


def test_heldout_seeds_are_deterministic_and_start_at_the_base():
    assert heldout_seeds(3) == (HELDOUT_SEED_BASE, HELDOUT_SEED_BASE + 1, HELDOUT_SEED_BASE + 2)
    assert heldout_seeds(3) == heldout_seeds(3)
    assert heldout_seeds(5)[:3] == heldout_seeds(3)
    assert isinstance(heldout_seeds(1), tuple)


@pytest.mark.parametrize("count", BAD_COUNTS)
def test_heldout_seeds_refuses_a_bad_count(count):
    with pytest.raises(ConfigError, match="count must be an integer >= 1"):
        heldout_seeds(count)


@pytest.mark.parametrize("category", CATEGORIES)
def test_training_examples_never_use_heldout_seeds_or_topics(category):
    examples = training_examples(category, 300, seed=3)
    assert all(0 <= e.seed < HELDOUT_SEED_BASE for e in examples)
    assert all(e.topic in TRAIN_TOPICS for e in examples)
    assert not set(heldout_seeds(50)) & {e.seed for e in examples}
    assert not {e.topic for e in examples} & (set(HELDOUT_TOPICS) - {""})


# ------------------------------------------------------------- make_example


def test_make_example_is_one_call_with_the_forward_inputs():
    example = make_example("text-matching-long", "law", 12, num_tasks=7)
    assert isinstance(example, dspy.Example)
    assert EXAMPLE_INPUTS == ("category", "num_tasks", "topic", "seed")
    assert dict(example.inputs().items()) == {
        "category": "text-matching-long",
        "num_tasks": 7,
        "topic": "law",
        "seed": 12,
    }
    assert make_example("text-retrieval", "", 0).num_tasks == 20


@pytest.mark.parametrize("category", ["text-generation", "all", "", None])
def test_make_example_refuses_an_unknown_category(category):
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        make_example(category, "", 0)


def test_make_example_refuses_a_category_of_the_wrong_type():
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        make_example(["text-retrieval"], "", 0)


# --------------------------------------------------------- training_examples


def test_training_examples_are_distinct_calls_of_the_category():
    examples = training_examples("text-classification", 40, num_tasks=6)
    assert len(examples) == 40
    assert len({(e.topic, e.seed) for e in examples}) == 40
    for example in examples:
        assert example.category == "text-classification" and example.num_tasks == 6
        assert tuple(example.inputs().keys()) == EXAMPLE_INPUTS


def test_training_examples_are_reproducible_from_the_seed():
    key = lambda examples: [(e.topic, e.seed) for e in examples]  # noqa: E731
    first = training_examples("text-retrieval", 10, seed=5)
    assert key(training_examples("text-retrieval", 10, seed=5)) == key(first)
    assert key(training_examples("text-retrieval", 10, seed=6)) != key(first)
    assert key(training_examples("text-matching-short", 10, seed=5)) != key(first)
    # A longer draw starts with the shorter one.
    assert key(training_examples("text-retrieval", 15, seed=5))[:10] == key(first)


def test_training_examples_skip_the_excluded_calls():
    train = training_examples("text-retrieval", 20, seed=0)
    # The same draw seed would repeat the trainset; exclude forces new calls.
    val = training_examples("text-retrieval", 20, seed=0, exclude=train)
    assert not {(e.topic, e.seed) for e in train} & {(e.topic, e.seed) for e in val}
    assert len({(e.topic, e.seed) for e in val}) == 20


@pytest.mark.parametrize("count", BAD_COUNTS)
def test_training_examples_refuse_a_bad_count(count):
    with pytest.raises(ConfigError, match="count must be an integer >= 1"):
        training_examples("text-retrieval", count)


def test_training_examples_refuse_an_unknown_category():
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        training_examples("text-generation", 3)


# ---------------------------------------------------------- heldout_examples


def test_heldout_examples_default_to_every_heldout_topic_at_the_first_heldout_seed():
    examples = heldout_examples("text-matching-short")
    assert [e.topic for e in examples] == list(HELDOUT_TOPICS)
    assert {e.seed for e in examples} == {HELDOUT_SEED_BASE}
    assert {e.category for e in examples} == {"text-matching-short"}


def test_heldout_examples_are_every_seed_by_every_topic_seed_major():
    topics, seeds = HELDOUT_TOPICS[:3], heldout_seeds(2)
    examples = heldout_examples("text-retrieval", topics=topics, seeds=seeds, num_tasks=9)
    assert [(e.seed, e.topic) for e in examples] == [(s, t) for s in seeds for t in topics]
    assert {e.num_tasks for e in examples} == {9}
    assert heldout_examples("text-retrieval", topics=topics, seeds=seeds, num_tasks=9) == examples


@pytest.mark.parametrize(("topics", "seeds"), [((), (HELDOUT_SEED_BASE,)), (("",), ()), ((), ())])
def test_heldout_examples_need_a_topic_and_a_seed(topics, seeds):
    with pytest.raises(ConfigError, match="at least one topic and one seed"):
        heldout_examples("text-retrieval", topics=topics, seeds=seeds)


def test_heldout_examples_refuse_an_unknown_category():
    with pytest.raises(ConfigError, match=", ".join(CATEGORIES)):
        heldout_examples("text-generation")


def test_heldout_examples_do_not_split_a_single_topic_string_into_letters():
    try:
        examples = heldout_examples("text-retrieval", topics="automotive repair")
    except ConfigError:
        return
    assert [e.topic for e in examples] == ["automotive repair"]
