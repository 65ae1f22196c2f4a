"""CompactObjectAdapter: a short prompt per example kind, a bounded object schema, strict parsing."""

from __future__ import annotations

import json
import re

import dspy
import pytest
from dspy.utils.exceptions import AdapterParseError

from embtaskgen.embedded.object_adapter import MAX_TOKENS, WORKED_EXAMPLES, CompactObjectAdapter, field_bounds
from embtaskgen.errors import ConfigError
from embtaskgen.examples.attribute_draw import draw_attributes
from embtaskgen.examples.kinds import EXAMPLE_KINDS, OUTPUT_FIELDS, TASK_KINDS
from embtaskgen.examples.validity import check_example
from embtaskgen.lm.adapters import example_adapter_for
from embtaskgen.signatures import EXAMPLE_SIGNATURES

STS = EXAMPLE_SIGNATURES["sts"]
STS_INPUTS = {"unit": "sentence", "difficulty": "college", "high_score": 4.5, "low_score": 2.5, "language": "English"}
STS_ANSWER = {"S1": "A man is playing a guitar.", "S2": "A man plays the guitar outside.", "S3": "A man buys a guitar."}


def _inputs(kind):
    inputs = draw_attributes(kind, seed=1, task_id="t", index=0, num_words=(50,))
    if kind in TASK_KINDS:
        inputs["task"] = "Given a question about gardening, retrieve pages that answer it."
    return inputs


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_worked_example_fits_its_own_kind(kind):
    """The fixed example is valid, matches its schema, and fits the kind's token budget."""
    inputs, outputs = WORKED_EXAMPLES[kind]
    assert set(inputs) == set(EXAMPLE_SIGNATURES[kind].input_fields)
    assert list(outputs) == list(OUTPUT_FIELDS[kind])
    assert check_example(kind, outputs, inputs) == ["copies_worked_example"]  # passes every other check
    schema = CompactObjectAdapter().schema(EXAMPLE_SIGNATURES[kind], inputs)
    for name, text in outputs.items():
        bounds = schema["properties"][name]
        assert bounds["minLength"] <= len(text) <= bounds["maxLength"], name
        assert re.fullmatch(bounds["pattern"], text), name
    assert len(json.dumps(outputs)) / 4 < MAX_TOKENS[kind]  # ~4 characters per token


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_completion_prompt_is_short_instructions_example_request(kind):
    signature = EXAMPLE_SIGNATURES[kind]
    inputs = _inputs(kind)
    (message,) = CompactObjectAdapter(style="completion").format(signature, [], inputs)
    text = message["content"]
    assert text.startswith(signature.instructions.strip())
    assert f"Answer with one JSON object with the keys {', '.join(OUTPUT_FIELDS[kind])}, each a string." in text
    assert json.dumps(WORKED_EXAMPLES[kind][1], ensure_ascii=False) in text
    # It ends with the request: the inputs, one per line, where the object should start.
    request = "\n".join(f"{name}: {inputs[name]}" for name in signature.input_fields)
    assert text.endswith(f"\n\n{request}\n")
    assert "[[ ##" not in text and "desc" not in text  # nothing of DSPy's field markup
    assert len(text) < 2000


def test_chat_prompt_and_demos_replace_the_worked_example():
    messages = CompactObjectAdapter(style="chat").format(STS, [], STS_INPUTS)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert json.loads(messages[2]["content"]) == WORKED_EXAMPLES["sts"][1]
    assert messages[-1]["content"].splitlines()[0] == "unit: sentence"
    demo = dspy.Example(**STS_INPUTS, **STS_ANSWER)
    messages = CompactObjectAdapter(style="chat").format(STS, [demo], STS_INPUTS)
    assert json.loads(messages[2]["content"]) == STS_ANSWER
    assert len(messages) == 4


def test_schema_bounds_follow_the_attributes():
    retrieval = field_bounds("text-retrieval", {"num_words": 200, "query_length": "less than 5 words"})
    assert retrieval["user_query"] == (5, 40)
    assert retrieval["positive_document"][0] >= 2 * 200  # a third of 200 words, ~6 characters each
    assert retrieval["positive_document"][1] <= 900
    assert field_bounds("text-retrieval", {"num_words": 50})["positive_document"][0] >= 100  # >= ~20 words
    assert field_bounds("text-matching-long", {})["positive_document"][0] >= 100
    assert field_bounds("sts", {"unit": "phrase"})["S1"][1] < field_bounds("sts", {"unit": "passage"})["S1"][0] * 2
    with pytest.raises(ConfigError, match="unknown example kind"):
        field_bounds("poetry", {})


def test_schema_is_an_object_of_exactly_the_output_strings():
    schema = CompactObjectAdapter().schema(STS, STS_INPUTS)
    assert schema["required"] == ["S1", "S2", "S3"] and schema["additionalProperties"] is False
    pattern = schema["properties"]["S1"]["pattern"]
    assert re.fullmatch(pattern, "A man is playing a guitar.")
    assert not re.fullmatch(pattern, "sentence")  # an attribute value is too short to fill a field
    assert not re.fullmatch(pattern, "A man is playing\na guitar.")  # no raw control character
    assert not re.fullmatch(pattern, 'A man is "playing" a guitar.')


