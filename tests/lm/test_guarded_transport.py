"""A served model's transport: a whole-request deadline, an answer-size cap, replica failover."""

from __future__ import annotations

import threading

import dspy
import pytest
from openai_stub import OpenAIStub

from embtaskgen.errors import ConfigError
from embtaskgen.execute.faults import error_text, is_transient
from embtaskgen.lm.guarded_transport import _redacted
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.settings import GenerationSettings

#: Generous: a call the deadline does not end runs for minutes (DSPy's own read timeout).
_GUARD = 30


def _fail(lm: dspy.BaseLM) -> BaseException:
    """The error of one call on ``lm`` (run in a thread so that a call that never ends fails the test)."""
    errors: list[BaseException] = []

    def call() -> None:
        try:
            lm("hello")
        except Exception as exc:  # noqa: BLE001 - the error is what is checked
            errors.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(_GUARD)
    assert not thread.is_alive(), "the call did not end at its deadline"
    assert errors, "the call returned an answer"
    return errors[0]


@pytest.mark.parametrize("mode", ["hang", "drip"])
def test_a_silent_or_dripping_server_ends_the_call_at_the_deadline_as_a_transient_error(mode):
    with OpenAIStub(mode) as stub:
        lm = resolve_lm("openai/m", api_base=stub.base_url, timeout=0.3).copy(num_retries=0)
        error = _fail(lm)
    assert is_transient(error), error_text(error)
    assert "--timeout" in error_text(error) or "timed out" in error_text(error).lower()


@pytest.mark.parametrize("size", [None, 300_000])
def test_a_large_or_endless_answer_is_cut_off_not_retried_not_cached(size):
    with OpenAIStub("huge", size=size) as stub:
        lm = resolve_lm("openai/m", api_base=stub.base_url, max_response_bytes=100_000)
        error = _fail(lm)
        assert stub.calls == 1  # DSPy's retries do not ask again
        assert not is_transient(error)
        assert "--max-response-bytes" in error_text(error)
        with OpenAIStub("raw", answer="small") as small:  # the cache holds nothing for the prompt
            lm_small = resolve_lm("openai/m", api_base=small.base_url)
            assert lm_small("hello") == ["small"] and small.calls == 1


def test_an_answer_under_the_limit_is_read_whole():
    with OpenAIStub("huge", size=50_000) as stub:
        lm = resolve_lm("openai/m", api_base=stub.base_url, max_response_bytes=100_000).copy(cache=False)
        assert lm("hello") == ["a" * 50_000]


@pytest.mark.parametrize("bad", [0, -1.5, float("inf"), "10", True])
def test_a_bad_timeout_is_refused_naming_the_valid_values(bad):
    with pytest.raises(ConfigError, match="timeout must be a number of seconds > 0"):
        GenerationSettings(timeout=bad)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1000"])
def test_a_bad_response_limit_is_refused(bad):
    with pytest.raises(ConfigError, match="max_response_bytes must be an integer >= 1"):
        GenerationSettings(max_response_bytes=bad)


def test_the_key_a_server_echoes_is_redacted_before_dspy_parses_or_caches_the_answer(monkeypatch, tmp_path):
    monkeypatch.setenv("EMBTASKGEN_TEST_TOKEN", "env-token-4471")
    answer = "key {authorization} and env-token-4471"
    redacted = ["key Bearer [REDACTED] and [REDACTED]"]
    with dspy.context(cache=dspy.clients.cache.Cache(True, True, str(tmp_path))):
        with OpenAIStub("raw", answer=answer) as stub:
            lm = resolve_lm("openai/m", api_base=stub.base_url, api_key="sk-echo-key-9f3e2d1c")
            assert lm("hello", rollout_id=1) == redacted
        assert lm("hello", rollout_id=1) == redacted and stub.calls == 1  # DSPy's cache answers, redacted


def test_a_key_split_between_two_chunks_is_redacted():
    chunks = [b'{"a": "xx sk-ech', b"o-key-9f3e2d", b'1c yy"}']
    assert b"".join(_redacted(iter(chunks), [b"sk-echo-key-9f3e2d1c"])) == b'{"a": "xx [REDACTED] yy"}'


class _EndlessAnswer:
    """What the inner HTTP transport returns for the provider's own endpoint here: 200, then 'a' forever."""

    status, reason, headers, http_version = 200, "OK", [("content-type", "application/json")], "HTTP/1.1"

    def __iter__(self):
        yield b'{"choices": [{"message": {"role": "assistant", "content": "'
        while True:
            yield b"a" * 65536

    def close(self) -> None:
        pass


def test_a_providers_own_endpoint_is_capped_too(monkeypatch):
    """Issue 21: without --api-base the answer was read whole (no size cap), the timeout per wait only."""
    import embtaskgen.lm.guarded_transport as guarded

    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-provider-endpoint")
    asked: list[str] = []

    class Offline:  # stands in for the network: the request is what the provider would be sent
        def __init__(self, **_timeouts: float) -> None:
            pass

        def stream(self, request):
            asked.append(request.url)
            return _EndlessAnswer()

    monkeypatch.setattr(guarded, "StdlibTransport", Offline)
    lm = resolve_lm("openai/gpt-4o-mini", max_response_bytes=100_000).copy(num_retries=0)
    error = _fail(lm)
    assert "--max-response-bytes" in error_text(error) and not is_transient(error)
    assert asked and all(url.startswith("https://api.openai.com/") for url in asked)


@pytest.mark.parametrize("variable", ["OPENAI_BASE_URL", "OPENAI_API_BASE"])
def test_a_gateway_named_by_the_environment_gets_the_deadline_and_the_cap(monkeypatch, variable):
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-gateway")
    with OpenAIStub("drip") as stub:
        monkeypatch.setenv(variable, stub.base_url)
        error = _fail(resolve_lm("openai/m", timeout=0.3).copy(num_retries=0))
    assert is_transient(error) and "--timeout" in error_text(error)
    with OpenAIStub("huge", size=None) as stub:
        monkeypatch.setenv(variable, stub.base_url)
        error = _fail(resolve_lm("openai/m", max_response_bytes=100_000))
        assert "--max-response-bytes" in error_text(error) and stub.calls == 1


def test_a_gateway_variable_with_credentials_is_refused_naming_it(monkeypatch):
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:secret@gateway.internal/v1")
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL") as caught:
        resolve_lm("openai/m")
    assert "secret" not in str(caught.value)


class _Heard:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.signals: list = []

    def sent(self, body: bytes) -> None:
        self.bodies.append(body)

    def answered(self, signal) -> None:
        self.signals.append(signal)


def test_every_request_and_answer_reaches_the_runs_listener():
    """The pacer's feed: a request's body before it goes, each answer's status and rate-limit headers."""
    from rate_limited_stub import RateLimitedStub

    from embtaskgen.lm.rate_signals import listening

    heard = _Heard()
    with RateLimitedStub(rpm=60, tpm=10**6, burst=1.0, latency=0.0) as stub:  # one request at once
        lm = resolve_lm("openai/m", api_base=stub.base_url, max_tokens=50).copy(num_retries=0, cache=False)
        assert lm.engine.reports_rate_limits
        with listening(heard):
            lm("hello")
            with pytest.raises(Exception, match="(?i)rate"):
                lm("hello again")
    assert len(heard.bodies) == 2 and b"hello again" in heard.bodies[1]
    ok, refused = heard.signals
    assert (ok.status, ok.limit_requests, ok.limit_tokens, ok.remaining_requests) == (200, 60, 10**6, 0)
    assert refused.rate_limited and refused.retry_after == 1.0
