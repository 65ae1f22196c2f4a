from embtaskgen.brainstorm.cleaning import DROP_REASONS, MAX_TASK_CHARS, TaskDeduper, item_cap
from embtaskgen.brainstorm.precision_gate import GATE_REASONS, PrecisionGate


def test_duplicates_dropped_and_counted_within_and_across_generations():
    deduper = TaskDeduper()
    first = deduper.clean(["Find X.", "Find X.", "find x", "", None, 3, "Find Y."])
    assert first.tasks == ["Find X.", "Find Y."]
    assert first.dropped == {"duplicate_exact": 1, "duplicate_normalised": 1, "empty": 1, "not_string": 2}
    second = deduper.clean(["FIND Y", "Find Z."])
    assert second.tasks == ["Find Z."]
    assert second.dropped == {"duplicate_normalised": 1}
    assert set(first.dropped) | set(second.dropped) <= set(DROP_REASONS)
    assert deduper.seen("- find z")


def test_keep_duplicates_option():
    deduper = TaskDeduper(keep_duplicates=True)
    result = deduper.clean(["Find X.", "Find X.", " "])
    assert result.tasks == ["Find X.", "Find X."]
    assert result.dropped == {"empty": 1}


def test_no_eval_of_strings():
    # A string that would do something if evaluated stays a plain task string.
    result = TaskDeduper().clean(["__import__('os').system('echo hi')"])
    assert result.tasks == ["__import__('os').system('echo hi')"]


# ----------------------------------------------------------------- untrusted model text


def test_items_are_sanitised_before_they_are_kept():
    result = TaskDeduper().clean(["Find \ud83d news.", "Find\x00 a\x07 claim\x1b.", "Tab\tand\nnewline."])
    assert result.tasks == ["Find \ufffd news.", "Find a claim.", "Tab and newline."]
    assert all(task.encode("utf-8") for task in result.tasks)


def test_an_over_long_item_is_dropped_not_cut():
    longest = "Find " + "x" * (MAX_TASK_CHARS - 6) + "."
    assert len(longest) == MAX_TASK_CHARS
    result = TaskDeduper().clean([longest, longest + "y", "  1. " + longest + "  "])
    assert result.tasks == [longest]
    assert result.dropped == {"too_long": 1, "duplicate_exact": 1}  # measured after stripping


def test_items_past_the_cap_are_dropped_and_counted():
    items = [f"Task number {i}." for i in range(100)]
    result = TaskDeduper().clean(items, max_items=item_cap(20))
    assert result.tasks == items[:40]
    assert result.dropped == {"over_cap": 60}
    assert TaskDeduper().clean(iter(items[:5]), max_items=5).dropped == {}
    assert [item_cap(n) for n in (1, 5, 10, 20, 100)] == [11, 15, 20, 40, 200]


def test_every_reason_is_listed():
    deduper = TaskDeduper()
    result = deduper.clean(["A task.", "A task.", "a task", "", 1, "x" * (MAX_TASK_CHARS + 1), "B task."], max_items=6)
    assert set(result.dropped) == set(DROP_REASONS) - set(GATE_REASONS)
    assert sum(result.dropped.values()) + len(result.tasks) == 7
    gated = TaskDeduper(
        gate=PrecisionGate({"text-retrieval": ["Given a claim, retrieve evidence for it."]}, template_limit=2)
    )
    items = [
        "Given a film, retrieve reviews of the.",  # incomplete
        "Given a question about food,B, retrieve articles.",  # garbled
        "Given a word, retrieve an encyclopedia article, or an encyclopedia article.",  # stutter
        "Given a query, retrieve a full query.",  # circular
        "Given a title, find out if the article is new.",  # yes_no
        "Given a claim, retrieve evidence for it.",  # prompt_copy
        "Given a health claim, retrieve health news that discusses it.",
        "Given a legal claim, retrieve legal news that discusses it.",
        "Given a sports claim, retrieve sports news that discusses it.",  # templated
    ]
    result = gated.clean(items, category="text-retrieval")
    assert set(result.dropped) == set(GATE_REASONS)
    assert len(result.tasks) == 2 and result.rejected == []


def test_the_gate_applies_only_when_the_category_is_known_and_rejects_are_kept_on_request():
    items = ["Given a query, retrieve a full query.", "Given a poem, find its author's name."]
    assert TaskDeduper(gate=PrecisionGate()).clean(items).tasks == items
    kept = TaskDeduper(gate=PrecisionGate(), keep_rejected=True).clean(items, category="text-matching-short")
    assert kept.tasks == items[1:]
    assert kept.rejected == [{"task": items[0], "reason": "circular", "detail": kept.rejected[0]["detail"]}]
    assert not TaskDeduper(gate=PrecisionGate()).clean(items, category="text-matching-short").rejected


def test_a_rejected_task_is_not_remembered_as_kept():
    deduper = TaskDeduper(gate=PrecisionGate())
    deduper.clean(["Given a query, retrieve a full query."], category="text-retrieval")
    assert not deduper.seen("Given a query, retrieve a full query.")
