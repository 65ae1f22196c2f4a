"""execute/faults.py: what is transient, and error text that is safe to store."""

from __future__ import annotations

import json

import dspy
from dspy.utils.exceptions import LMAuthError, LMRateLimitError, LMServerError

from embtaskgen.execute.faults import ERROR_TEXT_LIMIT, RetryPolicy, describe_error, error_text, is_transient
from embtaskgen.lm.resolve import resolve_lm

ENV_KEY = "etg-env-key-9d2f61a0c4"  # not sk-shaped: only the environment step can find it


def test_transient_and_final_errors():
    assert is_transient(LMRateLimitError("slow down"))
    assert is_transient(ConnectionRefusedError("refused"))
    assert not is_transient(LMAuthError("bad key"))
    assert not is_transient(KeyboardInterrupt())
    assert RetryPolicy(attempts=1).allows(LMRateLimitError("x"), 0)
    assert not RetryPolicy(attempts=0).allows(LMRateLimitError("x"), 0)


def test_describe_error_redacts_the_environment_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    info = describe_error(LMAuthError(f"Incorrect API key provided: {ENV_KEY}. You can find your key at ..."))
    assert ENV_KEY not in json.dumps(info)
    assert info["error_type"] == "LMAuthError"
    assert "Incorrect API key provided: [REDACTED]" in info["error"]


def test_describe_error_redacts_a_key_given_to_the_model(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    key = "etg-given-key-30be7c55"
    resolve_lm("openai/served", api_base="http://127.0.0.1:9/v1", api_key=key)
    resolve_lm(dspy.LM("openai/other", api_key="etg-object-key-1f0a77"))
    info = describe_error(RuntimeError(f"server said: key {key} / etg-object-key-1f0a77 rejected"))
    assert info["error"] == "server said: key [REDACTED] / [REDACTED] rejected"


def test_describe_error_keeps_status_and_redacts_text_fields(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    error = LMServerError("unavailable")
    error.status, error.provider, error.retry_after = 503, f"openai-chat ({ENV_KEY})", 2.5
    info = describe_error(error)
    assert info["status"] == 503 and info["retry_after"] == 2.5
    assert info["provider"] == "openai-chat ([REDACTED])"


def test_error_text_is_storable_and_capped():
    text = error_text(RuntimeError("bad \ud83d byte\x00 " + "x" * (2 * ERROR_TEXT_LIMIT)))
    assert text.startswith("bad \ufffd byte ")
    assert len(text) == ERROR_TEXT_LIMIT + 1 and text.endswith("…")
    text.encode("utf-8")  # no lone surrogate left
    assert error_text(RuntimeError()) == "RuntimeError()"
