"""``embtaskgen card`` and ``pipeline``'s card and ``--push-to-hub``, against loopback stubs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hub_stub import HubStub, hub_environ
from openai_stub import OpenAIStub
from test_cli_examples import reply

from embtaskgen.cli.main import main

CLI = "from embtaskgen.cli.main import main; main()"

TOKEN = "hf_cli_token_93ab"


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def cli_process(hub: HubStub, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter (``huggingface_hub`` reads ``HF_ENDPOINT`` at import)."""
    env = hub_environ(hub, TOKEN, OPENAI_API_KEY="sk-cli-card-key")
    return subprocess.run([sys.executable, "-c", CLI, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture()
def hub(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-card-key")
    with HubStub() as stub:
        yield stub


def pipeline(out, *extra: str, run=cli):
    with OpenAIStub(reply) as server:
        model = ["-m", "openai/stub", "--api-base", server.base_url, "--no-progress", "--no-cache"]
        return run("pipeline", "-c", "text-classification", "-n", "1", "--per-task", "1", "-o", str(out), "--seed", "5",
                   *model, *extra)  # fmt: skip


def test_pipeline_writes_a_card_naming_its_configs_model_and_seed(tmp_path, hub):
    done = pipeline(tmp_path / "run")
    assert done.exit_code == 0, done.output
    card = (tmp_path / "run" / "README.md").read_text()
    assert '- config_name: "examples"\n  data_files: "examples.jsonl"\n  default: true' in card
    assert '- config_name: "tasks"' in card and "openai/stub" in card and "seed: `5`" in card
    assert "127.0.0.1" not in card and "sk-cli-card-key" not in card
    assert hub.requests == []  # no push unless asked


def test_pipeline_push_to_hub_uploads_the_card_and_rows_privately(tmp_path, hub):
    done = pipeline(tmp_path / "run", "--push-to-hub", "me/run", run=lambda *args: cli_process(hub, *args))
    assert done.returncode == 0, done.stderr
    assert "pushed to" in done.stderr
    assert sorted(hub.files) == ["README.md", "examples.jsonl", "tasks.jsonl"]
    assert hub.created[0].get("visibility", "private" if hub.created[0].get("private") else "public") == "private"


def test_card_command_writes_the_card_and_refuses_a_foreign_readme(tmp_path, hub):
    (tmp_path / "rows.jsonl").write_text(json.dumps({"task": "Retrieve news."}) + "\n")
    done = cli("card", str(tmp_path), "--license", "cc-by-4.0")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "README.md").read_text().startswith('---\nlicense: "cc-by-4.0"')
    (tmp_path / "README.md").write_text("# mine\n")
    refused = cli("card", str(tmp_path))
    assert refused.exit_code == 2 and "--overwrite" in refused.output
    assert (tmp_path / "README.md").read_text() == "# mine\n"


def test_card_push_refused_by_the_hub_exits_1_without_the_token(tmp_path):
    (tmp_path / "rows.jsonl").write_text(json.dumps({"task": "Retrieve news."}) + "\n")
    with HubStub(status=403) as stub:
        done = cli_process(stub, "card", str(tmp_path), "--push-to-hub", "me/rows")
    assert done.returncode == 1 and "push to me/rows failed" in done.stderr, done.stderr
    assert TOKEN not in done.stderr


def test_card_of_a_folder_without_rows_exits_2(tmp_path, hub):
    done = cli("card", str(tmp_path))
    assert done.exit_code == 2 and "no data file" in done.output
    assert not (tmp_path / "README.md").exists()


def test_the_card_of_a_pipeline_in_the_st_format_loads_the_rows_and_the_trainer_file_offline(
    tmp_path, hub, monkeypatch
):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    done = pipeline(tmp_path / "run", "--format", "sentence-transformers")
    assert done.exit_code == 0, done.output
    card = (tmp_path / "run" / "README.md").read_text()
    assert '- config_name: "examples-st-triplets"\n  data_files: "examples.st-triplets.jsonl"' in card
    cache = str(tmp_path / "cache")
    triplets = datasets.load_dataset(str(tmp_path / "run"), "examples-st-triplets", cache_dir=cache)["train"]
    assert triplets.column_names == ["anchor", "positive", "negative"] and triplets.num_rows == 2
    assert datasets.load_dataset(str(tmp_path / "run"), "examples", cache_dir=cache)["train"].num_rows == 2
