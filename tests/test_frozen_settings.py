"""One translation of pydantic's errors into ConfigError, for every settings object."""

import pytest
from pydantic import ValidationError

from embtaskgen.dedup.settings import DedupSettings
from embtaskgen.errors import ConfigError
from embtaskgen.examples.settings import ExampleSettings
from embtaskgen.frozen_settings import config_error
from embtaskgen.settings import GenerationSettings


@pytest.mark.parametrize(
    ("model", "options", "message"),
    [
        (ExampleSettings, {"examples_per_task": 0}, "examples_per_task must be an integer >= 1, got 0"),
        (ExampleSettings, {"count": True}, "count must be an integer >= 0, got True"),
        (ExampleSettings, {"max_num_words": 10}, "max_num_words must be an integer >= 50 or None, got 10"),
        (
            ExampleSettings,
            {"languages": "klingon"},
            "languages must be 'english' or 'paper', or a non-empty list of language names, got 'klingon'",
        ),
        (ExampleSettings, {"languages": ["German", " "]}, r"non-empty list of language names, got \['German', ' '\]"),
        (ExampleSettings, {"kinds": "nli"}, "unknown example kind 'nli'; valid kinds are"),  # its own check's message
        (ExampleSettings, {"kind": "sts"}, "unknown setting 'kind'; valid settings are adapter, api_base, concurrency"),
        (DedupSettings, {"shingles": "sentence"}, "shingles must be one of word, char, got 'sentence'"),
        (DedupSettings, {"engine": 3}, "engine must be one of rensa, got 3"),
        (DedupSettings, {"num_perm": 2000}, "num_perm must be an integer >= 16 and <= 1024, got 2000"),
        (DedupSettings, {"threshold": "0.5"}, r"threshold must be a number in \(0, 1\], got '0.5'"),
        (DedupSettings, {"shingle_size": 33}, "shingle_size must be an integer from 1 to 32, got 33"),
        (DedupSettings, {"treshold": 0.5}, "unknown setting 'treshold'; valid settings are engine, num_perm, seed"),
    ],
)
def test_a_bad_value_names_the_setting_the_value_and_the_valid_choices(model, options, message):
    with pytest.raises(ConfigError, match=message):
        model(**options)


def test_the_first_bad_field_in_declaration_order_is_the_one_reported():
    with pytest.raises(ConfigError, match="^num_perm must be"):
        DedupSettings(seed=-1, num_perm=4)


def test_every_settings_object_is_frozen_hashable_and_equal_by_value():
    for settings in (GenerationSettings(seed=1), ExampleSettings(seed=1), DedupSettings(seed=1)):
        with pytest.raises(ValidationError, match="frozen"):
            settings.seed = 2
        assert settings == type(settings)(seed=1) and hash(settings) == hash(type(settings)(seed=1))
        assert settings.replace(seed=2).seed == 2 and settings.seed == 1


def test_defaults_that_depend_on_other_fields_are_filled_in():
    assert DedupSettings(shingles="char").shingle_size == 4 and DedupSettings().shingle_size == 1
    assert DedupSettings(threshold=1).threshold == 1.0 and type(DedupSettings(threshold=1).threshold) is float
    assert ExampleSettings(languages=[" German "]).languages == ("German",)


def test_config_error_turns_any_validation_error_into_one_message():
    try:
        DedupSettings.model_validate({"seed": "x"})
    except ValidationError as error:
        translated = config_error(error, DedupSettings)
    assert isinstance(translated, ConfigError) and isinstance(translated, ValueError)
    assert str(translated) == "seed must be an integer >= 0, got 'x'"
