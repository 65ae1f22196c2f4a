import dspy
import pytest
from scripted import scripted_lm

from embtaskgen.lm.resolve import lm_concurrency, resolve_lm
from embtaskgen.lm.spec import is_local_spec


def test_lm_object_is_used_as_is():
    lm = scripted_lm(["x"])
    assert resolve_lm(lm) is lm


def test_model_id_with_api_base():
    lm = resolve_lm("openai/served-model", api_base="http://127.0.0.1:9/v1")
    assert isinstance(lm, dspy.LM)
    assert lm.model == "openai/served-model"
    assert lm.kwargs["api_base"] == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("spec", [None, "local", "local:smollm2", "local:/tmp/x.gguf"])
def test_local_specs(spec):
    assert is_local_spec(spec)


def test_api_base_with_local_model_is_refused():
    with pytest.raises(ValueError, match="api_base"):
        resolve_lm("local:smollm2", api_base="http://x")


def test_no_repeat_only_for_embedded_models(monkeypatch):
    for spec in ("openai/served-model", scripted_lm(["x"])):
        with pytest.raises(ValueError, match="applies to the embedded models"):
            resolve_lm(spec, no_repeat=0)
    seen = {}
    monkeypatch.setattr("embtaskgen.lm.local.catalog.load_local_lm", lambda spec, **kw: seen.update(spec=spec, **kw) or "lm")
    assert resolve_lm("local:smollm2", no_repeat=0.5) == "lm"
    assert seen == {"spec": "smollm2", "max_tokens": None, "no_repeat": 0.5}


def test_bad_types():
    with pytest.raises(TypeError, match="dspy.BaseLM"):
        resolve_lm(42)
    with pytest.raises(ValueError, match="empty"):
        resolve_lm("  ")


def test_concurrency_capped_by_engine():
    lm = scripted_lm(["x"])
    assert lm_concurrency(lm, None) == 8
    lm.engine.max_concurrency = 1
    assert lm_concurrency(lm, 16) == 1
    with pytest.raises(ValueError):
        lm_concurrency(lm, 0)


def test_a_chosen_compact_adapter_without_category_is_told_the_category_of_each_call():
    from embtaskgen import CompactListAdapter, adapter_for

    chosen = CompactListAdapter(max_items=8)
    told = adapter_for(dspy.LM("openai/m"), "text-matching-long", chosen)
    assert told is not chosen and told.category == "text-matching-long" and told.max_items == 8
    assert chosen.category is None
    fixed = CompactListAdapter(category="text-retrieval")
    assert adapter_for(dspy.LM("openai/m"), "text-matching-long", fixed) is fixed
