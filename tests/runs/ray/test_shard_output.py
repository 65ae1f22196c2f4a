"""The output folder of a Ray run: commits, refusals, and resume through the local reader."""

from __future__ import annotations

import json

import pytest

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.stage import RunIdentity, TaskStage
from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.runs.ray.shard_output import ShardFolder
from embtaskgen.runs.resume import read_existing

IDENTITY = RunIdentity(
    seed=7, categories=["text-retrieval"], flatten=True, num_tasks=2, topic="", model_name="m", keep_duplicates=False
)


def _stage(deduper: TaskDeduper) -> TaskStage:
    """Stage 1 as resume sees it, with the identity above."""
    stage = object.__new__(TaskStage)
    stage.identity, stage.deduper, stage.categories = IDENTITY, deduper, ["text-retrieval"]
    stage.flatten = stage.cut_unconfirmed = True
    return stage


def _ok(generation: int, kept: int) -> dict:
    return {"kind": "generation", "category": "text-retrieval", "generation": generation, "status": "ok", "kept": kept}


def _row(generation: int, task: str) -> str:
    return json.dumps(
        {"category": "text-retrieval", "task": task, "model_name": "m", "generation": generation, "seed": 7}
    )


def _batch(folder: ShardFolder, generation: int, tasks: list[str]) -> None:
    folder.rows.write_lines([_row(generation, task) for task in tasks])
    folder.journal.write_records([_ok(generation, len(tasks))])
    folder.commit()


def test_batches_become_numbered_shards_that_resume_reads(tmp_path):
    folder = ShardFolder(tmp_path / "out", "jsonl")
    folder.check_path()
    folder.open(truncate=True, header=IDENTITY.header(3))
    _batch(folder, 0, ["Find news.", "Find laws."])
    _batch(folder, 1, [])  # every task a duplicate: a journal line, no shard
    _batch(folder, 2, ["Find songs."])
    folder.close()
    names = sorted(p.name for p in folder.path.iterdir())
    assert names == ["_failures.jsonl", "_progress.jsonl", "part-000000.jsonl", "part-000001.jsonl"]
    deduper = TaskDeduper()
    with folder.resume_view() as files:
        state = read_existing(files, _stage(deduper))
    assert state.done == {("text-retrieval", 0), ("text-retrieval", 1), ("text-retrieval", 2)}
    assert state.rows == 3 and deduper.seen("find news")
    assert not any(p.name.startswith(".") for p in folder.path.iterdir())  # the view is gone
    with pytest.raises(ConfigError, match="resume=True"):
        folder.check_fresh()
    again = ShardFolder(folder.path, "jsonl")
    again.open(truncate=False)
    _batch(again, 3, ["Find poems."])
    again.close()
    assert (folder.path / "part-000002.jsonl").exists()


def test_a_shard_never_committed_is_called_again(tmp_path):
    folder = ShardFolder(tmp_path / "out", "jsonl")
    folder.open(truncate=True, header=IDENTITY.header(2))
    _batch(folder, 0, ["Find news."])
    folder.journal.write_records([_ok(1, 1)])  # journal, then killed
    folder._progress.write_lines(folder.journal.lines)
    (folder.path / ".part-000001.jsonl").write_text(_row(1, "Find laws.") + "\n")
    folder.close()
    with folder.resume_view() as files:
        state = read_existing(files, _stage(TaskDeduper()))
    assert state.done == {("text-retrieval", 0)}
    assert not (folder.path / ".part-000001.jsonl").exists()


def test_refusals(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is not a folder"):
        ShardFolder(tmp_path / "file").check_path()
    with pytest.raises(ConfigError, match="does not exist"):
        ShardFolder(tmp_path / "no" / "out").check_path()
    with pytest.raises(ConfigError, match="format must be one of jsonl, parquet"):
        ShardFolder(tmp_path / "out", "csv")
    folder = ShardFolder(tmp_path / "out", "parquet")
    folder.open(truncate=True)
    folder.close()
    (folder.path / "part-000000.jsonl").write_text(_row(0, "Find news.") + "\n")
    with pytest.raises(ResumeError, match="format"), folder.resume_view():
        pass
