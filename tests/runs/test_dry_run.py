"""run(dry_run=True): the prompts a run sends, rendered and counted before it; nothing sent without a sample."""

from __future__ import annotations

import json

import pytest
from openai_stub import OpenAIStub

from embtaskgen import EmbeddingExampleGenerator, EmbeddingTaskGenerator, run
from embtaskgen.errors import ConfigError
from embtaskgen.lm.tokens import count_prompt_tokens
from embtaskgen.runs.dry_run import pipeline_dry_run


def _generator(stub, model="openai/stub", **options):
    settings = {"num_generations": 3, "seed": 5, "max_tokens": 400, **options}
    return EmbeddingTaskGenerator("all", lm=model, api_base=stub.base_url, **settings)


def _sent(stub, model="openai/stub"):
    return sum(count_prompt_tokens(model, request["body"]["messages"]) for request in stub.requests)


def test_a_dry_run_sends_nothing_and_predicts_the_prompt_tokens_the_run_sends(tmp_path):
    with OpenAIStub() as stub:
        estimate = run(_generator(stub), None, dry_run=True)
        assert stub.requests == []
        run(_generator(stub), tmp_path / "tasks.jsonl", progress=False)
        sent = _sent(stub)
    (stage,) = estimate.stages
    assert stage.calls == stage.rendered == 12 == len(stub.requests)
    assert stage.prompt_tokens == sent
    assert stage.max_tokens == 400 and stage.completion_bound == 12 * 400
    assert stage.tokenizer.startswith("approximation")  # openai/stub is not in LiteLLM's map
    assert stage.price is None and estimate.cost["online"]["bound"] is None
    assert not (tmp_path / "dry").exists()


def test_a_sample_makes_that_many_calls_and_scales_their_completion_tokens():
    with OpenAIStub() as stub:  # the stub reports 10 completion tokens per answer
        estimate = run(_generator(stub), None, dry_run=True, sample=4)
        assert len(stub.requests) == 4
    (stage,) = estimate.stages
    assert stage.sampled == 4 and stage.sample_failed == 0
    assert stage.expected_completion_tokens == 12 * 10


def test_a_priced_model_gets_online_and_batch_prices():
    with OpenAIStub() as stub:
        estimate = run(_generator(stub, "openai/gpt-4o-mini"), None, dry_run=True)
    (stage,) = estimate.stages
    assert stage.price is not None and stage.price["batch_source"] == "LiteLLM's cost map"
    online, batch = estimate.cost["online"], estimate.cost["batch"]
    assert online["prompt"] == pytest.approx(stage.prompt_tokens * 0.15e-6, rel=1e-3)
    assert online["bound"] == pytest.approx(online["prompt"] + 12 * 400 * 0.6e-6, rel=1e-3)
    assert batch["bound"] == pytest.approx(online["bound"] / 2, rel=1e-3)
    assert json.loads(estimate.to_json())["stages"][0]["calls"] == 12


def test_a_stage_2_dry_run_renders_its_planned_calls():
    with OpenAIStub() as stub:
        generator = EmbeddingExampleGenerator(kinds=["sts"], count=5, seed=3, lm="openai/stub", api_base=stub.base_url)
        estimate = run(generator, None, dry_run=True)
        assert stub.requests == []
    (stage,) = estimate.stages
    assert stage.stage == "examples" and stage.calls == 5 and stage.prompt_tokens > 5 * 50


def test_a_pipeline_dry_run_scales_stage_2_from_stand_in_tasks():
    with OpenAIStub() as stub:
        tasks = _generator(stub, num_tasks=10)
        examples = EmbeddingExampleGenerator(
            kinds=["text-retrieval"], examples_per_task=2, seed=5, lm="openai/stub", api_base=stub.base_url
        )
        estimate = pipeline_dry_run(tasks, examples, sample=None)
        assert stub.requests == []
    first, second = estimate.stages
    assert first.calls == 12
    # 3 retrieval calls x 10 tasks asked x 2 examples per task; the other categories' tasks make no retrieval example
    assert second.calls == 3 * 10 * 2 and second.rendered < second.calls
    assert "seed tasks" in second.note


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sample": 2}, "dry run"),
        ({"dry_run": True, "resume": True}, "whole new run"),
        ({"dry_run": True, "sample": 0}, "sample"),
    ],
)
def test_bad_dry_run_arguments_are_refused(options, message):
    with OpenAIStub() as stub, pytest.raises(ConfigError, match=message):
        run(_generator(stub), None, **options)
