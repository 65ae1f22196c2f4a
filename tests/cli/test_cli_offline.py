"""The embedded default model generates real tasks with the network switched off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _network_off_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -n is not available here (needs a user or network namespace)")
    return [unshare, "-n"]


def test_generate_on_the_embedded_model_without_network(tmp_path: Path):
    out = tmp_path / "tasks.jsonl"
    cli = [
        sys.executable,
        "-m",
        "embtaskgen.cli.main",
        "generate",
        "--category",
        "text-retrieval",
        "--num-generations",
        "1",
        "--flatten",
        "--seed",
        "0",
        "-o",
        str(out),
    ]
    env = {**os.environ, "DSPY_CACHEDIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(_network_off_prefix() + cli, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows, done.stderr[-2000:]
    assert all(row["category"] == "text-retrieval" and row["task"].strip() for row in rows)
    assert rows[0]["model_name"].startswith("local/")
    assert "parse_failures=0" in done.stderr
