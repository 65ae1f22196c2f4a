"""LlamaCppEngine with a fake llama object: mapping, usage, locking, errors, schemas."""

from __future__ import annotations

import asyncio
import threading

import dspy
import pytest
from dspy import lm15
from dspy.lm15 import Config, Message, Request
from dspy.utils.exceptions import (
    ContextWindowExceededError,
    LMInvalidRequestError,
    LMProviderError,
    LMUnsupportedFeatureError,
)

from embtaskgen.embedded.engine import AsyncLlamaCppEngine, LlamaCppEngine
from embtaskgen.embedded.registry import model_fingerprint, usable_cpus
from embtaskgen.embedded.repetition import NoRepeat


def _user(text: str, **config) -> Request:
    return Request(model="local/tiny-test", messages=(Message.user(text),), config=Config(**config))


def _request(**config) -> Request:
    return Request(
        model="local/tiny-test",
        system="You brainstorm.",
        messages=(Message.user("Write 3 tasks."), Message.assistant("[]"), Message.user("Again.")),
        config=Config(**config),
    )


def test_request_maps_to_chat_messages_and_sampling(make_engine, fake_factory):
    engine = make_engine()
    engine.complete(_request(temperature=0.7, top_p=0.9, max_tokens=64, stop=("END",), seed=42))
    (call,) = fake_factory.llama.calls
    assert call["kind"] == "chat"
    assert call["messages"] == [
        {"role": "system", "content": "You brainstorm."},
        {"role": "user", "content": "Write 3 tasks."},
        {"role": "assistant", "content": "[]"},
        {"role": "user", "content": "Again."},
    ]
    assert call["temperature"] == 0.7
    assert call["top_p"] == 0.9
    assert call["max_tokens"] == 64
    assert call["stop"] == ["END"]
    assert call["seed"] == 42
    assert "response_format" not in call


def test_defaults_follow_the_paper(make_engine, fake_factory):
    make_engine().complete(_request())
    (call,) = fake_factory.llama.calls
    assert call["temperature"] == 1.0 and call["top_p"] == 1.0
    assert call["seed"] is None


def test_response_carries_text_and_usage(make_engine, fake_factory):
    engine = make_engine()
    response = engine.complete(_request())
    assert response.text == '["Given a question, retrieve passages that answer it."]'
    assert response.model == "tiny-test"
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (11, 7, 18)
    assert response.finish_reason == "stop"


def test_usage_reaches_dspy(make_lm):
    lm = make_lm()
    response = lm(_user("hi"))
    assert response.text == '["Given a question, retrieve passages that answer it."]'
    assert response.usage.input_tokens == 11
    usage = lm.history[-1]["usage"]
    assert usage["prompt_tokens"] == 11 and usage["completion_tokens"] == 7


def test_model_loads_lazily_once_and_is_shared(make_engine, fake_factory):
    first, second = make_engine(), make_engine(model_id="other-name")
    assert not first.loaded and fake_factory.built == []
    first.complete(_request())
    second.complete(_request())
    assert len(fake_factory.built) == 1
    cpus = usable_cpus()
    assert fake_factory.llama.settings == {"n_ctx": 4096, "n_threads": cpus, "n_threads_batch": cpus}
    first.close()
    assert not fake_factory.llama.closed  # the second engine still holds it
    second.close()
    assert fake_factory.llama.closed


