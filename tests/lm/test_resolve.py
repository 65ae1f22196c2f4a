import os

import dspy
import pytest
from scripted import scripted_lm

from embtaskgen.lm.resolve import lm_concurrency, resolve_lm
from embtaskgen.lm.spec import is_local_spec


def test_lm_object_is_used_as_is():
    lm = scripted_lm(["x"])
    assert resolve_lm(lm) is lm


def test_model_id_with_api_base():
    from openai_stub import OpenAIStub

    with OpenAIStub("raw", answer="hi") as stub:
        lm = resolve_lm("openai/served-model", api_base=stub.base_url)
        assert isinstance(lm, dspy.LM)
        assert lm.model == "openai/served-model"
        assert lm("hello") == ["hi"] and stub.calls == 1


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
    monkeypatch.setattr(
        "embtaskgen.embedded.catalog.load_local_lm", lambda spec, **kw: seen.update(spec=spec, **kw) or "lm"
    )
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
    from embtaskgen.embedded.adapter import CompactListAdapter
    from embtaskgen.lm.adapters import adapter_for

    chosen = CompactListAdapter(max_items=8)
    told = adapter_for(dspy.LM("openai/m"), "text-matching-long", chosen)
    assert told is not chosen and told.category == "text-matching-long" and told.max_items == 8
    assert chosen.category is None
    fixed = CompactListAdapter(category="text-retrieval")
    assert adapter_for(dspy.LM("openai/m"), "text-matching-long", fixed) is fixed


# --------------------------------------------------------------------------- served models
from openai_stub import OpenAIStub  # noqa: E402

from embtaskgen.lm.resolve import ENDPOINT_KEY_PREFIX, check_api_base, endpoint_key, known_secrets  # noqa: E402


def _ask(lm):
    return lm("Name one retrieval task.", temperature=1.0, rollout_id=7)[0]


def test_two_servers_behind_one_model_string_keep_their_own_cache_entries():
    """DSPy's cache key leaves api_base out; the endpoint setting puts it back in."""
    assert dspy.cache.enable_memory_cache  # the cache is on (conftest: a fresh memory cache)
    with OpenAIStub(answer='["from server A"]') as a, OpenAIStub(answer='["from server B"]') as b:
        first_a = _ask(resolve_lm("openai/stub", api_base=a.base_url))
        first_b = _ask(resolve_lm("openai/stub", api_base=b.base_url))
        again_a = _ask(resolve_lm("openai/stub", api_base=a.base_url + "/"))  # the same endpoint
        assert "from server A" in first_a and "from server B" in first_b
        assert again_a == first_a
        assert (a.calls, b.calls) == (1, 1)  # B got its own request; A's second answer came from the cache
        for request in a.requests + b.requests:  # nothing new on the wire
            assert not any(key.startswith(ENDPOINT_KEY_PREFIX) for key in request["body"])
            assert set(request["body"]) <= {"model", "messages", "temperature", "max_tokens", "seed"}


def test_the_endpoint_setting_is_none_and_kept_by_copies():
    lm = resolve_lm("openai/served-model", api_base="http://127.0.0.1:9/v1")
    (key,) = [k for k in lm.kwargs if k.startswith(ENDPOINT_KEY_PREFIX)]
    assert lm.kwargs[key] is None
    assert key in lm.copy(cache=False).kwargs


def test_endpoint_key_reads_the_environment_only_without_api_base(monkeypatch):
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert endpoint_key("openai/gpt-4o-mini", None) is None
    assert not any(k.startswith(ENDPOINT_KEY_PREFIX) for k in resolve_lm("openai/gpt-4o-mini").kwargs)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://gateway.internal/v1")
    assert endpoint_key("openai/gpt-4o-mini", None) == endpoint_key("openai/x", "http://gateway.internal/v1")
    assert endpoint_key("openai/gpt-4o-mini", "http://other/v1") != endpoint_key("openai/gpt-4o-mini", None)


def test_a_served_model_uses_the_local_price_list_unless_the_user_chose(monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "x")  # restored after the test
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP")
    resolve_lm("openai/served-model", api_base="http://127.0.0.1:9/v1")
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "true"
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "false")
    resolve_lm("openai/served-model", api_base="http://127.0.0.1:9/v1")
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "false"


