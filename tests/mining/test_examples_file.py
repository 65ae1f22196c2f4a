"""Mining negatives into a finished examples file: JSONL rows, sentence-transformers records, resume."""

from __future__ import annotations

import json
import os

import pytest
from mining_helpers import example_reply, toy
from scripted import scripted_lm

from embtaskgen.errors import ConfigError
from embtaskgen.examples.generator import EmbeddingExampleGenerator
from embtaskgen.mining.examples_file import mine_output
from embtaskgen.runs.files import RunFiles
from embtaskgen.runs.runner import run

TASKS = [("text-retrieval", f"Given a question about topic {n}, retrieve answers.") for n in range(4)]


def _run(tmp_path, format_="jsonl", kinds=("text-retrieval", "sts")):
    gen = EmbeddingExampleGenerator(list(kinds), count=2, seed=5, lm=scripted_lm(example_reply), max_num_words=50)
    out = tmp_path / "examples.jsonl"
    summary = run(gen, out, tasks=TASKS, progress=False, format=format_)
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


def test_sentence_transformers_records_get_the_mined_negative_by_kind_from_the_journal(tmp_path):
    _, out = _run(tmp_path, "sentence-transformers")
    before = _lines(out)
    retrieval = {r["positive"] for r in before if "\nQuery: query " in r["anchor"]}
    assert len(retrieval) == 4
    counts = mine_output(out, format="sentence-transformers", negative="mined", embedder=toy)
    assert counts["mined"] == 4
    after = _lines(out)
    for old, new in zip(before, after, strict=True):
        assert set(new) == {"anchor", "positive", "negative"}
        if old["positive"] in retrieval:
            assert new["negative"] in retrieval - {old["positive"]}
            assert {k: new[k] for k in ("anchor", "positive")} == {k: old[k] for k in ("anchor", "positive")}
        else:
            assert new == old  # sts records keep their S3


def test_refusals(tmp_path):
    _, out = _run(tmp_path, "sentence-transformers", kinds=("text-retrieval",))
    with pytest.raises(ConfigError, match="negative='mined'"):
        mine_output(out, format="sentence-transformers", embedder=toy)
    with pytest.raises(ConfigError, match="written, mined"):
        mine_output(out, format="sentence-transformers", negative="best", embedder=toy)
    with pytest.raises(ConfigError, match="jsonl, sentence-transformers"):
        mine_output(out, format="csv", embedder=toy)
    with pytest.raises(ConfigError, match="no examples file"):
        mine_output(tmp_path / "none.jsonl", embedder=toy)
    RunFiles.for_output(out).progress.unlink()
    with pytest.raises(ConfigError, match="cannot be told apart"):
        mine_output(out, format="sentence-transformers", negative="mined", embedder=toy)


def test_a_bad_line_is_named_with_file_and_line_and_nothing_is_rewritten(tmp_path):
    _, out = _run(tmp_path)
    lines = len(_lines(out))
    broken = out.read_text() + '{"kind": "text-retrieval", "user_qu'  # a last line cut short
    out.write_text(broken)
    with pytest.raises(ConfigError, match=rf"examples.jsonl:{lines + 1}: not valid JSON .*; cannot mine negatives"):
        mine_output(out, embedder=toy)
    assert out.read_text() == broken
