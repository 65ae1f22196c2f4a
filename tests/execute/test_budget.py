"""max_cost: a run stops before its spending could pass the cap, like max_failures (valid file, resumable)."""

from __future__ import annotations

import hashlib
import json

import pytest
from openai_stub import OpenAIStub

from embtaskgen import EmbeddingTaskGenerator, run
from embtaskgen.errors import ConfigError, RunAborted
from embtaskgen.execute.budget import CostCap
from embtaskgen.lm.pricing import price_of
from embtaskgen.lm.tokens import count_prompt_tokens

MODEL = "openai/gpt-4o-mini"  # priced in LiteLLM's map; takes a JSON schema, so the answers are JSON


def _json_tasks(body):
    digest = int(hashlib.sha256(json.dumps(body.get("messages")).encode()).hexdigest()[:8], 16)
    return 200, json.dumps({"tasks": [f"Given a question about subject {digest}-{i}, find answers." for i in range(3)]})


def _usage(body, text):
    """What a server reports: the prompt it was sent, and a completion at the bound (100)."""
    prompt = count_prompt_tokens(MODEL, body["messages"])
    return {"prompt_tokens": prompt, "completion_tokens": 100, "total_tokens": prompt + 100}


def _generator(stub, **options):
    settings = {"num_generations": 5, "seed": 5, "max_tokens": 100, "concurrency": 1, **options}
    return EmbeddingTaskGenerator("all", lm=MODEL, api_base=stub.base_url, **settings)


def test_the_cap_counts_every_call_in_flight_at_its_bound():
    cap = CostCap(1.0, spent=lambda: None, call_bound=lambda: 0.25)
    assert cap.allows(4) and not cap.allows(5)
    with pytest.raises(ConfigError, match="positive"):
        CostCap(0, spent=lambda: 0.0, call_bound=lambda: 0.0)


def test_a_served_run_at_api_base_reports_its_cost(tmp_path):
    with OpenAIStub(_json_tasks) as stub:
        summary = run(_generator(stub), tmp_path / "t.jsonl", progress=False)
        calls = len(stub.requests)
    price = price_of(MODEL)
    assert summary.ok == 20 and calls == 20
    assert summary.cost == pytest.approx(price.cost(20 * 10, 20 * 10), rel=1e-6)  # the stub's 10 + 10 tokens


def test_a_run_stops_before_passing_max_cost_and_a_resume_finishes(tmp_path):
    out = tmp_path / "t.jsonl"
    with OpenAIStub(_json_tasks, usage=_usage) as stub:
        bound = run(_generator(stub), None, dry_run=True).stages[0]
        per_call = price_of(MODEL).cost(bound.prompt_tokens // bound.calls, 100)
        cap = 4 * per_call  # room for a few calls at their bound, not for twenty
        with pytest.raises(RunAborted) as stopped:
            run(_generator(stub), out, progress=False, max_cost=cap)
        summary = stopped.value.summary
        assert summary.status == "aborted" and "max_cost" in summary.message
        assert 0 < summary.ok < 20 and summary.remaining == 20 - summary.ok
        assert summary.cost <= cap and summary.max_cost == cap
        assert len(stub.requests) == summary.ok  # no call was started past the cap
        assert len(out.read_text().splitlines()) == summary.ok
        finished = run(_generator(stub), out, progress=False, resume=True)
    assert finished.status == "complete" and finished.skipped == summary.ok


def test_a_cap_below_one_calls_bound_makes_no_call(tmp_path):
    with OpenAIStub(_json_tasks) as stub:
        with pytest.raises(RunAborted):
            run(_generator(stub), tmp_path / "t.jsonl", progress=False, max_cost=1e-9)
        assert stub.requests == []


def test_max_cost_on_a_model_litellm_does_not_price_is_refused(tmp_path):
    with OpenAIStub() as stub:
        generator = EmbeddingTaskGenerator("all", lm="openai/stub", api_base=stub.base_url, seed=1)
        with pytest.raises(ConfigError, match="cost map"):
            run(generator, tmp_path / "t.jsonl", progress=False, max_cost=1.0)
        assert stub.requests == []
