"""The item regex of the embedded model's list grammar: where an item may end (issue 15)."""

import json
import re

import pytest

from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.embedded.grammar import grammar_text
from embtaskgen.embedded.list_format import seed_item_pattern
from embtaskgen.errors import ConfigError
from embtaskgen.signatures.seed_tasks import SEED_TASKS


@pytest.mark.parametrize("category", sorted(SEED_TASKS))
def test_every_seed_task_fits_the_clause_end_pattern_and_it_compiles(category):
    pattern = seed_item_pattern(SEED_TASKS[category], 20, 120)
    assert all(re.fullmatch(pattern, task) for task in SEED_TASKS[category])
    grammar_text(json.dumps({"type": "array", "items": {"type": "string", "pattern": pattern}}, sort_keys=True))


@pytest.mark.parametrize(
    "cut",
    [
        "Given a film, find the year it was made, the.",
        "Given a film, find reviews of the film and.",
        "Given a film, find reviews that cite it (e.",
        "Given a book review about a topic similar to, find reviews about similar books.",
    ],
)
def test_an_item_cannot_end_mid_phrase(cut):
    pattern = seed_item_pattern(SEED_TASKS["text-matching-long"], 20, 120)
    loose = seed_item_pattern(SEED_TASKS["text-matching-long"], 20, 120, clause_end=False)
    assert not re.fullmatch(pattern, cut)
    if "(" not in cut and "similar to," not in cut:
        assert re.fullmatch(loose, cut)  # what the grammar allowed before


def test_stranded_prepositions_and_pronouns_still_end_an_item():
    pattern = seed_item_pattern(SEED_TASKS["text-classification"], 20, 120)
    for task in (
        "Classify a recipe by the cuisine it belongs to.",
        "Classify a post by the team it is for.",
        "Classify an email by the department that should answer it.",
    ):
        assert re.fullmatch(pattern, task), task


def test_the_adapter_setting_picks_the_ending_and_is_validated():
    clause = CompactListAdapter().schema(5, "text-retrieval")["items"]["pattern"]
    anywhere = CompactListAdapter(item_end="any").schema(5, "text-retrieval")["items"]["pattern"]
    assert not re.fullmatch(clause, "Given a claim, retrieve the documents of the.")
    assert re.fullmatch(anywhere, "Given a claim, retrieve the documents of the.")
    with pytest.raises(ConfigError, match="clause, any"):
        CompactListAdapter(item_end="sometimes")


def test_the_item_pattern_opens_like_the_seeds_and_is_one_sentence():
    pattern = seed_item_pattern(["Given a claim, find evidence.", "Given a title, find the paper."], 20, 80)
    assert pattern.startswith("^Given ") and re.fullmatch(pattern, "Given a poem, find its author.")
    assert not re.fullmatch(pattern, "Given a poem. Find its author.")
