"""The Ray options on the command line: usage errors exit 2 and write nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from embtaskgen.cli.main import main

BASE = ["generate", "-c", "text-retrieval", "-m", "openai/stub", "--api-base", "http://127.0.0.1:9/v1"]


@pytest.mark.parametrize("address", ["127.0.0.1:1", "nonsense", "localhost:notaport"])
def test_a_bad_ray_address_exits_2_and_writes_nothing(tmp_path, address):
    pytest.importorskip("ray")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*BASE, "--executor", "ray", "--ray-address", address, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "ray" in result.output.lower() and address in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ray-workers", "2", "-o", "x.jsonl"], "need --executor ray"),
        (["--format", "parquet", "-o", "x.jsonl"], "needs --executor ray"),
        (["--executor", "ray"], "a folder of shards"),
        (["--executor", "ray", "--avoid-archive", "3", "-o", "out"], "avoid archive"),
    ],
)
def test_ray_usage_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*BASE, *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_examples_refuse_sentence_transformers_on_ray(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "examples",
            "--kinds",
            "sts",
            "--count",
            "2",
            "-m",
            "openai/stub",
            "--executor",
            "ray",
            "--format",
            "sentence-transformers",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2 and "jsonl or parquet" in result.output, result.output
    assert not (tmp_path / "out").exists()