def test_calls_from_many_threads_never_overlap(make_engine, fake_factory):
    engine = make_engine()
    engine.complete(_request())
    fake_factory.llama.delay = 0.02
    threads = [threading.Thread(target=engine.complete, args=(_request(),)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake_factory.llama.calls) == 7
    assert fake_factory.llama.overlaps == 0
    assert engine.max_concurrency == 1


def test_dspy_parallel_through_the_lm(make_lm, fake_factory):
    lm = make_lm()
    predict = dspy.Predict("question -> answer")
    fake_factory_reply = "[[ ## answer ## ]]\nok\n\n[[ ## completed ## ]]"
    lm.engine.complete(_request())  # load
    fake_factory.llama.reply = fake_factory_reply
    fake_factory.llama.delay = 0.01
    with dspy.context(lm=lm):
        results = predict.batch(
            [dspy.Example(question=str(i)).with_inputs("question") for i in range(4)], num_threads=4
        )
    assert [r.answer for r in results] == ["ok"] * 4
    assert fake_factory.llama.overlaps == 0


def test_context_overflow_is_context_window_exceeded(make_lm, make_engine, fake_factory):
    lm = make_lm()
    lm.engine.complete(_request())
    fake_factory.llama.error = ValueError("Requested tokens (5000) exceed context window of 4096")
    with pytest.raises(ContextWindowExceededError):
        lm(_user("very long"))
    with pytest.raises(lm15.ContextLengthError):
        lm.engine.complete(_request())


@pytest.mark.parametrize(
    ("error", "expected"),
    [(ValueError("bad grammar"), LMInvalidRequestError), (RuntimeError("llama_decode returned -3"), LMProviderError)],
)
def test_other_llama_errors_are_mapped(make_lm, fake_factory, error, expected):
    lm = make_lm()
    lm.engine.complete(_request())
    fake_factory.llama.error = error
    with pytest.raises(expected):
        lm(_user("hi"))


def test_load_failure_is_a_dspy_error(gguf_file):
    def broken(path, **settings):
        raise ValueError(f"Failed to load model from file: {path}")

    engine = LlamaCppEngine(gguf_file, model_id="broken", llama_factory=broken)
    lm = dspy.LM("local/tiny-test", engine=engine, cache=False, num_retries=0)
    with pytest.raises(Exception) as info:
        lm(_user("hi"))
    assert "could not load" in str(info.value)


def test_schema_goes_to_llama_cpp_as_json_object_with_schema(make_lm, fake_factory):
    lm = make_lm()
    assert "response_format" in lm.supported_params and lm.supports_response_schema
    schema = {"type": "array", "items": {"type": "string"}, "maxItems": 3}
    lm(_user("hi", response_format={"type": "json_schema", "schema": schema}))
    assert fake_factory.llama.calls[-1]["response_format"] == {"type": "json_object", "schema": schema}


def test_completion_style_uses_a_grammar(make_engine, fake_factory):
    pytest.importorskip("llama_cpp")
    from llama_cpp.llama_grammar import LlamaGrammar

    engine = make_engine(prompt_style="completion")
    schema = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    engine.complete(_request(response_format={"type": "json_schema", "schema": schema}))
    (call,) = fake_factory.llama.calls
    assert call["kind"] == "completion"
    assert call["prompt"] == "You brainstorm.\n\nWrite 3 tasks.\n\n[]\n\nAgain."
    assert isinstance(call["grammar"], LlamaGrammar)
    assert "response_format" not in call


def test_tools_are_refused_not_dropped(make_engine):
    engine = make_engine()
    request = Request(
        model="local/tiny-test",
        messages=(Message.user("hi"),),
        tools=(lm15.FunctionTool(name="f", description="d", parameters={"type": "object"}),),
    )
    with pytest.raises(lm15.UnsupportedFeatureError):
        engine.complete(request)


def test_unsupported_config_surfaces_as_dspy_error(make_lm):
    lm = make_lm()
    with pytest.raises(LMUnsupportedFeatureError):
        lm(_user("hi", logprobs=0))


def test_async_engine(make_lm, fake_factory):
    lm = make_lm()
    response = asyncio.run(lm.acall(_user("hi")))
    assert response.text == '["Given a question, retrieve passages that answer it."]'
    assert fake_factory.llama.calls[-1]["messages"] == [{"role": "user", "content": "hi"}]


def test_streaming_yields_start_text_end(make_engine):
    events = list(make_engine().stream(_request()))
    assert events[0].type == "start" and events[-1].type == "end"


def test_state_round_trip(make_engine):
    engine = make_engine(prompt_style="completion", repeat_penalty=1.1, no_repeat_multiplier=0.5)
    state = engine.dump_state()
    again = LlamaCppEngine.load_state(state)
    assert again.dump_state() == state
    assert isinstance(AsyncLlamaCppEngine.load_state(state).engine, LlamaCppEngine)


def test_construction_validates_arguments(gguf_file):
    with pytest.raises(ValueError, match="chat, completion"):
        LlamaCppEngine(gguf_file, prompt_style="base")
    with pytest.raises(ValueError, match="n_ctx"):
        LlamaCppEngine(gguf_file, n_ctx=10)
    with pytest.raises(ValueError, match="n_threads"):
        LlamaCppEngine(gguf_file, n_threads=0)
    with pytest.raises(ValueError, match=r"multiplier must be a number >= 0 \(0 turns it off\)"):
        LlamaCppEngine(gguf_file, no_repeat_multiplier=-0.1)
    with pytest.raises(ValueError, match="base must be a number >= 1"):
        LlamaCppEngine(gguf_file, no_repeat_multiplier=0.8, no_repeat_base=0.5)
    with pytest.raises(ValueError, match="allowed_length must be an int >= 1"):
        LlamaCppEngine(gguf_file, no_repeat_allowed_length=0)


def test_each_call_carries_its_engines_no_repeat_penalty(make_engine, fake_factory):
    """Engines over one file share one context: each call sets its own engine's penalty."""
    on = make_engine(no_repeat_multiplier=0.8)
    off = make_engine(model_id="tiny-test-plain")
    assert on.dump_state()["no_repeat_multiplier"] == 0.8 and not off.no_repeat.enabled
    on.complete(_request())
    off.complete(_request())
    on.complete(_request())
    seen = [call["no_repeat"] for call in fake_factory.llama.calls]
    assert seen[0] == seen[2] == NoRepeat(multiplier=0.8)
    assert seen[1] is None


def test_every_call_starts_from_an_empty_kv_cache(make_engine, fake_factory):
    """No prefix of the previous call is reused: a call's answer depends on its own request."""
    engine = make_engine()
    for _ in range(3):
        engine.complete(_request(seed=1))
    assert [call["resets"] for call in fake_factory.llama.calls] == [1, 2, 3]


def test_threads_default_to_every_usable_cpu(make_engine, fake_factory):
    # llama-cpp-python's own default is half the CPUs: 1 thread on a 2-core machine.
    make_engine().complete(_request())
    assert fake_factory.llama.settings["n_threads"] == usable_cpus() >= 1
    assert make_engine(model_id="y", n_threads=1).threads == 1  # an explicit count is kept


def test_model_id_defaults_to_stem_and_fingerprint(gguf_file, tmp_path):
    engine = LlamaCppEngine(gguf_file)
    assert engine.model_id == f"tiny-test-model-{model_fingerprint(gguf_file)}"
    other = tmp_path / "tiny-test-model-2.gguf"
    other.write_bytes(b"GGUF other bytes")
    assert model_fingerprint(other) != model_fingerprint(gguf_file)
