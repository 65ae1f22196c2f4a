import itertools

import dspy
import pytest
from scripted import chat_reply, prompt_text, scripted_lm

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.settings import DEMO_SIZE, GenerationSettings
from embtaskgen.signatures import SIGNATURES
from embtaskgen.signatures.seed_tasks import SEED_TASKS
from embtaskgen.signatures.topics import TOPICS


def numbered_lm():
    counter = itertools.count()
    return scripted_lm(lambda _r: chat_reply([f"Retrieve documents of kind {next(counter)}."]))


def test_topics_drawn_per_call_and_reproducible():
    lm = numbered_lm()
    gen = EmbeddingTaskGenerator("text-retrieval", num_generations=6, seed=3, lm=lm, topics=True, concurrency=1)
    rows = gen().rows
    topics = [row["topic"] for row in rows]
    assert all(t in TOPICS for t in topics)
    assert len(set(topics)) > 1
    for row, request in zip(rows, lm.engine.requests, strict=True):
        assert row["topic"] in prompt_text(request)
    again = EmbeddingTaskGenerator("text-retrieval", num_generations=6, seed=3, lm=numbered_lm(), topics=True)()
    assert [r["topic"] for r in again.rows] == topics


def test_fixed_topic_wins_over_the_pool():
    rows = EmbeddingTaskGenerator(
        "text-retrieval", num_generations=2, seed=3, lm=numbered_lm(), topics=["a", "b"], topic="law"
    )().rows
    assert [r["topic"] for r in rows] == ["law", "law"]


def test_few_shot_examples_from_the_seed_pool_shuffled_per_call():
    lm = numbered_lm()
    EmbeddingTaskGenerator("text-classification", num_generations=2, seed=5, lm=lm, few_shot=2, concurrency=1)()
    shown = []
    for request in lm.engine.requests:
        text = prompt_text(request)
        instructions = SIGNATURES["text-classification"].instructions
        shown.append([t for t in SEED_TASKS["text-classification"] if t in text and t not in instructions])
    assert all(len(s) == 2 * DEMO_SIZE for s in shown)
    assert shown[0] != shown[1]


def test_few_shot_leaves_an_optimized_predictors_demos_alone():
    lm = numbered_lm()
    gen = EmbeddingTaskGenerator("text-retrieval", seed=5, lm=lm, few_shot=2)
    own = dspy.Example(num_tasks=1, topic="", avoid=[], tasks=["Given a riddle, retrieve its answer."])
    gen.text_retrieval.demos = [own.with_inputs("num_tasks", "topic", "avoid")]
    gen()
    text = prompt_text(lm.engine.requests[0])
    assert "Given a riddle, retrieve its answer." in text
    assert not any(t in text for t in SEED_TASKS["text-retrieval"])


def test_avoid_archive_passes_earlier_tasks_to_later_generations():
    lm = numbered_lm()
    prediction = EmbeddingTaskGenerator("all", num_generations=3, seed=2, lm=lm, avoid_archive=5, concurrency=4)()
    by_row = {(r["category"], r["generation"]): r for r in prediction.rows}
    assert all(by_row[(c, 0)]["metadata"]["options"]["avoid"] == 0 for c in {k[0] for k in by_row})
    assert all(by_row[(c, 2)]["metadata"]["options"]["avoid"] == 2 for c in {k[0] for k in by_row})
    # The later prompt of a category names the tasks its earlier generations accepted.
    texts = [prompt_text(r) for r in lm.engine.requests]
    first_task = by_row[("text-retrieval", 0)]["tasks"][0]
    assert sum(first_task in t for t in texts) == 2  # in the prompts of generations 1 and 2


def test_lever_arguments_are_validated():
    with pytest.raises(ValueError, match="few_shot"):
        EmbeddingTaskGenerator("text-retrieval", lm=numbered_lm(), few_shot=-1)
    with pytest.raises(ValueError, match="few_shot must be between 0 and"):
        GenerationSettings(few_shot=1000)
    with pytest.raises(ValueError, match="avoid_archive"):
        EmbeddingTaskGenerator("text-retrieval", lm=numbered_lm(), avoid_archive=-2)
    with pytest.raises(ValueError, match="topic pool is empty"):
        EmbeddingTaskGenerator("text-retrieval", lm=numbered_lm(), topics=[])
    with pytest.raises(ValueError, match="topic="):
        EmbeddingTaskGenerator("text-retrieval", lm=numbered_lm(), topics="finance")
