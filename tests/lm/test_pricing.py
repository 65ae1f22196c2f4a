"""One price per model id from LiteLLM's local map; None, honestly, for an id it does not know."""

from __future__ import annotations

import json

import pytest

from embtaskgen.lm.pricing import price_of, price_soon, supports_json_schema, usage_cost
from embtaskgen.lm.tokens import count_prompt_tokens, tokenizer_note


def test_a_known_model_has_online_and_batch_prices_from_the_map():
    price = price_of("openai/gpt-4o-mini")
    assert price is not None and price.batch_source == "map"
    assert price.cost(1_000_000, 0) == pytest.approx(0.15)
    assert price.cost(0, 1_000_000) == pytest.approx(0.60)
    assert price.cost(1_000_000, 1_000_000, batch=True) == pytest.approx(0.375)


def test_without_a_batch_price_in_the_map_batch_is_half_of_online(monkeypatch):
    from embtaskgen.lm import pricing

    real = pricing._model_facts

    def no_batch(model):
        facts = dict(real(model))
        facts.pop("input_cost_per_token_batches", None)
        facts.pop("output_cost_per_token_batches", None)
        return facts

    price_of.cache_clear()
    monkeypatch.setattr(pricing, "_model_facts", no_batch)
    try:
        price = price_of("openai/gpt-4o-mini")
        assert price is not None and price.batch_source == "half"
        assert price.cost(1000, 100, batch=True) == pytest.approx(price.cost(1000, 100) / 2)
    finally:
        price_of.cache_clear()


@pytest.mark.parametrize("model", ["openai/stub", "hosted_vllm/qwen", "local/smollm2", "", "m"])
def test_an_unknown_model_has_no_price(model, capsys):
    assert price_of(model) is None
    assert usage_cost({model: {"prompt_tokens": 10, "completion_tokens": 5}}) is None
    assert capsys.readouterr().out == ""  # LiteLLM's "Provider List" lines stay off stdout


def test_usage_cost_sums_the_models_of_a_call_and_counts_an_empty_usage_as_free():
    one = usage_cost({"openai/gpt-4o-mini": {"prompt_tokens": 1000, "completion_tokens": 100}})
    two = usage_cost(
        {
            "openai/gpt-4o-mini": {"prompt_tokens": 1000, "completion_tokens": 100},
            "gpt-4o-mini": {"prompt_tokens": 1000, "completion_tokens": 100},
        }
    )
    assert one == pytest.approx(0.00021) and two == pytest.approx(2 * one)
    assert usage_cost({}) == 0.0
    assert usage_cost({"openai/stub": {"prompt_tokens": 0, "completion_tokens": 0}}) == 0.0


def test_json_schema_support_comes_from_the_map():
    assert supports_json_schema("openai/gpt-4o-mini") is True
    assert supports_json_schema("openai/stub") is False
    assert supports_json_schema("") is False


def test_prompt_tokens_are_counted_and_the_tokenizer_stated():
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "word " * 100}]
    assert count_prompt_tokens("openai/gpt-4o-mini", messages) > 100
    assert "tokenizer" in tokenizer_note("openai/gpt-4o-mini")
    assert tokenizer_note("openai/stub").startswith("approximation")


def test_an_embedded_model_needs_no_litellm_import():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from embtaskgen.lm.pricing import price_of, supports_json_schema, usage_cost\n"
        "assert price_of('local/smollm2-abc') is None and not supports_json_schema('local/smollm2-abc')\n"
        "assert usage_cost({'local/smollm2-abc': {'prompt_tokens': 5, 'completion_tokens': 5}}) is None\n"
        "print('litellm' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_price_is_read_in_a_child_while_litellm_is_not_imported_here():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from embtaskgen.lm.pricing import price_of\n"
        "price = price_of('openai/gpt-4o-mini')\n"
        "print(round(price.cost(1000, 100), 6), price.batch_source, price_of('openai/stub'))\n"
        "print('litellm' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0.00021", "map", "None", "False"]


def test_the_child_prints_an_empty_entry_for_an_unknown_id_and_refuses_no_id():
    import subprocess
    import sys

    from embtaskgen.lm import price_child

    unknown = subprocess.run([sys.executable, price_child.__file__, "openai/stub"], capture_output=True, text=True)
    assert unknown.returncode == 0
    assert json.loads(unknown.stdout) == {}
    usage = subprocess.run([sys.executable, price_child.__file__], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_price_soon_looks_a_model_up_once():
    first, second = price_soon("openai/gpt-4o-mini"), price_soon("openai/gpt-4o-mini")
    assert first is second
    assert first.result(timeout=300) == price_of("openai/gpt-4o-mini")
