"""Mining negatives into a finished examples file of rows: several per row, resume, refusals."""

from __future__ import annotations

import json
import os

import pytest
from mining_helpers import example_reply, toy
from scripted import scripted_lm

from embtaskgen.errors import ConfigError
from embtaskgen.examples.generator import EmbeddingExampleGenerator
from embtaskgen.mining.examples_file import mine_output
from embtaskgen.runs.runner import run

TASKS = [("text-retrieval", f"Given a question about topic {n}, retrieve answers.") for n in range(4)]


def _run(tmp_path, kinds=("text-retrieval", "sts")):
    gen = EmbeddingExampleGenerator(list(kinds), count=2, seed=5, lm=scripted_lm(example_reply), max_num_words=50)
    out = tmp_path / "examples.jsonl"
    summary = run(gen, out, tasks=TASKS, progress=False)
    assert summary.status == "complete"
    return gen, out


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_jsonl_rows_get_the_mined_columns_and_the_run_still_resumes(tmp_path):
    gen, out = _run(tmp_path)
    before = _lines(out)
    counts = mine_output(out, embedder=toy)
    assert counts["rows"] == 4 and counts["mined"] == 4 and counts["no_candidate"] == 0
    after = _lines(out)
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert {k: new[k] for k in old} == old  # nothing written before changes
        if new["kind"] == "text-retrieval":
            assert new["mined_negative"] in {r.get("positive_document") for r in before} - {
                new["positive_document"],
                None,
            }
        else:
            assert "mined_negative" not in new
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]  # the temporary file was renamed
    summary = run(gen, out, tasks=TASKS, resume=True, progress=False)
    assert summary.status == "complete" and summary.skipped == summary.planned
    assert mine_output(out, embedder=toy)["mined"] == 4  # mining again is stable
    assert _lines(out) == after


def test_several_negatives_per_row_and_refusals(tmp_path):
    _, out = _run(tmp_path)
    counts = mine_output(out, embedder=toy, negatives=3)
    assert counts["mined"] == 4 and counts["negatives"] == 12
    mined = [row for row in _lines(out) if row["kind"] == "text-retrieval"]
    assert all(len(row["mined_negatives"]) == 3 == len(row["mined_negative_scores"]) for row in mined)
    assert all(row["mined_negative"] == row["mined_negatives"][0] for row in mined)
    with pytest.raises(ConfigError, match=r"negatives \(11\) must be at most top_k \(10\)"):
        mine_output(out, embedder=toy, negatives=11)
    with pytest.raises(ConfigError, match="no examples file"):
        mine_output(tmp_path / "none.jsonl", embedder=toy)


def test_a_bad_line_is_named_with_file_and_line_and_nothing_is_rewritten(tmp_path):
    _, out = _run(tmp_path)
    lines = len(_lines(out))
    broken = out.read_text() + '{"kind": "text-retrieval", "user_qu'  # a last line cut short
    out.write_text(broken)
    with pytest.raises(ConfigError, match=rf"examples.jsonl:{lines + 1}: not valid JSON .*; cannot mine negatives"):
        mine_output(out, embedder=toy)
    assert out.read_text() == broken
