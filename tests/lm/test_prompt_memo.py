"""Each prompt piece is DSPy's own text, memoised per exact values, never across types."""

from __future__ import annotations

import dspy
import pytest

from embtaskgen.lm.prompt_memo import memoise_pieces, plain_key
from embtaskgen.signatures import SIGNATURES

SIGNATURE = SIGNATURES["text-retrieval"]


def _demo(i: int) -> dspy.Example:
    return dspy.Example(
        num_tasks=2, topic=f"topic {i % 3}", avoid=[], tasks=[f"Retrieve item {i}.", "Find papers."]
    ).with_inputs("num_tasks", "topic", "avoid")


@pytest.mark.parametrize("adapter_class", [dspy.ChatAdapter, dspy.JSONAdapter])
def test_messages_equal_dspys_with_repeated_and_new_values(adapter_class):
    memo = adapter_class()
    memoise_pieces(memo)
    plain = adapter_class()
    for i in range(12):
        demos = [_demo(i), _demo(i + 1)]
        inputs = {"num_tasks": 20, "topic": f"topic {i % 4}", "avoid": ["Not this."] if i % 2 else []}
        assert memo.format(SIGNATURE, demos, inputs) == plain.format(SIGNATURE, demos, inputs)
    assert memo.format_user_message_content.hits > 0


def test_values_of_other_types_are_never_conflated():
    assert len({plain_key(1), plain_key(True), plain_key(1.0), plain_key("1")}) == 4
    assert plain_key({"a": 1, "b": 2}) != plain_key({"b": 2, "a": 1})  # a dict renders in its order
    assert plain_key([["a"]]) == plain_key([["a"]])
    for value in [(1, 2), {1: "a"}, object(), b"x"]:
        with pytest.raises(TypeError):
            plain_key(value)


def test_values_that_are_not_plain_are_rendered_every_time():
    adapter = dspy.ChatAdapter()
    memoise_pieces(adapter)
    signature = dspy.Signature("topic -> tasks: list[str]")
    for _ in range(2):
        adapter.format_user_message_content(signature, {"topic": ("a", "b")})
    assert adapter.format_user_message_content.hits == 0
    assert adapter.format_user_message_content.misses == 0  # not kept either


def test_a_missing_field_and_other_options_are_part_of_the_key():
    adapter = dspy.ChatAdapter()
    memoise_pieces(adapter)
    plain = dspy.ChatAdapter()
    demo = {"num_tasks": 2, "topic": "law"}  # no tasks: the missing-field message shows
    for message in ["Not supplied.", "Missing."]:
        got = adapter.format_assistant_message_content(SIGNATURE, demo, missing_field_message=message)
        assert got == plain.format_assistant_message_content(SIGNATURE, demo, missing_field_message=message)
    main = adapter.format_user_message_content(SIGNATURE, demo, main_request=True)
    assert main == plain.format_user_message_content(SIGNATURE, demo, main_request=True)
    assert main != adapter.format_user_message_content(SIGNATURE, demo)
