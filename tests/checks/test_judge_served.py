"""The judge against a real OpenAI-compatible server: ``llama_cpp.server`` with an embedded model (slow).

What the embedded model says as a judge is close to noise (docs/quality/checks.md); what
this holds is the path a served judge takes: ``embtaskgen check --judge openai/NAME
--judge-api-base URL`` sends one grading request per row to a real server, every row
comes out with a verdict (a keep, a ``judge:<reason>`` drop or ``judge_failed``, never
silence), and the report counts them. The server gets SmolLM2 and a 1,024-token context:
llama_cpp.server 0.3.36 ignores ``max_completion_tokens`` (what DSPy sends for the
judge's 256-token budget), so the context is what stops a rambling answer.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from llama_server import llama_server

from embtaskgen.cli.main import main

pytestmark = pytest.mark.slow

ROWS = [
    {
        "kind": "sts",
        "task": "Retrieve semantically similar text.",
        "S1": "A woman is slicing an onion.",
        "S2": "Someone is cutting an onion.",
        "S3": "A woman is peeling a potato.",
    },
    {
        "kind": "text-classification",
        "task": "Classify a news headline by its topic.",
        "input_text": "Striker scores twice as the home side climbs to the top of the table.",
        "label": "Thai",
        "misleading_label": "economy",
    },
]


def test_check_with_a_judge_grades_every_row_through_llama_cpp_server(tmp_path):
    source, out = tmp_path / "rows.jsonl", tmp_path / "graded.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    with llama_server("smollm2", tmp_path / "server.log", n_ctx=1024) as base:
        args = ["check", str(source), "-o", str(out), "--checks", "form,judge"]
        result = CliRunner().invoke(main, [*args, "--judge", "openai/smollm2", "--judge-api-base", base])
    assert result.exit_code == 0, result.output
    graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(graded) == len(ROWS)
    for row in graded:
        reasons = row["checks"]["reasons"]
        assert row["checks"]["passed"] == (not reasons)
        assert all(reason == "judge_failed" or reason.startswith("judge:") for reason in reasons)
    report = json.loads((tmp_path / "graded.jsonl.check-report.json").read_text(encoding="utf-8"))
    assert report["judge"]["model"] == "openai/smollm2" and report["judge"]["cost"] is None
    assert report["judge"]["usage"]["prompt_tokens"] > 100 * len(ROWS)  # tokens count, parsed or not
    served = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert served.count("POST /v1/chat/completions") >= len(ROWS)  # one grading request per row at least
