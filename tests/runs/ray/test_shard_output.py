"""The output folder of a Ray run: commits, refusals, and resume reading the shards in place by the file rules."""

from __future__ import annotations

import json
import os

import pytest

from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.stage import RunIdentity, TaskStage
from embtaskgen.errors import ConfigError, ResumeError
from embtaskgen.io.shards import iter_shard_rows, write_shard
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
    state = read_existing(folder.resume_files(), _stage(deduper))
    assert state.done == {("text-retrieval", 0), ("text-retrieval", 1), ("text-retrieval", 2)}
    assert state.rows == 3 and deduper.seen("find news")
    assert not any(p.name.startswith(".") for p in folder.path.iterdir())
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
    state = read_existing(folder.resume_files(), _stage(TaskDeduper()))
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
    with pytest.raises(ResumeError, match="format"):
        folder.resume_files()


def _folder(tmp_path, format_: str = "jsonl") -> ShardFolder:
    """Three shards: generation 0; generations 1 and 2; generation 3 (two tasks each, confirmed by the journal)."""
    folder = ShardFolder(tmp_path / "out", format_)
    folder.open(truncate=True, header=IDENTITY.header(4))
    for generations in ([0], [1, 2], [3]):
        for generation in generations:
            folder.rows.write_lines([_row(generation, f"Find item {generation}{n}.") for n in "ab"])
            folder.journal.write_records([_ok(generation, 2)])
        folder.commit()
    folder.close()
    return folder


def _keys(*generations: int) -> set:
    return {("text-retrieval", generation) for generation in generations}


@pytest.mark.parametrize(("shard", "lost"), [("part-000001.jsonl", 2), ("part-000002.jsonl", 3)])
def test_a_torn_shard_loses_the_generation_of_its_cut_line_which_is_called_again(tmp_path, caplog, shard, lost):
    """A crash or a truncated copy cut a shard's last line: the file rules hold for each shard."""
    folder = _folder(tmp_path)
    path = folder.path / shard
    whole = path.read_bytes()
    path.write_bytes(whole[:-12])
    deduper = TaskDeduper()
    state = read_existing(folder.resume_files(), _stage(deduper))
    assert state.done == _keys(0, 1, 2, 3) - _keys(lost)
    assert state.rows == 6 and not deduper.seen(f"find item {lost}a")
    assert whole.startswith(path.read_bytes()) and path.read_bytes().count(b"\n") == (2 if lost == 2 else 0)
    assert f"{shard}: removed 1 row(s) of text-retrieval generation {lost}" in caplog.text
    assert not [name for name in os.listdir(folder.path) if name.startswith(".")]


def test_a_shard_is_read_in_place_and_leaves_no_hidden_file(tmp_path):
    """No copy of the rows is made while resume reads them; a pending shard and an old copy are removed."""
    folder = _folder(tmp_path)
    (folder.path / ".part-000003.jsonl").write_text(_row(4, "Find news.") + "\n")
    (folder.path / ".rows-of-all-shards.jsonl").write_text(_row(0, "Find item 0a.") + "\n")
    before = {p.name: p.read_bytes() for p in folder.path.glob("part-*")}
    listings = []
    stage = _stage(TaskDeduper())
    stage.restore = lambda tasks: listings.append(sorted(os.listdir(folder.path)))
    state = read_existing(folder.resume_files(), stage)
    assert state.done == _keys(0, 1, 2, 3) and len(listings) == 4
    assert all(not name.startswith(".") for listing in listings for name in listing)
    assert {p.name: p.read_bytes() for p in folder.path.glob("part-*")} == before
    assert not [name for name in os.listdir(folder.path) if name.startswith(".")]


def test_a_shard_line_that_is_not_json_is_named_by_shard_and_line(tmp_path):
    folder = _folder(tmp_path)
    path = folder.path / "part-000001.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + '{"task": \n' + "".join(lines[2:]))
    with pytest.raises(ResumeError, match=r"part-000001\.jsonl \(line 2\): not valid JSON"):
        read_existing(folder.resume_files(), _stage(TaskDeduper()))
    assert not [name for name in os.listdir(folder.path) if name.startswith(".")]


def test_parquet_rows_the_journal_does_not_confirm_are_cut_from_their_shard(tmp_path):
    """A Parquet shard copied short (a row of generation 2 missing): generation 2 is called again."""
    pytest.importorskip("pyarrow")
    folder = _folder(tmp_path, "parquet")
    path = folder.path / "part-000001.parquet"
    rows = [row for _, _, row in iter_shard_rows(path)]
    write_shard(path, rows[:3])
    folder.path.joinpath("part-000002.parquet").unlink()
    state = read_existing(folder.resume_files(), _stage(TaskDeduper()))
    assert state.done == _keys(0, 1) and state.rows == 4
    assert [row for _, _, row in iter_shard_rows(path)] == rows[:2]
