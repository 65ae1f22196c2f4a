"""Strict adapters: DSPy's prompt byte for byte, and a list[str] read as strict JSON only."""

from __future__ import annotations

import json

import dspy
import pytest
from dspy.adapters import ChatAdapter, JSONAdapter, XMLAdapter
from dspy.utils.exceptions import AdapterParseError
from openai_stub import OpenAIStub
from scripted import scripted_lm

from embtaskgen import EmbeddingTaskGenerator, run
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.lm.strict_adapters import (
    StrictChatAdapter,
    StrictJSONAdapter,
    default_adapter,
    is_string_list,
    loads_json,
    loads_string_list,
    strict_adapter,
)
from embtaskgen.runs.binding import run_settings
from embtaskgen.signatures import SIGNATURES

SIGNATURE = SIGNATURES["text-retrieval"]
INPUTS = {"num_tasks": 7, "topic": "marine biology", "avoid": ["Given a fish, find its habitat."]}
DEMO = {
    "num_tasks": 2,
    "topic": "law",
    "avoid": [],
    "tasks": ["Given a statute, find cases.", "Given a case, find rulings."],
}
SERVED = dspy.LM("openai/m", api_base="http://127.0.0.1:1/v1", api_key="x")


def chat(field_text: str) -> str:
    return f"[[ ## tasks ## ]]\n{field_text}\n\n[[ ## completed ## ]]"


