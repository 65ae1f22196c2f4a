"""The judge against a scripted loopback server: verdicts become reasons, counted; a bad answer is judge_failed."""

import pytest
from judge_replies import judge_reply
from openai_stub import OpenAIStub

from embtaskgen.checks.judge import JUDGE_FAILED, Judge, judge_inputs
from embtaskgen.checks.registry import Checker

ROW = {
    "kind": "text-classification",
    "task": "Classify a food safety review by the industry it concerns.",
    "input_text": "The kitchen was spotless and the staff wore gloves.",
    "label": "negative",
    "misleading_label": "positive",
}


def test_the_judgejudge_replys_each_row_and_counts_its_verdicts_and_tokens():
    kept = {**ROW, "label": "restaurants", "misleading_label": "farming"}
    with OpenAIStub(judge_reply) as stub:
        judge = Judge("openai/judge-model", api_base=stub.base_url)
        assert judge(ROW) == ["judge:off-task"]
        assert judge(kept) == []
        assert stub.calls == 2
    assert judge.verdicts == {"drop": 1, "keep": 1}
    assert judge.model_name == "openai/judge-model"
    sent = stub.requests[0]["body"]["messages"][-1]["content"]
    assert "input_text: The kitchen was spotless" in sent and "Classify a food safety review" in sent


def test_an_answer_that_does_not_parse_is_judge_failed_never_a_pass():
    with OpenAIStub("raw", answer="I think it is fine.") as stub:
        judge = Judge("openai/judge-unparsable", api_base=stub.base_url)
        assert judge(ROW) == [JUDGE_FAILED]
    assert judge.usage["prompt_tokens"] > 0  # the failed call's tokens are counted too
    assert judge.verdicts == {JUDGE_FAILED: 1}


def test_the_checker_runs_the_judge_after_the_form_checks():
    with OpenAIStub(judge_reply) as stub:
        checker = Checker(("form", "judge"), judge=Judge("openai/judge-checker", api_base=stub.base_url))
        results = checker.check([ROW, {**ROW, "misleading_label": "negative"}])
    assert results[0] == {"passed": False, "reasons": ["judge:off-task"]}
    assert results[1]["reasons"][0] == "label_equals_misleading"


def test_task_rows_are_shown_to_the_judge_as_tasks():
    inputs = judge_inputs({"category": "text-retrieval", "task": "Given a claim, retrieve studies that test it."})
    assert inputs["kind"] == "a task of category text-retrieval"
    assert inputs["row"] == "task: Given a claim, retrieve studies that test it."


def test_the_judge_level_needs_a_judge():
    with pytest.raises(Exception, match="judge model"):
        Checker(("form", "judge"))


def test_the_judges_tokens_are_priced_when_its_model_has_a_price():
    from embtaskgen.lm.pricing import price_of

    with OpenAIStub(judge_reply) as stub:
        priced = Judge("openai/gpt-4o-mini", api_base=stub.base_url)
        unpriced = Judge("openai/judge-unpriced", api_base=stub.base_url)
        for judge in (priced, unpriced):
            judge({**ROW, "task": "Classify a tweet by its sentiment."})
    prompt, completion = priced.usage["prompt_tokens"], priced.usage["completion_tokens"]
    assert prompt > 0 and completion > 0
    assert priced.cost == pytest.approx(price_of("openai/gpt-4o-mini").cost(prompt, completion))
    assert unpriced.cost is None and unpriced.usage["prompt_tokens"] > 0
