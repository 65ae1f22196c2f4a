import pickle

import dspy
import pytest
from pydantic import ValidationError

from embtaskgen.errors import ConfigError
from embtaskgen.lm.strict_adapters import StrictChatAdapter, StrictJSONAdapter
from embtaskgen.settings import GenerationSettings, call_config
from embtaskgen.signatures.categories import CATEGORIES

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


# ------------------------------------------- issue 20: pydantic errors, translated once


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"num_generations": 0}, "num_generations must be an integer >= 1, got 0"),
        ({"num_tasks": True}, "num_tasks must be an integer >= 1, got True"),
        ({"concurrency": 1.5}, "concurrency must be an integer >= 1 or None, got 1.5"),
        ({"max_tokens": "300"}, "max_tokens must be an integer >= 1 or None, got '300'"),
        ({"temperature": float("nan")}, r"temperature must be a number in \[0, 2\], got nan"),
        ({"temperature": "1"}, r"temperature must be a number in \[0, 2\], got '1'"),
        ({"seed": 1.0}, "seed must be an integer or None, got 1.0"),
        ({"topic": 3}, "topic must be a string, got 3"),
        ({"few_shot": -1}, "few_shot must be between 0 and 8, got -1"),
        ({"avoid_archive": -2}, "avoid_archive must be an integer >= 0, got -2"),
        ({"categories": "retrieval"}, "text-retrieval, text-matching-short"),  # its own check's message
        ({"topic_pool": []}, "topic pool is empty"),
        ({"api_base": []}, "api_base is an empty list"),
        ({"num_generation": 2}, "unknown setting 'num_generation'; valid settings are adapter, api_base, "),
    ],
)
def test_a_bad_value_is_a_config_error_that_names_the_setting_and_the_valid_choices(options, message):
    with pytest.raises(ConfigError, match=message) as caught:
        GenerationSettings(**options)
    assert isinstance(caught.value, ValueError) and caught.value.__cause__ is None


def test_build_names_the_options_it_takes():
    with pytest.raises(
        ConfigError, match="unknown setting 'flatten'; valid settings are adapter, api_base, avoid_archive"
    ):
        GenerationSettings.build("all", flatten=True)


def test_settings_are_frozen_and_a_change_is_a_new_validated_object():
    settings = GenerationSettings(num_generations=2, seed=7)
    with pytest.raises(ValidationError, match="frozen"):
        settings.num_generations = 3  # type: ignore[misc]
    assert settings.replace(num_generations=3, seed=None) == GenerationSettings(num_generations=3, seed=7)
    assert settings.replace() is settings
    assert settings.copy_with(seed=None).seed is None
    with pytest.raises(ConfigError, match="num_generations must be an integer >= 1, got 0"):
        settings.replace(num_generations=0)
    assert settings == GenerationSettings(num_generations=2, seed=7) and len({settings, settings.replace()}) == 1


def test_values_are_normalised_once_where_they_enter():
    settings = GenerationSettings(categories="all", temperature=1, flatten=1, topic_pool=["law", 3])
    assert settings.categories == CATEGORIES and settings.temperature == 1.0 and type(settings.temperature) is float
    assert settings.flatten is True and settings.topic_pool == ("law", "3")
    assert GenerationSettings(api_base=["http://a:8000/v1"]).api_base == "http://a:8000/v1"


def test_settings_survive_pickling_for_ray_workers():
    settings = GenerationSettings(categories=("text-retrieval",), seed=3, lm="openai/m", adapter="chat")
    again = pickle.loads(pickle.dumps(settings))
    assert again.categories == settings.categories and type(again.adapter) is StrictChatAdapter


@pytest.mark.parametrize(
    "api_base", ["http://u:hunter2pw@a:8000/v1", ["http://a:8000/v1", "http://hunter2pw@b:8000/v1"]]
)
def test_credentials_in_api_base_are_refused_where_the_settings_enter(api_base):
    with pytest.raises(ConfigError, match="must not hold credentials") as refused:
        GenerationSettings(api_base=api_base)
    assert "hunter2pw" not in str(refused.value)
