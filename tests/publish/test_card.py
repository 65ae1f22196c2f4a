"""The dataset card of a folder of rows: configs that ``datasets`` loads offline, and what made the rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embtaskgen import ConfigError, write_dataset_card
from embtaskgen.publish.card import data_configs, dataset_card

RUN_LINE = {
    "kind": "run",
    "stage": "examples",
    "seed": 7,
    "kinds": ["text-retrieval", "sts"],
    "model_name": "local/gemma-3-270m-q4_k_m-1a2b3c4d",  # as the embedded default names itself in rows
    "api_base": "http://user-secret-host.internal:8000/v1",
    "program": "c1f85bcfff6ad707",
    "temperature": 1.0,
    "started": "2026-12-07T12:09:32+00:00",
}
SUMMARY = {"status": "complete", "total_rows": 2, "calls": 3, "ok": 3, "failed": 0, "invalid": 1,
           "dropped": {"positive_equals_negative": 1}, "seed": 7}  # fmt: skip


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def pipeline_folder(root: Path) -> Path:
    """A pipeline folder: tasks, examples with their sidecars, a dedup output, a folder of shards."""
    _write(root / "tasks.jsonl", [{"category": "text-retrieval", "tasks": ["Retrieve news."], "seed": 7}])
    _write(
        root / "examples.jsonl",
        [{"kind": "sts", "S1": "a", "S2": "b", "S3": "c"}, {"kind": "sts", "S1": "d", "S2": "e", "S3": "f"}],
    )
    _write(root / "examples.jsonl.progress.jsonl", [RUN_LINE, {"kind": "example", "status": "ok"}])
    (root / "examples.jsonl.summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    _write(root / "examples.jsonl.failures.jsonl", [{"raw": "junk"}])
    _write(root / "tasks.dedup.jsonl", [{"category": "text-retrieval", "tasks": ["Retrieve news."]}])
    report = {"column": "tasks", "threshold": 0.7, "items": 4, "kept": 3, "removed": 1, "clusters": 3}
    (root / "tasks.dedup.jsonl.dedup-report.json").write_text(json.dumps(report), encoding="utf-8")
    (root / "shards").mkdir()
    _write(root / "shards" / "part-000000.jsonl", [{"task": "Classify mail."}])
    _write(root / "shards" / "_progress.jsonl", [{"kind": "run", "seed": 3, "categories": ["text-classification"],
                                                  "model_name": "openai/gpt-x"}])  # fmt: skip
    return root


def test_configs_name_every_data_file_and_no_sidecar(tmp_path):
    configs = data_configs(pipeline_folder(tmp_path))
    assert configs == [
        {"config_name": "examples", "data_files": "examples.jsonl", "default": True},
        {"config_name": "shards", "data_files": "shards/part-*.jsonl"},
        {"config_name": "tasks-dedup", "data_files": "tasks.dedup.jsonl"},
        {"config_name": "tasks", "data_files": "tasks.jsonl"},
    ]


def test_datasets_loads_each_config_of_the_card_offline(tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "run").mkdir()
    folder = pipeline_folder(tmp_path / "run")
    write_dataset_card(folder)
    examples = datasets.load_dataset(str(folder), "examples", cache_dir=str(tmp_path / "cache"))
    assert examples["train"]["S1"] == ["a", "d"]
    tasks = datasets.load_dataset(str(folder), "tasks", cache_dir=str(tmp_path / "cache"))
    assert tasks["train"]["tasks"] == [["Retrieve news."]]
    assert datasets.load_dataset(str(folder), "shards", cache_dir=str(tmp_path / "cache"))["train"].num_rows == 1


def test_the_body_states_model_seed_prompts_counts_drops_dedup_and_terms_but_no_endpoint(tmp_path):
    card = dataset_card(pipeline_folder(tmp_path), license="cc-by-4.0")
    assert card.startswith('---\nlicense: "cc-by-4.0"\n')
    facts = ["local/gemma-3-270m-q4_k_m-1a2b3c4d", "seed: `7`", "c1f85bcfff6ad707", "rows: `2`"]
    facts += ["invalid examples: `1`", "positive_equals_negative 1", '"removed": 1', '"temperature": 1.0']
    for fact in facts:
        assert fact in card, fact
    assert "Gemma Terms of Use" in card  # the embedded default's terms
    assert "provider's terms of use" in card  # a served model's (the shards folder)
    assert "user-secret-host" not in card and "started" not in card and "junk" not in card


def test_a_folder_without_journals_still_gets_a_card_that_says_so(tmp_path):
    _write(tmp_path / "rows.jsonl", [{"task": "Retrieve news."}])
    card = dataset_card(tmp_path)
    assert '- config_name: "rows"\n  data_files: "rows.jsonl"\n  default: true' in card
    assert "not recorded here" in card


def test_a_readme_of_the_users_own_is_kept_unless_overwrite(tmp_path):
    folder = pipeline_folder(tmp_path)
    (folder / "README.md").write_text("# my notes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="overwrite"):
        write_dataset_card(folder)
    assert (folder / "README.md").read_text() == "# my notes\n"
    write_dataset_card(folder, overwrite=True)
    write_dataset_card(folder)  # its own card is replaced without asking
    assert "configs:" in (folder / "README.md").read_text()


@pytest.mark.parametrize(
    ("make", "license", "says"),
    [
        (lambda root: root / "missing", "other", "not a folder"),
        (lambda root: root, "other", "holds no data file"),
        (lambda root: pipeline_folder(root), "two words", "licence"),
        (lambda root: pipeline_folder(root), "", "licence"),
    ],
)
def test_bad_input_is_refused_naming_what_to_give(tmp_path, make, license, says):
    with pytest.raises(ConfigError, match=says):
        dataset_card(make(tmp_path), license=license)
    assert not (tmp_path / "README.md").exists()


def test_two_files_with_one_config_name_are_refused(tmp_path):
    _write(tmp_path / "rows.jsonl", [{"a": 1}])
    _write(tmp_path / "rows.parquet", [{"a": 1}])
    with pytest.raises(ConfigError, match="same config name"):
        data_configs(tmp_path)
