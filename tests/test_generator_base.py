"""Both generators' GeneratorBase (embtaskgen/generator_base.py): settings, the lazy LM, copies."""

from __future__ import annotations

import copy

import dspy
import pytest

from embtaskgen import ConfigError, EmbeddingExampleGenerator, EmbeddingTaskGenerator, ExampleSettings
from embtaskgen.generator_base import GeneratorBase


def test_a_generator_refuses_settings_of_the_other_stage():
    with pytest.raises(ConfigError, match="settings must be a GenerationSettings, got ExampleSettings"):
        EmbeddingTaskGenerator(settings=ExampleSettings())
    example = EmbeddingExampleGenerator("sts", lm="openai/m")
    with pytest.raises(ConfigError, match="settings must be an ExampleSettings, got GenerationSettings"):
        example.with_settings(EmbeddingTaskGenerator(lm="openai/m").settings)


def test_with_settings_keeps_the_lm_unless_the_model_changes():
    gen = EmbeddingExampleGenerator("sts", count=1, lm=dspy.LM("openai/m"))
    more = gen.with_settings(gen.settings.replace(count=4))
    assert isinstance(more, EmbeddingExampleGenerator) and more.settings.count == 4 and gen.settings.count == 1
    assert more.lm is gen.lm and more.similarity_triplet is gen.similarity_triplet
    other = gen.with_settings(gen.settings.replace(lm="openai/other"))
    assert other.model_name == "openai/other" and gen.model_name == "openai/m"


def test_a_deep_copy_shares_the_resolved_lm_and_workers_follow_the_settings():
    gen = EmbeddingTaskGenerator("text-retrieval", concurrency=3, lm="openai/m")
    assert isinstance(gen, GeneratorBase) and copy.deepcopy(gen).lm is gen.lm
    assert gen.workers(10) == 3 and gen.workers(2) == 2
    assert gen.with_settings(gen.settings.replace(avoid_archive=5)).workers(10) == 1  # the archive: one at a time
