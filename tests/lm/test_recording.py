"""The dry run's engine keeps the first request of each call, answers nothing, and declares what the real LM does."""

from __future__ import annotations

import dspy

from embtaskgen.lm.recording import recording_lm
from embtaskgen.lm.resolve import resolve_lm


def test_it_keeps_the_first_request_of_each_call_only():
    lm, engine = recording_lm(dspy.LM("openai/m", max_tokens=123))
    engine.start(("a", 0))
    assert lm("first") == [""]
    lm("a fallback adapter's second request")
    engine.start(("a", 1))
    lm("second")
    assert engine.requests == {
        ("a", 0): ([{"role": "user", "content": "first"}], 123),
        ("a", 1): ([{"role": "user", "content": "second"}], 123),
    }


def test_nothing_is_kept_before_a_call_is_named():
    lm, engine = recording_lm(dspy.LM("openai/m"))
    lm("hello")
    assert engine.requests == {}


def test_it_declares_the_real_lms_schema_support():
    schema, _ = recording_lm(resolve_lm("openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1"))
    plain, _ = recording_lm(resolve_lm("openai/stub", api_base="http://127.0.0.1:9/v1"))
    assert schema.supports_response_schema and "response_format" in schema.supported_params
    assert not plain.supports_response_schema and "response_format" not in plain.supported_params
