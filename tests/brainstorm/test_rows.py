import json

import pytest

from embtaskgen.brainstorm.rows import GenerationMetadata, GenerationRow, TaskRow, read_jsonl, to_dataset, to_jsonl


def _row():
    return GenerationRow(
        category="text-retrieval",
        tasks=["Retrieve news.", "Find papers."],
        model_name="m",
        generation=2,
        seed=9,
        topic="health",
        metadata=GenerationMetadata(rollout_id=11, num_tasks=20, returned=3, dropped={"empty": 1}),
    )


def test_flatten_keeps_provenance():
    flat = _row().flatten()
    assert [r.task for r in flat] == ["Retrieve news.", "Find papers."]
    assert all(isinstance(r, TaskRow) for r in flat)
    assert {(r.category, r.model_name, r.generation, r.seed, r.topic, r.rollout_id) for r in flat} == {
        ("text-retrieval", "m", 2, 9, "health", 11)
    }
    assert [r.task_index for r in flat] == [0, 1]


def test_jsonl_round_trip(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [_row(), *_row().flatten()]
    assert to_jsonl(rows, path) == 3
    back = read_jsonl(path)
    assert back[0]["tasks"] == ["Retrieve news.", "Find papers."]
    assert back[0]["metadata"]["dropped"] == {"empty": 1}
    assert back[1]["task"] == "Retrieve news."
    assert path.read_text().endswith("\n")


def test_to_jsonl_writes_nothing_when_a_row_fails(tmp_path):
    path = tmp_path / "rows.jsonl"

    def rows():
        yield {"category": "text-retrieval", "task": "ok"}
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        to_jsonl(rows(), path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_read_jsonl_reports_bad_lines(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(ValueError, match=":2: expected a JSON object"):
        read_jsonl(path)
    path.write_text('{"a": 1}\n{oops\n')
    with pytest.raises(ValueError, match=":2: not valid JSON"):
        read_jsonl(path)


def test_to_dataset_has_distilabel_columns():
    pytest.importorskip("datasets")
    dataset = to_dataset([_row()])
    assert {"category", "tasks", "model_name", "generation", "seed"} <= set(dataset.column_names)
    assert json.loads(dataset[0]["metadata"])["rollout_id"] == 11
    flat = to_dataset(_row().flatten())
    assert flat["task"] == ["Retrieve news.", "Find papers."]


def test_row_validation():
    with pytest.raises(ValueError):
        GenerationRow(category="text-retrieval", tasks=[], model_name="m", generation=-1, seed=1)
