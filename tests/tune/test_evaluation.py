import json

import pytest
from scripted import chat_reply, prompt_text, scripted_lm
from tuning_replies import varied_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.tuning_splits import heldout_seeds
from embtaskgen.tune.evaluation import DEFAULT_EVAL_TOPICS, evaluate, format_comparison, format_table


def test_evaluate_reports_each_category_on_heldout_calls():
    lm = varied_lm()
    generator = EmbeddingTaskGenerator(["text-retrieval", "text-classification"], lm=lm, num_tasks=8)
    report = evaluate(generator, topics=DEFAULT_EVAL_TOPICS[:2], seeds=heldout_seeds(2))
    assert list(report["categories"]) == ["text-retrieval", "text-classification"]
    row = report["categories"]["text-retrieval"]
    assert row["calls"] == 4 and len(lm.engine.requests) == 8
    assert 0 < row["score"] < 1 and row["parse_failures"] == 0
    assert 0 < row["unique_on_category_per_call"] <= 8
    assert report["overall"]["calls"] == 8
    json.dumps(report)  # JSON-friendly
    table = format_table(report)
    assert "text-retrieval" in table and "overall" in table


def test_evaluate_is_reproducible():
    lm = varied_lm()
    generator = EmbeddingTaskGenerator("text-retrieval", lm=lm, num_tasks=8)
    first = evaluate(generator, topics=["", "law"], seeds=[7])
    second = evaluate(EmbeddingTaskGenerator("text-retrieval", lm=lm, num_tasks=8), topics=["", "law"], seeds=[7])
    for report in (first, second):
        report["categories"]["text-retrieval"].pop("usage")  # the second run is all cache hits
    assert first == second


def test_parse_failures_score_zero_and_are_counted():
    def reply(request):
        if "law" in prompt_text(request):
            return chat_reply(["Given a word, find its definition."])
        return "not a list at all"

    lm = scripted_lm(reply)
    generator = EmbeddingTaskGenerator("text-matching-short", lm=lm, num_tasks=1)
    row = evaluate(generator, topics=["", "law"], seeds=[1])["categories"]["text-matching-short"]
    assert row["parse_failures"] == 1 and row["scores"][0] == 0.0


def test_copying_a_demo_does_not_count_as_useful():
    import dspy

    task = "Given a bird species, find field guide entries that describe its song."
    lm = scripted_lm(lambda _request: chat_reply([task]))
    generator = EmbeddingTaskGenerator("text-retrieval", lm=lm, num_tasks=1)
    plain = evaluate(generator, topics=[""], seeds=[1])["categories"]["text-retrieval"]
    generator.text_retrieval.demos = [dspy.Example(num_tasks=1, topic="", avoid=[], tasks=[task])]
    shown = evaluate(generator, topics=[""], seeds=[1])["categories"]["text-retrieval"]
    assert plain["unique_on_category_per_call"] == 1 and shown["unique_on_category_per_call"] == 0
    assert shown["copied_per_call"] == 1 and shown["score"] < plain["score"]


def test_format_comparison_shows_ratios():
    a = {"categories": {"text-retrieval": {"score": 0.4, "unique_on_category_per_call": 2.0}}}
    b = {"categories": {"text-retrieval": {"score": 0.6, "unique_on_category_per_call": 3.0}}}
    assert "1.50" in format_comparison(a, b)


def test_unknown_category_is_refused():
    with pytest.raises(ValueError, match="choose from"):
        evaluate(EmbeddingTaskGenerator(lm=varied_lm()), "text-mining")
