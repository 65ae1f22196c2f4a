"""Folders of row shards: names, JSONL and Parquet round trips, readers that take a folder."""

from __future__ import annotations

import json

import pytest

from embtaskgen import read_jsonl, to_dataset
from embtaskgen.errors import ConfigError
from embtaskgen.io.shards import iter_shard_rows, shard_name, shard_paths, write_shard

ROWS = [
    {
        "category": "text-retrieval",
        "tasks": ["Find news.", "Find laws."],
        "model_name": "m",
        "generation": 0,
        "seed": 1,
        "metadata": {"rollout_id": 5, "dropped": {"over_cap": 1}, "options": {}},
    },
    {
        "category": "text-retrieval",
        "tasks": [],
        "model_name": "m",
        "generation": 1,
        "seed": 1,
        "metadata": {"rollout_id": 6, "dropped": {}},
    },
]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_shard_reads_back_exactly_as_written(tmp_path, fmt):
    write_shard(tmp_path / shard_name(0, fmt), ROWS)
    assert [row for _, _, row in iter_shard_rows(tmp_path)] == ROWS
    assert read_jsonl(tmp_path) == ROWS


def test_a_folder_is_read_in_name_order_without_sidecars_or_pending_files(tmp_path):
    write_shard(tmp_path / shard_name(1, "jsonl"), ROWS[1:])
    write_shard(tmp_path / shard_name(0, "parquet"), ROWS[:1])
    (tmp_path / "_progress.jsonl").write_text('{"kind": "run"}\n')
    (tmp_path / ".part-000002.jsonl").write_text('{"category": "x"}\n')
    assert [p.name for p in shard_paths(tmp_path)] == ["part-000000.parquet", "part-000001.jsonl"]
    assert [row["generation"] for row in read_jsonl(tmp_path)] == [0, 1]
    dataset = to_dataset(tmp_path)
    assert dataset.num_rows == 2 and json.loads(dataset[0]["metadata"])["rollout_id"] == 5


def test_bad_input_is_named(tmp_path):
    with pytest.raises(ConfigError, match="format must be one of jsonl, parquet"):
        shard_name(0, "csv")
    with pytest.raises(ConfigError, match="not a folder of shards"):
        shard_paths(tmp_path / "missing")
    (tmp_path / "part-000000.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match="not a readable Parquet file"):
        read_jsonl(tmp_path)


def test_a_failed_write_leaves_no_shard(tmp_path):
    with pytest.raises(TypeError):
        write_shard(tmp_path / "part-000000.jsonl", [{"x": object()}])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_link_planted_at_a_shards_temporary_name_is_not_followed(tmp_path, fmt):
    """Issue 21, case 7: a pending shard was written through whatever held its temporary name."""
    import os

    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / f"part-000000.{fmt}"
    (tmp_path / f".{target.name}.tmp-{os.getpid()}").symlink_to(victim)
    assert write_shard(target, [{"task": "x"}]) == 1
    assert victim.read_text() == "precious\n" and read_jsonl(target) == [{"task": "x"}]