def test_schema_and_budget_sent_to_the_engine_as_a_grammar(make_lm, fake_factory):
    lm = make_lm(engine_options={"prompt_style": "completion"})
    lm.engine.load()  # the fake llama is built on load; then set its reply
    fake = fake_factory.llama
    fake.reply = json.dumps(STS_ANSWER)
    with dspy.context(lm=lm, adapter=CompactObjectAdapter(style="completion")):
        prediction = dspy.Predict(STS)(**STS_INPUTS)
    assert (prediction.S1, prediction.S2, prediction.S3) == tuple(STS_ANSWER.values())
    call = fake.calls[-1]
    assert call["kind"] == "completion"
    assert call["max_tokens"] == CompactObjectAdapter().budget("sts", STS_INPUTS) >= MAX_TOKENS["sts"]
    assert call["grammar"] is not None  # the schema, compiled by llama.cpp
    assert call["prompt"].rstrip().endswith("language: English")


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_the_budget_fits_the_longest_answer_the_schema_allows(kind):
    adapter = CompactObjectAdapter()
    for num_words in (50, 100, 300):
        inputs = {**_inputs(kind), "num_words": num_words}
        longest = sum(high for _, high in field_bounds(kind, inputs).values())
        assert adapter.budget(kind, inputs) * 3 >= longest
        assert adapter.budget(kind, inputs) >= MAX_TOKENS[kind]


def test_a_budget_the_call_sets_wins(make_lm, fake_factory):
    lm = make_lm(engine_options={"prompt_style": "completion"})
    lm.engine.load()
    fake_factory.llama.reply = json.dumps(STS_ANSWER)
    with dspy.context(lm=lm, adapter=CompactObjectAdapter(style="completion")):
        dspy.Predict(STS)(**STS_INPUTS, config={"max_tokens": 77})
    assert fake_factory.llama.calls[-1]["max_tokens"] == 77


@pytest.mark.parametrize(
    "answer",
    [
        '{"S1": "sentence", "S2": "college"}',  # a field missing
        '{"S1": "a", "S2": "b", "S3": "c", "S4": "d"}',  # an extra field
        '{"S1": "a", "S2": "b", "S3": 3}',  # not a string
        '["a", "b", "c"]',  # not an object
        '{"S1": "a", "S2": "b", "S3": "c",}',  # trailing comma: no repair
        '```json\n{"S1": "a", "S2": "b", "S3": "c"}\n```',  # fence: no repair
        'Here it is: {"S1": "a", "S2": "b", "S3": "c"}',
        '{"S1": "a\nb", "S2": "b", "S3": "c"}',  # raw newline inside a string
        "",
    ],
)
def test_parse_refuses_anything_but_the_exact_object(answer):
    with pytest.raises(AdapterParseError):
        CompactObjectAdapter().parse(STS, answer)


def test_parse_reads_the_object():
    assert CompactObjectAdapter().parse(STS, " " + json.dumps(STS_ANSWER) + "\n") == STS_ANSWER


def test_kind_comes_from_the_signature_or_is_given():
    adapter = CompactObjectAdapter()
    assert [adapter.kind_of(EXAMPLE_SIGNATURES[k]) for k in EXAMPLE_KINDS] == list(EXAMPLE_KINDS)

    class Other(dspy.Signature):
        """Write a haiku."""

        topic: str = dspy.InputField()
        haiku: str = dspy.OutputField()

    with pytest.raises(ConfigError, match="pass kind="):
        adapter.format(Other, [], {"topic": "rain"})
    with pytest.raises(ConfigError, match="unknown example kind"):
        CompactObjectAdapter(kind="poetry")
    with pytest.raises(ConfigError, match="unknown style"):
        CompactObjectAdapter(style="poem")


def test_example_adapter_for_picks_by_lm(make_lm):
    assert type(example_adapter_for(dspy.LM("openai/m"), "sts")).__name__ == "StrictChatAdapter"
    chosen = dspy.JSONAdapter()
    assert example_adapter_for(dspy.LM("openai/m"), "sts", chosen) is chosen
    local = make_lm(engine_options={"prompt_style": "completion"})
    adapter = example_adapter_for(local, "sts")
    assert isinstance(adapter, CompactObjectAdapter)
    assert adapter.style == "completion" and adapter.kind == "sts"


@pytest.mark.parametrize("kind", EXAMPLE_KINDS)
def test_the_grammar_writes_the_fields_in_the_signature_order(kind):
    """llama.cpp writes properties in the schema's order: the query before the documents
    (sorted keys made Gemma write a retrieval example's negative first, its query last)."""
    pytest.importorskip("llama_cpp")
    from embtaskgen.embedded.grammar import format_options, grammar_text

    schema = CompactObjectAdapter().schema(EXAMPLE_SIGNATURES[kind], _inputs(kind))
    (root,) = [line for line in grammar_text(json.dumps(schema)).splitlines() if line.startswith("root ::=")]
    positions = [root.index(name.replace("_", "-") + "-kv") for name in OUTPUT_FIELDS[kind]]
    assert positions == sorted(positions)
    assert format_options({"type": "json_schema", "schema": schema}, "completion")["grammar"] is not None
