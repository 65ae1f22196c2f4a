"""Reading rate-limit headers and Retry-After; the listener of a context hears the transport."""

from __future__ import annotations

import contextvars
import email.utils
import threading
import time

import pytest

from embtaskgen.lm.rate_signals import (
    RateSignal,
    estimate_tokens,
    listening,
    parse_duration,
    read_signal,
    report_answer,
    report_request,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("250ms", 0.25), ("1h2m3.5s", 3723.5), ("20", 20.0), ("0.5", 0.5), ("2d", 172800.0)],
)
def test_durations_as_openai_compatible_servers_write_them(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5x", "-3", "1s later", "inf", "nan", None])
def test_unreadable_durations_are_none(text):
    assert parse_duration(text) is None


def test_every_header_is_read_whatever_its_case():
    signal = read_signal(
        200,
        [
            ("X-RateLimit-Limit-Requests", "600"),
            ("x-ratelimit-remaining-requests", "599"),
            ("x-ratelimit-reset-requests", "100ms"),
            ("x-ratelimit-limit-tokens", "200000"),
            ("x-ratelimit-remaining-tokens", "199000"),
            ("x-ratelimit-reset-tokens", "6m0s"),
            ("content-type", "application/json"),
        ],
    )
    assert signal == RateSignal(200, None, 600, 599, 0.1, 200000, 199000, 360)
    assert not signal.rate_limited


def test_retry_after_in_seconds_milliseconds_or_as_a_date():
    assert read_signal(429, [("retry-after", "7")]).retry_after == 7.0
    assert read_signal(429, [("retry-after-ms", "1500")]).retry_after == 1.5
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert read_signal(429, [("Retry-After", later)]).retry_after == pytest.approx(30, abs=2)
    assert read_signal(429, [("Retry-After", "whenever")]).retry_after is None
    assert read_signal(429, []).rate_limited


def test_garbage_numbers_are_ignored():
    signal = read_signal(200, [("x-ratelimit-limit-requests", "lots"), ("x-ratelimit-remaining-tokens", "-4")])
    assert signal.limit_requests is None and signal.remaining_tokens is None


def test_token_estimate_is_message_characters_over_four_plus_the_budget():
    body = {"messages": [{"content": "a" * 40}, {"content": [{"type": "text", "text": "b"}]}], "max_tokens": 9}
    assert estimate_tokens(__import__("json").dumps(body).encode()) == (40 + 29) // 4 + 9
    assert estimate_tokens(b'{"messages": [], "max_completion_tokens": 64}') == 64
    assert estimate_tokens(b"not json at all!") == 4  # its bytes / 4


class _Heard:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.signals: list[RateSignal] = []

    def sent(self, body: bytes) -> None:
        self.bodies.append(body)

    def answered(self, signal: RateSignal) -> None:
        self.signals.append(signal)


def test_the_listener_hears_threads_started_in_a_copy_of_its_context():
    heard = _Heard()
    with listening(heard):
        context = contextvars.copy_context()
    report_answer(200, [])  # outside: nobody listens, nothing fails

    def worker() -> None:
        report_request(b"{}")
        report_answer(429, [("Retry-After", "2")])

    thread = threading.Thread(target=context.run, args=(worker,))
    thread.start()
    thread.join()
    assert heard.bodies == [b"{}"]
    assert heard.signals == [RateSignal(429, retry_after=2.0)]
