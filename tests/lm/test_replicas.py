"""Several ``api_base`` URLs: validation at entry, deterministic routing, one cache namespace."""

from __future__ import annotations

import dspy
import pytest
from openai_stub import OpenAIStub

from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.brainstorm.stage import RunIdentity
from embtaskgen.errors import ConfigError
from embtaskgen.examples.settings import ExampleSettings
from embtaskgen.lm.replicas import ReplicaLM
from embtaskgen.lm.resolve import ENDPOINT_KEY_PREFIX, resolve_lm
from embtaskgen.runs.binding import bind_for_run
from embtaskgen.runs.journal import public_urls
from embtaskgen.runs.summary_file import secrets_of
from embtaskgen.settings import GenerationSettings

A, B = "http://127.0.0.1:8000/v1", "http://127.0.0.1:8001/v1"


def _endpoint_keys(lm: dspy.BaseLM) -> list[str]:
    return [key for key in lm.kwargs if key.startswith(ENDPOINT_KEY_PREFIX)]


@pytest.mark.parametrize("settings", [GenerationSettings, ExampleSettings])
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([A, "127.0.0.1:8001/v1"], "http:// or https://"),
        ([A, A + "/"], "twice"),
        ([], "empty list"),
        ([A, 8001], "URL string"),
        ({"url": A}, "list of URL strings"),
    ],
)
def test_a_bad_list_is_refused_at_entry_naming_the_problem(settings, bad, message):
    with pytest.raises(ConfigError, match=message):
        settings(lm="openai/m", api_base=bad)


def test_one_url_in_a_list_is_the_single_url_path():
    assert GenerationSettings(lm="openai/m", api_base=[A]).api_base == A
    one, listed = resolve_lm("openai/m", api_base=A), resolve_lm("openai/m", api_base=[A])
    assert type(one) is type(listed) is dspy.LM
    assert one.kwargs == listed.kwargs  # same endpoint key: same cache entries as before


def test_replicas_share_one_cache_namespace_made_from_the_set():
    both = resolve_lm("openai/m", api_base=[A, B])
    assert isinstance(both, ReplicaLM) and both.api_bases == (A, B)
    assert _endpoint_keys(both) == _endpoint_keys(resolve_lm("openai/m", api_base=(B, A + "/")))
    assert _endpoint_keys(both) != _endpoint_keys(resolve_lm("openai/m", api_base=A))
    assert _endpoint_keys(both) != _endpoint_keys(resolve_lm("openai/m", api_base=[A, "http://127.0.0.1:8002/v1"]))


def test_a_call_goes_to_the_replica_its_rollout_id_names_and_the_run_copy_keeps_it():
    with OpenAIStub() as a, OpenAIStub() as b:
        lm = bind_for_run(resolve_lm("openai/m", api_base=[a.base_url, b.base_url]), on_cost=lambda cost: None)
        assert isinstance(lm, ReplicaLM)
        for rollout_id in (10, 11, 12, 13, 15):
            lm("hello", rollout_id=rollout_id, temperature=1.0)
        assert (a.calls, b.calls) == (2, 3)
        lm("hello")
        lm("hello")  # no rollout id: the next replica in turn
        assert a.calls + b.calls == 7 and min(a.calls, b.calls) >= 3


def test_a_generator_spreads_its_planned_calls_the_same_way_for_the_same_seed():
    with OpenAIStub() as a, OpenAIStub() as b:
        gen = EmbeddingTaskGenerator(
            "text-retrieval", lm="openai/m", api_base=[a.base_url, b.base_url], seed=3, num_generations=1
        )
        lm = bind_for_run(gen.lm, on_cost=lambda cost: None)
        seen = []
        for _ in range(2):
            before = (a.calls, b.calls)
            for generation in range(24):
                gen.call("text-retrieval", generation, 3, lm=lm)
            seen.append((a.calls - before[0], b.calls - before[1]))
    assert seen[0] == seen[1]
    assert 6 <= seen[0][0] <= 18  # about half each


def test_the_identity_records_the_list_and_secrets_cover_every_url():
    gen = EmbeddingTaskGenerator("text-retrieval", lm="openai/m", api_base=[A, B])
    assert RunIdentity.of(gen).api_base == [A, B]
    # api_base refuses credentials; an LM object built by hand may still carry them
    assert public_urls(["http://u:pw-one@h1:8000/v1", B]) == ["http://h1:8000/v1", B]
    lm = ReplicaLM("openai/m", [A, "http://u:pw-two@h2:8000/v1"], api_key="x")
    assert "pw-two" in secrets_of(EmbeddingTaskGenerator("text-retrieval", lm=lm))
    assert public_urls(None) is None and public_urls(A) == A


def test_resume_may_change_replicas_but_not_a_single_url_or_the_model():
    def identity(api_base, model="openai/m"):
        return RunIdentity.of(EmbeddingTaskGenerator("text-retrieval", lm=model, api_base=api_base, seed=1))

    assert identity([A, B]).mismatch(identity(A)) is None
    assert identity(A).mismatch(identity([A, B])) is None
    assert identity([A, B]).mismatch(identity([B, "http://127.0.0.1:8002/v1"])) is None
    assert "api_base" in identity(A).mismatch(identity(B))
    assert "model_name" in identity([A, B]).mismatch(identity([A, B], model="openai/other"))


def test_an_explicit_request_and_an_async_call_are_routed_too():
    import asyncio

    from dspy import lm15

    with OpenAIStub() as a, OpenAIStub() as b:
        lm = resolve_lm("openai/m", api_base=[a.base_url, b.base_url]).copy(cache=False)
        request = lm15.Request(model="openai/m", messages=(lm15.Message.user("hi"),))
        for rollout_id in (2, 3, 5):
            lm(request, rollout_id=rollout_id)
        assert (a.calls, b.calls) == (1, 2) and len(lm.history) == 3
        asyncio.run(lm.acall("hello", rollout_id=4))
        assert (a.calls, b.calls) == (2, 2)
