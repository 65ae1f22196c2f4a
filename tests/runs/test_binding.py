"""The run's prompt memo: same messages as DSPy renders, never shared between calls."""

from __future__ import annotations

import dspy
from dspy.adapters import ChatAdapter

from embtaskgen.runs.binding import run_settings
from embtaskgen.signatures import SIGNATURES

SIGNATURE = SIGNATURES["text-retrieval"]
INPUTS = {"num_tasks": 20, "topic": "", "avoid": []}


class _Counter:
    formatted = 0


def _CountingChatAdapter() -> ChatAdapter:
    """A plain ChatAdapter (the run memoises only DSPy's own classes) that counts renders."""
    adapter = ChatAdapter()
    counter = _Counter()
    render = adapter.format

    def format_(signature, demos, inputs):
        counter.formatted += 1
        return render(signature, demos, inputs)

    adapter.format = format_
    adapter.counter = counter
    return adapter


def _run_adapter(base: ChatAdapter) -> ChatAdapter:
    with dspy.context(adapter=base):
        return run_settings()["adapter"]


def test_memoised_prompt_equals_dspys_and_is_formatted_once():
    base = _CountingChatAdapter()
    adapter = _run_adapter(base)
    expected = ChatAdapter().format(SIGNATURE, [], INPUTS)
    first = adapter.format(SIGNATURE, [], dict(INPUTS))
    second = adapter.format(SIGNATURE, [], dict(INPUTS))
    assert first == second == expected
    assert base.counter.formatted == 1


def test_each_call_gets_its_own_messages():
    adapter = _run_adapter(_CountingChatAdapter())
    first = adapter.format(SIGNATURE, [], INPUTS)
    first[-1]["content"] = "changed by a caller"
    first.append({"role": "user", "content": "extra"})
    assert adapter.format(SIGNATURE, [], INPUTS) == ChatAdapter().format(SIGNATURE, [], INPUTS)


def test_different_inputs_or_demos_are_rendered_afresh():
    base = _CountingChatAdapter()
    adapter = _run_adapter(base)
    adapter.format(SIGNATURE, [], INPUTS)
    other = adapter.format(SIGNATURE, [], {**INPUTS, "topic": "finance"})
    assert "finance" in other[-1]["content"]
    demo = {"num_tasks": 1, "topic": "", "avoid": [], "tasks": ["Given a claim, retrieve evidence."]}
    with_demo = adapter.format(SIGNATURE, [demo], INPUTS)
    assert any("Given a claim, retrieve evidence." in m["content"] for m in with_demo)
    assert base.counter.formatted == 3


def test_values_that_are_not_plain_json_are_never_memoised():
    base = _CountingChatAdapter()
    adapter = _run_adapter(base)
    odd = {**INPUTS, "topic": object()}  # str() differs per object: must not be cached
    adapter.format(SIGNATURE, [], odd)
    adapter.format(SIGNATURE, [], odd)
    assert base.counter.formatted == 2
