"""Bad input to stage 2: unknown kinds, bad task files, empty files, bad settings."""

from __future__ import annotations

import json

import dspy
import pytest
from example_replies import example_lm

from embtaskgen import ConfigError, EmbeddingExampleGenerator, ExampleSettings, run
from embtaskgen.examples.task_input import MAX_INPUT_TASK_CHARS, task_refs


def test_unknown_kind_names_the_valid_ones():
    with pytest.raises(ConfigError) as info:
        EmbeddingExampleGenerator(["sts", "paraphrase"])
    message = str(info.value)
    assert "'paraphrase'" in message
    for kind in ("text-retrieval", "text-matching-short", "text-matching-long", "text-classification", "sts", "bitext"):
        assert kind in message


def test_an_empty_kinds_list_is_refused():
    with pytest.raises(ConfigError, match="kinds is empty"):
        ExampleSettings(kinds=())


def _write(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"task": "Find recipes."}, "missing field 'category'"),
        ({"category": "text-retrieval"}, "missing field 'task' or 'tasks'"),
        ({"category": "text-sorting", "task": "Sort."}, "category must be one of text-retrieval"),
        ({"category": "text-retrieval", "task": "  "}, "a task must be a non-empty string"),
        ({"category": "text-retrieval", "tasks": "Find recipes."}, "'tasks' must be a list"),
        ({"category": "text-retrieval", "tasks": ["ok", 3]}, "tasks\\[1\\]"),
    ],
)
def test_a_task_file_with_missing_or_bad_fields_names_the_line(tmp_path, row, expected):
    path = _write(tmp_path / "tasks.jsonl", [{"category": "text-retrieval", "task": "Find recipes."}, row])
    gen = EmbeddingExampleGenerator("text-retrieval", seed=1, lm=example_lm())
    with pytest.raises(ConfigError, match=expected) as info:
        gen(path)
    assert "tasks.jsonl:2" in str(info.value)


def test_a_file_that_is_not_jsonl(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text('{"category": "text-retrieval", "task": "A."}\nnot json\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="tasks.jsonl:2: not valid JSON"):
        task_refs(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_file(tmp_path, text):
    path = tmp_path / "empty.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="no tasks in task file"):
        EmbeddingExampleGenerator(seed=1, lm=example_lm())(path)


def test_a_file_of_failed_generations_only_has_no_tasks(tmp_path):
    path = _write(tmp_path / "t.jsonl", [{"category": "text-retrieval", "generation": 0, "tasks": []}])
    with pytest.raises(ConfigError, match="no tasks"):
        task_refs(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        task_refs(tmp_path / "nope.jsonl")


@pytest.mark.parametrize("bad", [42, [("text-retrieval",)], ["just a string"], [("text-retrieval", "")]])
def test_bad_task_sources(bad):
    with pytest.raises(ConfigError):
        task_refs(bad)


def test_duplicate_tasks_get_distinct_ids():
    refs = task_refs([("text-retrieval", "Find recipes.")] * 3)
    assert [r.task_id for r in refs] == [refs[0].task_id, refs[0].task_id + "#2", refs[0].task_id + "#3"]


def test_nothing_to_write_is_refused():
    gen = EmbeddingExampleGenerator(["sts", "bitext"], seed=1, lm=example_lm())
    with pytest.raises(ConfigError, match="nothing to write"):
        gen()
    gen = EmbeddingExampleGenerator("text-retrieval", seed=1, lm=example_lm())
    with pytest.raises(ConfigError, match="nothing to write"):
        gen([("text-classification", "Classify reviews.")])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"examples_per_task": 0}, "examples_per_task must be an integer >= 1"),
        ({"count": -1}, "count must be an integer >= 0"),
        ({"temperature": 3}, "temperature must be a number in \\[0, 2\\]"),
        ({"languages": "klingon"}, "'english' or 'paper'"),
        ({"languages": []}, "non-empty list"),
        ({"languages": ["German", ""]}, "non-empty list"),
        ({"max_num_words": 10}, "max_num_words must be an integer >= 50"),
        ({"seed": "1"}, "seed must be an integer"),
        ({"concurrency": 0}, "concurrency must be an integer >= 1"),
        ({"no_repeat": 0.5, "lm": "openai/gpt-4o-mini"}, "no_repeat"),
    ],
)
def test_bad_settings(options, expected):
    with pytest.raises(ConfigError, match=expected):
        EmbeddingExampleGenerator(**options)


def test_settings_object_is_taken_as_is_and_checked():
    settings = ExampleSettings(kinds="sts", count=2, seed=1, lm=example_lm())
    assert EmbeddingExampleGenerator(settings=settings).settings is settings
    with pytest.raises(ConfigError, match="ExampleSettings"):
        EmbeddingExampleGenerator(settings={"kinds": "sts"})


def test_an_embedded_model_caps_num_words_unless_told():
    from embtaskgen.examples.settings import EMBEDDED_MAX_NUM_WORDS, ExampleSettings

    assert ExampleSettings().max_num_words == EMBEDDED_MAX_NUM_WORDS
    assert ExampleSettings(lm="local:smollm2").num_words_pool == (50, 100)
    assert ExampleSettings(lm="local", max_num_words=300).num_words_pool == (50, 100, 200, 300)
    assert ExampleSettings(lm="openai/m").max_num_words is None
    assert ExampleSettings(lm="openai/m").num_words_pool[-1] == 500


