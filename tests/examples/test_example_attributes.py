"""Attributes per example: seeded, local, from the pools; bitext languages differ."""

from __future__ import annotations

import random

import pytest

from embtaskgen import EXAMPLE_KINDS, ConfigError
from embtaskgen.examples.attribute_draw import draw_attributes
from embtaskgen.signatures import EXAMPLE_SIGNATURES
from embtaskgen.signatures.attributes import LANGUAGES


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_the_attributes_are_the_signatures_inputs_and_reproducible(kind):
    drawn = draw_attributes(kind, seed=5, task_id="t", index=0, languages="paper")
    assert set(drawn) == set(EXAMPLE_SIGNATURES[kind].input_fields) - {"task"}
    assert drawn == draw_attributes(kind, seed=5, task_id="t", index=0, languages="paper")


def test_draws_leave_the_global_random_state_alone():
    random.seed(0)
    expected = random.random()
    random.seed(0)
    draw_attributes("text-retrieval", seed=1, task_id="t", index=0, languages="paper")
    assert random.random() == expected


def test_index_task_and_seed_each_change_the_draw():
    base = [draw_attributes("text-retrieval", seed=1, task_id="t", index=i) for i in range(20)]
    assert len({tuple(sorted(a.items())) for a in base}) > 10
    other_task = [draw_attributes("text-retrieval", seed=1, task_id="u", index=i) for i in range(20)]
    other_seed = [draw_attributes("text-retrieval", seed=2, task_id="t", index=i) for i in range(20)]
    assert base != other_task and base != other_seed


@pytest.mark.parametrize("languages", ["english", "paper", ("German", "French"), ("Welsh",)])
def test_bitext_draws_two_different_languages(languages):
    for index in range(50):
        drawn = draw_attributes("bitext", seed=3, task_id="bitext", index=index, languages=languages)
        assert drawn["source_language"] != drawn["target_language"]
        if isinstance(languages, tuple) and len(languages) > 1:
            assert {drawn["source_language"], drawn["target_language"]} == set(languages)
        else:
            assert drawn["target_language"] in LANGUAGES


def test_paper_languages_are_mostly_english():
    drawn = [draw_attributes("sts", seed=1, task_id="sts", index=i, languages="paper")["language"] for i in range(400)]
    share = drawn.count("English") / len(drawn)
    assert 0.3 < share < 0.56
    assert len(set(drawn)) > 20


def test_unknown_kind_or_languages():
    with pytest.raises(ConfigError, match="valid kinds are"):
        draw_attributes("nli", seed=1, task_id="t", index=0)
    with pytest.raises(ConfigError, match="languages must be one of"):
        draw_attributes("sts", seed=1, task_id="t", index=0, languages="klingon")


def test_sts_draws_its_pools_and_bitext_pairs_english_with_another_language():
    drawn = draw_attributes("sts", seed=1, task_id="sts", index=0)
    assert drawn == draw_attributes("sts", seed=1, task_id="sts", index=0)
    assert sorted(drawn) == ["difficulty", "high_score", "language", "low_score", "unit"]
    bitext = draw_attributes("bitext", seed=1, task_id="bitext", index=0)
    assert bitext["source_language"] == "English"
    assert bitext["target_language"] != "English"
