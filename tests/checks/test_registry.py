"""The Checker: levels, rows of either shape, summaries by reason, bad input."""

import pytest

from embtaskgen.checks.registry import Checker, check_levels
from embtaskgen.checks.task_scorer import TaskScorer
from embtaskgen.checks.tasks import TaskEmbedChecks, TaskFormChecks
from embtaskgen.errors import ConfigError
from tests.checks.test_consistency import toy

GOOD = {"kind": "text-matching-short", "task": "Match cat names.", "input": "a cat", "positive_document": "the cat"}


def test_form_checks_include_stage_twos_validity_and_stop_at_a_missing_field():
    rows = [GOOD, {**GOOD, "positive_document": "A cat"}, {**GOOD, "positive_document": ""}]
    results = Checker("form").check(rows)
    assert results == [
        {"passed": True, "reasons": []},
        {"passed": False, "reasons": ["input_equals_positive"]},
        {"passed": False, "reasons": ["missing_field"]},
    ]
    assert Checker.summary(results) == {
        "rows": 3,
        "passed": 1,
        "reasons": {"input_equals_positive": 1, "missing_field": 1},
    }


def test_the_embed_level_embeds_every_text_once():
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return toy(texts)

    rows = [GOOD, {**GOOD, "positive_document": "tax"}]
    results = Checker("form,embed", embedder=counting).check(rows)
    assert [r["reasons"] for r in results] == [[], ["pair_unrelated"]]
    assert len(calls) == 1 and len(calls[0]) == len(set(calls[0]))


def test_task_rows_get_the_gate_the_category_rule_and_the_scorer(tmp_path):
    path = tmp_path / "scorer.json"
    weights = [0.0] * 11 + [0.0, 0.0, 0.0, 0.0, -5.0]  # 11 toy dimensions, 4 categories, bias: always low
    TaskScorer(tuple(weights)).save(path)
    families = [TaskFormChecks(), TaskEmbedChecks(scorer_path=str(path))]
    rows = [
        {"category": "text-retrieval", "task": "Given a query, retrieve a full query."},
        {"category": "text-classification", "task": "Given a claim, retrieve studies that test it."},
        {"category": "text-retrieval", "task": "Given a claim, retrieve studies that test it."},
    ]
    form = Checker("form", families=families).check(rows)
    assert [r["reasons"] for r in form] == [["gate", "off_category"], ["off_category"], []]
    both = Checker("form,embed", embedder=toy, families=families).check(rows)
    assert both[2]["reasons"] == ["task_scored_low"]


@pytest.mark.parametrize("levels", ["", "form,fast", ["embed", "nothing"]])
def test_unknown_levels_name_the_valid_ones(levels):
    with pytest.raises(ConfigError, match="form, embed, judge"):
        check_levels(levels)


def test_a_row_of_unknown_kind_names_the_valid_kinds():
    with pytest.raises(ConfigError, match="valid kinds are text-retrieval"):
        Checker("form").check([{"kind": "poem", "text": "x"}])