@pytest.mark.parametrize("url", ["", "  ", "127.0.0.1:8000/v1", "ftp://host/v1", "http://", "http://h:99999/v1"])
def test_api_base_must_be_an_http_url(url):
    with pytest.raises(ValueError, match="api_base"):
        check_api_base(url)
    with pytest.raises(ValueError, match="api_base"):
        resolve_lm("openai/served-model", api_base=url)


def test_keys_given_to_the_model_are_known_secrets_the_placeholder_is_not(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    resolve_lm("openai/served-model", api_key="etg-explicit-key-4b1d9e", api_base="http://127.0.0.1:9/v1")
    resolve_lm(dspy.LM("openai/other", api_key="etg-object-key-77c2a0"))
    resolve_lm("openai/served-model", api_base="http://127.0.0.1:9/v1")
    assert {"etg-explicit-key-4b1d9e", "etg-object-key-77c2a0"} <= set(known_secrets())
    assert "not-needed" not in known_secrets()


@pytest.fixture
def connections(monkeypatch):
    """Every host a connection or a DNS lookup is attempted for; only loopback gets through."""
    import socket

    import dspy.clients.model_metadata as metadata

    monkeypatch.setattr(metadata, "_data", None)  # DSPy loads the metadata map again, in this test
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "x")  # restored after the test
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP")
    attempted = []
    connect, lookup = socket.create_connection, socket.getaddrinfo

    def create_connection(address, *args, **kwargs):
        attempted.append(address[0])
        if address[0] not in ("127.0.0.1", "localhost"):
            raise OSError("no network in tests")
        return connect(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        attempted.append(host)
        if host not in ("127.0.0.1", "localhost"):
            raise socket.gaierror("no network in tests")
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempted


@pytest.mark.parametrize("as_object", [False, True])
def test_a_served_run_connects_to_nothing_but_its_model(connections, as_object):
    """Issue 15: DSPy's model-metadata refresh tried the internet (5 s and a warning offline)."""
    from openai_stub import OpenAIStub

    from embtaskgen import EmbeddingTaskGenerator

    with OpenAIStub() as stub:
        if as_object:
            lm = dspy.LM("openai/stub", api_base=stub.base_url, api_key="x")
            gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm=lm)
        else:
            gen = EmbeddingTaskGenerator("text-retrieval", seed=1, lm="openai/stub", api_base=stub.base_url)
        assert len(gen().tasks) == 5 and len(stub.requests) == 1
    assert connections and set(connections) <= {"127.0.0.1"}
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "true"


def test_the_user_may_still_ask_for_the_metadata_download(connections, monkeypatch):
    """``LITELLM_LOCAL_MODEL_COST_MAP=false`` is left alone: DSPy then tries the internet (refused here)."""
    from openai_stub import OpenAIStub

    from embtaskgen import EmbeddingTaskGenerator

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "false")
    with OpenAIStub() as stub:
        lm = dspy.LM("openai/stub", api_base=stub.base_url, api_key="x")  # DSPy's own engine prices the call
        EmbeddingTaskGenerator("text-retrieval", seed=1, lm=lm)()
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "false"
    assert set(connections) - {"127.0.0.1"}  # the test above would see this


# ------------------------------------------- issue 21: credentials in api_base

CREDENTIAL_URLS = [
    "http://user:hunter2pw@127.0.0.1:8000/v1",
    "https://hunter2pw@api.example.com/v1",  # a token as the user part
    "http://:hunter2pw@127.0.0.1:8000/v1",
    "http://user:hunter2pw@127.0.0.1:99999/v1",  # a bad port too: still no echo of the password
]


@pytest.mark.parametrize("url", CREDENTIAL_URLS)
def test_credentials_in_api_base_are_refused_at_once_without_echoing_them(url):
    from embtaskgen import EmbeddingExampleGenerator, EmbeddingTaskGenerator
    from embtaskgen.errors import ConfigError

    attempts = [
        lambda: resolve_lm("openai/m", api_base=url),
        lambda: resolve_lm("openai/m", api_base=["http://127.0.0.1:8001/v1", url]),
        lambda: EmbeddingTaskGenerator("text-retrieval", lm="openai/m", api_base=url),
        lambda: EmbeddingTaskGenerator("text-retrieval", lm="openai/m", api_base=("http://127.0.0.1:8001/v1", url)),
        lambda: EmbeddingExampleGenerator(lm="openai/m", api_base=url),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigError, match="credentials") as refused:
            attempt()
        message = str(refused.value)
        assert "hunter2pw" not in message and "***@" in message, message
        assert "OPENAI_API_KEY" in message and "api_key=" in message, message