# ---------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["A.", "B."]', ["A.", "B."]),
        ("[]", []),
        ('  ["A."]\n', ["A."]),
        ('["A.", "B.",]', ["A.", "B."]),
        ('[\n  "A.",\n  "B.",\n]', ["A.", "B."]),
        ('```json\n["A."]\n```', ["A."]),
        ('```JSON\n["A.",]\n```', ["A."]),
        ('```\n["A."]\n```', ["A."]),
        ('["a,]", "b,",]', ["a,]", "b,"]),  # commas inside strings are the model's
        ('["say \\"x,\\" ]", "c",]', ['say "x," ]', "c"]),
        ('["two\nlines"]', ["two\nlines"]),  # a raw newline in a string is still its string
        ('["\\ud83d"]', ["\ud83d"]),  # parsed as sent; sanitised before it is stored
    ],
)
def test_json_lists_of_strings_parse(text, expected):
    assert loads_string_list(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[__import__('os').system('x'), 'b']",
        "['single', 'quoted']",
        "[1, 2, 3]",
        '["A.", 2]',
        '[{"task": "A."}]',
        '[["A."]]',
        '{"tasks": ["A."]}',
        '"A."',
        "null",
        "",
        '["unterminated',
        'Sure: ["A."]',
        '["A."] and more',
        '```python\n["A."]\n```',
        '["A.",,]',
        "[,]",
        '[,"A."]',
        "{,}",
        '["A." "B."]',
        "- A.\n- B.",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        loads_string_list(text)


def test_only_syntax_is_repaired():
    assert loads_json('{"tasks": ["A.",],}') == {"tasks": ["A."]}
    assert loads_json("[1, 2,]") == [1, 2]
    with pytest.raises(ValueError):
        loads_json("{'tasks': ['A.']}")
    assert is_string_list(list[str]) and not is_string_list(list[int]) and not is_string_list(str)


# ----------------------------------------------------------- the adapters' parsing


def test_the_chat_adapter_refuses_what_dspy_repairs():
    hostile = chat("[__import__('os').system('x'), 'b']")
    assert ChatAdapter().parse(SIGNATURE, hostile)["tasks"][0].startswith("import__")  # DSPy's json_repair
    with pytest.raises(AdapterParseError) as info:
        StrictChatAdapter().parse(SIGNATURE, hostile)
    assert info.value.lm_response == hostile and info.value.adapter_name == "StrictChatAdapter"


@pytest.mark.parametrize(
    ("completion", "tasks"),
    [
        (chat('["A.", "B."]'), ["A.", "B."]),
        (chat('```json\n["A.", "B.",]\n```'), ["A.", "B."]),
        ('[[ ## tasks ## ]] ["A."]\n[[ ## completed ## ]]', ["A."]),  # value on the header line
        (chat('["A."]') + "\n[[ ## tasks ## ]]\n[1]", ["A."]),  # the first section counts, as in DSPy
    ],
)
def test_the_chat_adapter_reads_sections_as_dspy_does(completion, tasks):
    assert StrictChatAdapter().parse(SIGNATURE, completion) == {"tasks": tasks}
    assert ChatAdapter().parse(SIGNATURE, completion) == {"tasks": tasks}


@pytest.mark.parametrize("completion", [chat("[1, 2]"), chat('[{"a": 1}]'), "no sections at all", chat("")])
def test_the_chat_adapter_raises_a_parse_error(completion):
    with pytest.raises(AdapterParseError):
        StrictChatAdapter().parse(SIGNATURE, completion)


def test_other_output_types_are_parsed_as_dspy_parses_them():
    signature = dspy.Signature("question -> answer: int, tags: list[str]")
    completion = '[[ ## answer ## ]]\n42\n\n[[ ## tags ## ]]\n["a"]\n\n[[ ## completed ## ]]'
    assert StrictChatAdapter().parse(signature, completion) == {"answer": 42, "tags": ["a"]}


def test_the_json_adapter_reads_a_strict_object():
    adapter = StrictJSONAdapter()
    assert adapter.parse(SIGNATURE, '{"tasks": ["A."]}') == {"tasks": ["A."]}
    assert adapter.parse(SIGNATURE, '```json\n{"tasks": ["A.",],}\n```') == {"tasks": ["A."]}
    for completion in (
        '{"tasks": [__import__("os")]}',
        '{"tasks": "[\\"A.\\"]"}',
        '{"tasks": [1]}',
        'Here: {"tasks": ["A."]}',
        '["A."]',
        '{"other": ["A."]}',
    ):
        with pytest.raises(AdapterParseError):
            adapter.parse(SIGNATURE, completion)


def test_dspys_json_fallback_is_strict_too():
    """A chat answer that fails makes DSPy try its JSON adapter once; that one is strict too."""
    lm = scripted_lm(["{\"tasks\": [__import__('os').system('x')]}"] * 2)
    assert isinstance(StrictChatAdapter()._make_json_adapter_fallback(), StrictJSONAdapter)
    with dspy.context(lm=lm, adapter=StrictChatAdapter()), pytest.raises(AdapterParseError) as info:
        dspy.Predict(SIGNATURE)(**INPUTS)
    assert info.value.adapter_name == "StrictJSONAdapter" and len(lm.engine.requests) == 2


# ------------------------------------------------------------- the same prompt


@pytest.mark.parametrize("category", list(SIGNATURES))
@pytest.mark.parametrize("demos", [[], [DEMO]])
def test_the_prompt_is_dspys_byte_for_byte(category, demos):
    signature = SIGNATURES[category]
    assert StrictChatAdapter().format(signature, demos, dict(INPUTS)) == ChatAdapter().format(
        signature, demos, dict(INPUTS)
    )
    assert StrictJSONAdapter().format(signature, demos, dict(INPUTS)) == JSONAdapter().format(
        signature, demos, dict(INPUTS)
    )


def test_the_request_on_the_wire_is_the_same_as_with_dspys_adapter(monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "true")
    with OpenAIStub() as stub:
        for adapter in (None, ChatAdapter()):  # the library's choice (strict), then DSPy's own
            dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
            gen = EmbeddingTaskGenerator(
                "text-retrieval", seed=4, lm="openai/stub", api_base=stub.base_url, adapter=adapter, num_generations=2
            )
            assert len(gen().tasks) == 10
        bodies = [json.dumps(r["body"], sort_keys=True) for r in stub.requests]
    assert len(bodies) == 4 and sorted(bodies[:2]) == sorted(bodies[2:])


# ------------------------------------------------------------------- the choice


def test_served_models_get_the_strict_twin_of_dspys_adapter():
    assert type(adapter_for(SERVED, "text-retrieval")) is StrictChatAdapter
    assert type(adapter_for(SERVED)) is StrictChatAdapter
    configured = ChatAdapter(use_json_adapter_fallback=False)
    with dspy.context(adapter=configured):
        strict = adapter_for(SERVED, "text-retrieval")
    assert type(strict) is StrictChatAdapter and strict.use_json_adapter_fallback is False
    assert type(configured) is ChatAdapter  # the user's adapter is not changed
    with dspy.context(adapter=JSONAdapter(use_native_function_calling=False)):
        strict = adapter_for(SERVED, "text-retrieval")
    assert type(strict) is StrictJSONAdapter and strict.use_native_function_calling is False
    with dspy.context(adapter=XMLAdapter()):
        assert adapter_for(SERVED, "text-retrieval") is None  # not DSPy's Chat or JSON adapter: left alone
    chosen = ChatAdapter()
    assert adapter_for(SERVED, "text-retrieval", chosen) is chosen
    already = StrictChatAdapter()
    assert strict_adapter(already) is already


def test_a_run_keeps_its_memoised_prompt():
    """run_settings memoises DSPy's adapter; the strict twin of it renders through that memo."""
    rendered = []
    base = ChatAdapter()
    render = base.format
    base.format = lambda *args: rendered.append(1) or render(*args)
    with dspy.context(adapter=base), dspy.context(**run_settings()):
        strict = adapter_for(SERVED, "text-retrieval")
        assert type(strict) is StrictChatAdapter and strict.format is dspy.settings.adapter.format
        first = strict.format(SIGNATURE, [], dict(INPUTS))
        second = adapter_for(SERVED, "text-retrieval").format(SIGNATURE, [], dict(INPUTS))
    assert first == second == ChatAdapter().format(SIGNATURE, [], dict(INPUTS))
    assert len(rendered) == 1


def test_a_served_model_that_takes_a_json_schema_gets_it_by_default(tmp_path):
    """#22 item 4: LiteLLM says gpt-4o-mini takes a schema: the run sends the signature's, and parses strictly."""

    def json_tasks(body):
        return 200, json.dumps({"tasks": ["Given a claim, retrieve documents that support it."]})

    with OpenAIStub(json_tasks) as stub:
        gen = EmbeddingTaskGenerator(
            "text-retrieval", num_generations=1, seed=1, lm="openai/gpt-4o-mini", api_base=stub.base_url
        )
        summary = run(gen, tmp_path / "t.jsonl", progress=False)
        (request,) = stub.requests
    assert summary.ok == 1
    response_format = request["body"]["response_format"]
    assert response_format["type"] == "json_schema"
    assert "tasks" in json.dumps(response_format["json_schema"])
    with OpenAIStub() as stub:  # a model LiteLLM does not know keeps the chat format
        gen = EmbeddingTaskGenerator(
            "text-retrieval", num_generations=1, seed=1, lm="openai/stub", api_base=stub.base_url
        )
        run(gen, tmp_path / "u.jsonl", progress=False)
        (request,) = stub.requests
    assert "response_format" not in request["body"]
    assert "[[ ## tasks ## ]]" in request["body"]["messages"][-1]["content"]


def test_the_default_adapter_follows_the_map_and_a_chosen_one_wins():
    assert isinstance(default_adapter(dspy.LM("openai/gpt-4o-mini")), JSONAdapter)
    assert type(default_adapter(dspy.LM("openai/my-server"))) is ChatAdapter
    assert type(adapter_for(dspy.LM("openai/gpt-4o-mini"), "text-retrieval")).__name__ == "StrictJSONAdapter"
    with dspy.context(adapter=ChatAdapter()):
        assert type(adapter_for(dspy.LM("openai/gpt-4o-mini"), "text-retrieval")).__name__ == "StrictChatAdapter"
    chosen = EmbeddingTaskGenerator("text-retrieval", lm="openai/gpt-4o-mini", adapter="chat")
    assert type(adapter_for(chosen.lm, "text-retrieval", chosen=chosen.adapter)).__name__ == "StrictChatAdapter"


def test_an_engine_object_declares_its_schema_support_and_no_model_map_is_read():
    import subprocess
    import sys

    code = (
        "import sys, dspy\n"
        "from dspy.adapters import ChatAdapter, JSONAdapter\n"
        "from embtaskgen.lm.strict_adapters import default_adapter\n"
        "class Engine:\n"
        "    def complete(self, request): raise AssertionError\n"
        "declared = Engine(); declared.supports_response_schema = True\n"
        "print(type(default_adapter(dspy.LM('openai/gpt-4o-mini', engine=Engine()))).__name__,\n"
        "      type(default_adapter(dspy.LM('bench/custom', engine=declared))).__name__,\n"
        "      'litellm' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["ChatAdapter", "JSONAdapter", "False"]
