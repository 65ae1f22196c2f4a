"""Rows to sentence-transformers triplets: the E5 anchor, the columns per kind."""

from __future__ import annotations

import pytest
from example_replies import example_lm

from embtaskgen import ConfigError, EmbeddingExampleGenerator, to_sentence_transformers
from embtaskgen.examples.kinds import FIXED_INSTRUCTIONS

PAIRS = [
    ("text-retrieval", "Given a question, retrieve answers."),
    ("text-matching-short", "Given a title, find the same title."),
    ("text-matching-long", "Given an article, find one on the same event."),
    ("text-classification", "Classify reviews by sentiment."),
]


def test_every_kind_maps_to_anchor_positive_negative():
    rows = EmbeddingExampleGenerator("all", count=1, seed=2, lm=example_lm())(PAIRS).rows
    records = to_sentence_transformers(rows)
    assert [set(r) for r in records] == [{"anchor", "positive", "negative"}] * 6
    by_kind = dict(zip([row["kind"] for row in rows], zip(rows, records, strict=True), strict=True))
    row, record = by_kind["text-retrieval"]
    assert record == {
        "anchor": f"Instruct: {PAIRS[0][1]}\nQuery: {row['user_query']}",
        "positive": row["positive_document"],
        "negative": row["hard_negative_document"],
    }
    for kind in ("text-matching-short", "text-matching-long"):
        row, record = by_kind[kind]
        assert record["anchor"].endswith(f"\nQuery: {row['input']}")
        assert record["positive"] == row["positive_document"] and record["negative"] is None
    row, record = by_kind["text-classification"]
    assert (record["positive"], record["negative"]) == (row["label"], row["misleading_label"])
    assert record["anchor"] == f"Instruct: {PAIRS[3][1]}\nQuery: {row['input_text']}"
    for kind in ("sts", "bitext"):
        row, record = by_kind[kind]
        assert record == {
            "anchor": f"Instruct: {FIXED_INSTRUCTIONS[kind]}\nQuery: {row['S1']}",
            "positive": row["S2"],
            "negative": row["S3"],
        }


def test_records_load_as_a_dataset():
    datasets = pytest.importorskip("datasets")
    rows = EmbeddingExampleGenerator(["sts", "text-matching-short"], count=2, seed=2, lm=example_lm())(PAIRS).rows
    dataset = datasets.Dataset.from_list(to_sentence_transformers(rows))
    assert dataset.column_names == ["anchor", "positive", "negative"]
    assert dataset.num_rows == 3


def test_rows_of_every_kind_load_as_one_dataset_with_every_column():
    pytest.importorskip("datasets")
    from embtaskgen import to_dataset

    rows = EmbeddingExampleGenerator("all", count=1, seed=2, lm=example_lm())(PAIRS).rows
    dataset = to_dataset(rows)
    assert dataset.num_rows == 6
    for name in ("user_query", "input", "input_text", "label", "S1", "S3"):
        assert name in dataset.column_names
    assert [r["user_query"] for r in dataset][0] == rows[0]["user_query"]
    assert dataset[5]["user_query"] is None and dataset[5]["S1"] == rows[5]["S1"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"kind": "nli"}, "kind must be one of"),
        ({"kind": "sts", "task": "t", "S1": "a", "S2": "b"}, "missing column S3"),
    ],
)
def test_bad_rows_are_refused(row, expected):
    with pytest.raises(ConfigError, match=expected):
        to_sentence_transformers([row])