def test_kinds_come_in_plan_order():
    from embtaskgen.examples.kinds import OUTPUT_FIELDS, resolve_kinds

    assert resolve_kinds("all")[-2:] == ("sts", "bitext")
    assert resolve_kinds(["bitext", "text-retrieval"]) == ("text-retrieval", "bitext")
    assert OUTPUT_FIELDS["text-classification"] == ("input_text", "label", "misleading_label")


def test_settings_replace_languages_and_the_embedded_cap():
    settings = ExampleSettings(kinds=("sts",), count=3, seed=7)
    assert (settings.kinds, settings.replace(count=5).count) == (("sts",), 5)
    assert ExampleSettings(languages=["German", "French"]).languages == ("German", "French")
    assert ExampleSettings().max_num_words == 100
    assert ExampleSettings(lm="openai/gpt-4o-mini").max_num_words is None


def test_task_ids_of_pairs_hash_the_task_and_of_rows_name_the_generation():
    refs = task_refs([("text-retrieval", "Given a question, retrieve answers.")])
    assert refs[0].task_id == "text-retrieval/7d9da5fd402b"
    rows = [{"category": "text-classification", "generation": 0, "tasks": ["Classify a review.", "Tag news."]}]
    assert [r.task_id for r in task_refs(rows)] == ["text-classification/0/0", "text-classification/0/1"]


def test_an_unparsed_call_is_a_parse_failure_and_an_invalid_example_no_row():
    from embtaskgen.examples.assembly import assemble_examples
    from embtaskgen.examples.call import ExampleResult, PlannedExample

    unparsed = ExampleResult("sts", "sts", 0, 123, attributes={}, raw_output="not JSON")
    assert (unparsed.parse_failure, unparsed.items) == (True, None)
    plan = [PlannedExample("sts", "sts", 0, category="sts")]
    result = ExampleResult("sts", "sts", 0, 9, outputs={"S1": "a", "S2": "a", "S3": "c"})
    prediction = assemble_examples(plan, [result], model_name="m", seed=1)
    assert prediction.rows == []
    assert prediction.stats["invalid_reasons"] == {"texts_not_distinct": 1}


def test_a_byte_that_is_not_utf8_names_file_and_line(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    _write(folder / "part-000000.jsonl", [{"category": "text-retrieval", "task": "Find recipes."}])
    (folder / "part-000001.jsonl").write_bytes(
        b'{"category": "text-retrieval", "task": "A."}\n{"category": "text-retrieval", "task": "caf\xe9 menus"}\n'
    )
    with pytest.raises(ConfigError, match=r"part-000001\.jsonl:2: not UTF-8 text \(byte 0xe9"):
        task_refs(folder)


def test_an_escaped_lone_surrogate_names_file_and_line(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text(
        '{"category": "text-retrieval", "task": "A."}\n{"category": "text-retrieval", "task": "caf\\udce9"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"tasks\.jsonl:2: the task is not UTF-8 text .*character 4"):
        task_refs(path)
    with pytest.raises(ConfigError, match=r"item 1: the task is not UTF-8 text"):
        task_refs([("text-retrieval", "caf\udce9")])


def _long_sources(tmp_path, task):
    row = _write(
        tmp_path / "row.jsonl",
        [{"category": "text-retrieval", "task": "A."}, {"category": "text-retrieval", "task": task}],
    )
    listed = _write(tmp_path / "list.jsonl", [{"category": "text-retrieval", "generation": 0, "tasks": ["A.", task]}])
    return {
        "file row": (row, "row.jsonl:2"),
        "file list": (listed, "list.jsonl:1, tasks[1]"),
        "pairs": ([("text-retrieval", "A."), ("text-retrieval", task)], "item 2"),
        "prediction rows": (dspy.Prediction(rows=[{"category": "text-retrieval", "task": task}]), "prediction row 1"),
    }


@pytest.mark.parametrize("source", ["file row", "file list", "pairs", "prediction rows"])
def test_a_task_over_max_input_task_chars_is_refused_naming_where(tmp_path, source):
    given, where = _long_sources(tmp_path, "x" * (MAX_INPUT_TASK_CHARS + 1))[source]
    with pytest.raises(ConfigError) as info:
        task_refs(given)
    assert f"{where}: a task of 2,001 characters; tasks are at most 2,000 characters" in str(info.value)
    fits, _ = _long_sources(tmp_path, "x" * MAX_INPUT_TASK_CHARS)[source]
    assert task_refs(fits)[-1].task == "x" * MAX_INPUT_TASK_CHARS


def test_run_and_the_generator_refuse_a_long_task_before_any_call(tmp_path):
    path = _write(tmp_path / "tasks.jsonl", [{"category": "text-retrieval", "task": "x" * 1_000_000}])
    gen = EmbeddingExampleGenerator("text-retrieval", seed=1, lm=example_lm())
    with pytest.raises(ConfigError, match="tasks.jsonl:1: a task of 1,000,000 characters"):
        gen(path)
    with pytest.raises(ConfigError, match="tasks.jsonl:1: a task of 1,000,000 characters"):
        run(gen, tmp_path / "examples.jsonl", tasks=path)
    assert not (tmp_path / "examples.jsonl").exists()
