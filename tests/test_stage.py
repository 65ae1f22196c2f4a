"""Both stages implement the Stage protocol the one runner drives (embtaskgen/stage.py)."""

from __future__ import annotations

import json

import dspy

from embtaskgen import EmbeddingExampleGenerator, EmbeddingTaskGenerator
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.examples.call import ExampleResult
from embtaskgen.stage import Stage


def _members(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_both_stages_have_every_member_of_the_protocol():
    tasks = EmbeddingTaskGenerator("text-retrieval", num_generations=2, seed=1, lm=dspy.utils.DummyLM([])).stage()
    examples = EmbeddingExampleGenerator(kinds="sts", count=2, seed=1, lm="openai/m").stage(None)
    wanted = {name for name in Stage.__annotations__} | {n for n in vars(Stage) if not n.startswith("_")}
    for stage in (tasks, examples):
        assert wanted <= _members(type(stage)) | set(vars(stage)), wanted - _members(type(stage)) - set(vars(stage))


def test_task_stage_plans_calls_and_names_rows_by_them():
    gen = EmbeddingTaskGenerator(["text-retrieval", "text-classification"], num_generations=2, seed=1, lm="openai/m")
    stage = gen.stage()
    assert stage.plan() == [
        ("text-retrieval", 0),
        ("text-retrieval", 1),
        ("text-classification", 0),
        ("text-classification", 1),
    ]
    rows = stage.rows(CallResult("text-retrieval", 1, 9, items=["Find news articles about a query."]), seed=1)
    (row,) = [json.loads(line) for line in rows.lines]
    assert stage.row_key(row) == stage.names(("text-retrieval", 1)) == ("text-retrieval", 1)
    assert rows.kept == rows.returned == 1 and rows.invalid is None


def test_example_stage_keys_calls_by_plan_position_and_rows_by_task_and_index():
    gen = EmbeddingExampleGenerator(kinds="sts", count=2, seed=1, lm="openai/m")
    stage = gen.stage(None)
    assert stage.plan() == [("sts", 0), ("sts", 1)]
    outputs = {"S1": "A dog runs.", "S2": "A dog is running.", "S3": "A cat sleeps."}
    result = ExampleResult("sts", "sts", 1, 5, attributes={}, outputs=outputs)
    rows = stage.rows(result, seed=1)
    (row,) = [json.loads(line) for line in rows.lines]
    assert stage.result_key(result) == ("sts", 1)
    assert stage.row_key(row) == stage.names(("sts", 1)) == ("sts", 1)
    invalid = stage.rows(ExampleResult("sts", "sts", 0, 5, attributes={}, outputs={"S1": "x"}), seed=1)
    assert invalid.lines == [] and invalid.invalid is not None and invalid.invalid["reason"] == "invalid"
