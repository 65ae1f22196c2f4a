"""Rows to sentence-transformers records: the E5 anchor, the columns per kind, a file per shape."""

from __future__ import annotations

import pytest
from example_replies import example_lm

from embtaskgen import ConfigError, EmbeddingExampleGenerator, to_sentence_transformers
from embtaskgen.examples.kinds import FIXED_INSTRUCTIONS
from embtaskgen.examples.st_format import write_sentence_transformers

PAIRS = [
    ("text-retrieval", "Given a question, retrieve answers."),
    ("text-matching-short", "Given a title, find the same title."),
    ("text-matching-long", "Given an article, find one on the same event."),
    ("text-classification", "Classify reviews by sentiment."),
]


def test_every_kind_maps_to_its_shape_and_never_a_null():
    rows = EmbeddingExampleGenerator("all", count=1, seed=2, lm=example_lm())(PAIRS).rows
    shapes = to_sentence_transformers(rows)
    assert {shape: [list(r) for r in records] for shape, records in shapes.items()} == {
        "triplets": [["anchor", "positive", "negative"]] * 4,
        "pairs": [["anchor", "positive"]] * 2,
    }
    pairs, triplets = iter(shapes["pairs"]), iter(shapes["triplets"])
    records = [next(pairs if row["kind"].startswith("text-matching") else triplets) for row in rows]
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
        assert record["positive"] == row["positive_document"] and "negative" not in record
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


def test_each_shape_loads_as_a_dataset_without_nulls(tmp_path):
    datasets = pytest.importorskip("datasets")
    rows = EmbeddingExampleGenerator(["sts", "text-matching-short"], count=2, seed=2, lm=example_lm())(PAIRS).rows
    stale = tmp_path / "x.st-n-tuples-3.jsonl"  # an earlier run's shape
    stale.write_text("{}\n")
    written = write_sentence_transformers(rows, tmp_path / "x.jsonl")
    assert written == {"triplets": tmp_path / "x.st-triplets.jsonl", "pairs": tmp_path / "x.st-pairs.jsonl"}
    assert not stale.exists()
    for shape, count in (("triplets", 2), ("pairs", 1)):
        dataset = datasets.load_dataset("json", data_files=str(written[shape]), split="train")
        assert dataset.num_rows == count and None not in [v for r in dataset for v in r.values()]


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


def test_mined_negatives_as_a_labeled_list_carry_the_documents_and_their_cosines():
    row = {"kind": "text-retrieval", "task": "Find answers.", "user_query": "q", "positive_document": "p",
           "hard_negative_document": "w", "mined_negatives": ["n1", "n2"], "mined_negative_scores": [0.5, 0.4],
           "mined_positive_score": 0.9}  # fmt: skip
    unmined = {**row, "mined_negatives": [], "mined_negative_scores": []}
    shapes = to_sentence_transformers([row, unmined], negative="mined", negative_format="labeled-list")
    assert shapes == {
        "labeled-lists": [
            {"anchor": "Instruct: Find answers.\nQuery: q", "positive": ["p", "n1", "n2"], "scores": [0.9, 0.5, 0.4]}
        ],  # fmt: skip
        "triplets": [{"anchor": "Instruct: Find answers.\nQuery: q", "positive": "p", "negative": "w"}],
    }
