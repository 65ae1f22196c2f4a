import pytest

from embtaskgen import ConfigError, GenerationRow, TaskRow
from embtaskgen.brainstorm.assembly import assemble
from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper


def _result(items, *, generation=0, rollout_id=100, topic="", options=None, category="text-retrieval"):
    return CallResult(category, generation, rollout_id, topic=topic, items=items, options=options or {})


def _build(result, deduper=None, *, flatten=False, seed=7, num_tasks=5, model_name="scripted/m"):
    return assemble(
        result,
        deduper if deduper is not None else TaskDeduper(),
        model_name=model_name,
        seed=seed,
        num_tasks=num_tasks,
        flatten=flatten,
    )


def test_items_are_cleaned_and_every_drop_is_counted_by_reason():
    built = _build(_result(["1. Find news articles.", 42, "   ", "- find NEWS articles!", "Find court rulings."]))
    assert built.tasks == ["Find news articles.", "Find court rulings."]
    assert (built.returned, built.kept) == (5, 2)
    assert built.dropped == {"not_string": 1, "empty": 1, "duplicate_normalised": 1}


def test_one_deduper_drops_tasks_kept_by_an_earlier_call():
    deduper = TaskDeduper()
    first = _build(_result(["Find X.", "Find Y."], generation=0), deduper)
    second = _build(_result(["find x", "Find Y.", "Find Z."], generation=1, rollout_id=101), deduper)
    assert first.tasks == ["Find X.", "Find Y."]
    assert second.tasks == ["Find Z."]
    assert second.dropped == {"duplicate_normalised": 1, "duplicate_exact": 1}
    # A fresh deduper has no memory of the first call.
    assert _build(_result(["find x", "Find Y."])).tasks == ["find x", "Find Y."]


def test_a_deduper_that_keeps_duplicates_still_strips_markers():
    deduper = TaskDeduper(keep_duplicates=True)
    _build(_result(["Find X."]), deduper)
    built = _build(_result(['"Find X."', "2) Find X."]), deduper)
    assert built.tasks == ["Find X.", "Find X."]
    assert built.dropped == {}


def test_unflattened_call_is_one_row_with_its_metadata():
    result = _result(
        ["Find X.", "find x", 3], generation=2, rollout_id=555, topic="law", options={"avoid": 0, "demos": 2}
    )
    built = _build(result, seed=9, num_tasks=4)
    (row,) = built.rows
    assert row["category"] == "text-retrieval" and row["tasks"] == ["Find X."]
    assert (row["model_name"], row["generation"], row["seed"], row["topic"]) == ("scripted/m", 2, 9, "law")
    assert "task" not in row
    metadata = row["metadata"]
    assert metadata["rollout_id"] == 555 and metadata["num_tasks"] == 4
    assert metadata["returned"] == 3
    assert metadata["dropped"] == {"duplicate_normalised": 1, "not_string": 1}
    assert metadata["options"] == {"avoid": 0, "demos": 2}
    assert metadata["parse_failure"] is False
    # JSON-ready: no None values (raw_output / error of a successful call are left out).
    assert "raw_output" not in metadata and "error" not in metadata
    GenerationRow.model_validate(row)


def test_flattened_call_is_one_row_per_kept_task_without_metadata():
    built = _build(
        _result(["Find X.", "Find X.", "Find Y."], generation=3, rollout_id=77, topic="art"), flatten=True, seed=4
    )
    assert [row["task"] for row in built.rows] == ["Find X.", "Find Y."]
    assert [row["task_index"] for row in built.rows] == [0, 1]
    for row in built.rows:
        assert (row["generation"], row["seed"], row["topic"], row["rollout_id"]) == (3, 4, "art", 77)
        assert "tasks" not in row and "metadata" not in row
        TaskRow.model_validate(row)
    # What cleaning did is still reported on the Assembled object.
    assert (built.returned, built.kept, built.dropped) == (3, 2, {"duplicate_exact": 1})


@pytest.mark.parametrize("flatten", [False, True])
def test_a_call_whose_items_are_all_dropped(flatten):
    deduper = TaskDeduper()
    _build(_result(["Find X."]), deduper)
    built = _build(_result(["Find X.", ""], generation=1), deduper, flatten=flatten)
    assert built.tasks == [] and built.kept == 0 and built.returned == 2
    if flatten:
        assert built.rows == []
    else:
        assert [row["tasks"] for row in built.rows] == [[]]
        assert built.rows[0]["metadata"]["dropped"] == {"duplicate_exact": 1, "empty": 1}


@pytest.mark.parametrize(
    "failed",
    [
        CallResult("text-matching-long", 4, 1, items=None, raw_output="not a list"),
        CallResult("text-matching-long", 4, 1, items=None, error="timeout"),
    ],
    ids=["parse-failure", "error"],
)
def test_a_failed_call_has_no_rows_and_raises(failed):
    deduper = TaskDeduper()
    with pytest.raises(ConfigError, match="text-matching-long generation 4 has no items"):
        _build(failed, deduper)
    # The deduper learned nothing from the failed call.
    assert _build(_result(["Find X."]), deduper).tasks == ["Find X."]


def test_assembled_tasks_are_a_copy_of_the_row_tasks():
    built = _build(_result(["Find X."]))
    built.tasks.append("Injected.")
    assert built.rows[0]["tasks"] == ["Find X."]


def test_the_gate_drops_are_counted_and_rejects_kept_on_request():
    from embtaskgen.brainstorm.precision_gate import PrecisionGate

    items = ["Given a query, retrieve a full query.", "Given a claim, retrieve trials that test it."]
    built = _build(_result(items), TaskDeduper(gate=PrecisionGate()))
    assert built.tasks == items[1:] and built.dropped == {"circular": 1} and built.rejected == []
    assert "rejected" not in built.rows[0]["metadata"]
    kept = _build(_result(items), TaskDeduper(gate=PrecisionGate(), keep_rejected=True))
    assert kept.rows[0]["tasks"] == items[1:]
    assert [r["task"] for r in kept.rows[0]["metadata"]["rejected"]] == items[:1]
    assert kept.rows[0]["metadata"]["rejected"][0]["reason"] == "circular"


def test_flattened_rejects_are_rows_of_their_own_marked_rejected():
    from embtaskgen.brainstorm.precision_gate import PrecisionGate

    items = ["Given a query, retrieve a full query.", "Given a claim, retrieve trials that test it."]
    built = _build(_result(items), TaskDeduper(gate=PrecisionGate(), keep_rejected=True), flatten=True)
    tasks = [row for row in built.rows if "rejected" not in row]
    rejects = [row for row in built.rows if "rejected" in row]
    assert [row["task"] for row in tasks] == items[1:]
    assert [(row["task"], row["rejected"]) for row in rejects] == [(items[0], "circular")]
    assert "task_index" not in rejects[0] and rejects[0]["rollout_id"] == 100


def test_row_metadata_says_what_the_call_really_asked_for():
    capped = _build(_result(["Find court rulings."], options={"asked": 12}), num_tasks=20)
    assert capped.rows[0]["metadata"]["num_tasks"] == 12
    assert capped.rows[0]["metadata"]["requested"] == 20
    plain = _build(_result(["Find court rulings."]), num_tasks=20)
    assert plain.rows[0]["metadata"]["num_tasks"] == 20 and "requested" not in plain.rows[0]["metadata"]
