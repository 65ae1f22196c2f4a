import random

import dspy
import pytest

from embtaskgen.errors import ConfigError
from embtaskgen.lm.strict_adapters import StrictChatAdapter, StrictJSONAdapter
from embtaskgen.settings import GenerationSettings, call_config, derive_id, derive_rng, fresh_seed


def test_derive_id_is_stable_and_distinct():
    ids = {derive_id(5, "text-retrieval", g) for g in range(100)}
    assert len(ids) == 100
    assert derive_id(5, "text-retrieval", 3) == derive_id(5, "text-retrieval", 3)
    assert derive_id(5, "text-retrieval", 3) != derive_id(6, "text-retrieval", 3)
    assert all(0 <= i < 2**31 for i in ids)


def test_derive_rng_does_not_touch_global_random():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    derive_rng(1, "x").random()
    fresh_seed()
    assert random.random() == expected
    assert derive_rng(1, "x").random() == derive_rng(1, "x").random()


# ---------------------------------------------------------- issue 15: entry checks


@pytest.mark.parametrize("name", ["frequency_penalty", "presence_penalty"])
@pytest.mark.parametrize("bad", [2.5, -3, float("nan"), float("inf"), "0.5", True])
def test_penalties_are_checked_at_entry(name, bad):
    with pytest.raises(ConfigError, match=rf"{name} must be a number in \[-2, 2\] or None"):
        GenerationSettings(lm="openai/m", **{name: bad})


def test_penalties_reach_the_call_config_only_when_set():
    assert "frequency_penalty" not in call_config(GenerationSettings(), 3, seed=False)
    settings = GenerationSettings(lm="openai/m", frequency_penalty=1, presence_penalty=-0.5)
    assert (settings.frequency_penalty, settings.presence_penalty) == (1.0, -0.5)
    config = call_config(settings, 3, seed=False)
    assert (config["frequency_penalty"], config["presence_penalty"], "seed" in config) == (1.0, -0.5, False)


def test_an_adapter_is_chosen_by_name_like_the_cli_or_given_as_an_object():
    assert GenerationSettings(lm="openai/m").adapter is None
    assert GenerationSettings(lm="openai/m", adapter="auto").adapter is None
    assert type(GenerationSettings(lm="openai/m", adapter="chat").adapter) is StrictChatAdapter
    assert type(GenerationSettings(lm="openai/m", adapter="JSON").adapter) is StrictJSONAdapter
    assert type(GenerationSettings(lm="openai/m", adapter="compact").adapter).__name__ == "CompactListAdapter"
    assert GenerationSettings(lm=None, adapter="compact").adapter is None  # the embedded model's tuned one
    mine = dspy.XMLAdapter()
    assert GenerationSettings(adapter=mine).adapter is mine
    with pytest.raises(ConfigError, match="unknown adapter 'xml'; choose from auto, chat, json, compact"):
        GenerationSettings(adapter="xml")
    with pytest.raises(ConfigError, match="unknown adapter of type int"):
        GenerationSettings(adapter=3)
