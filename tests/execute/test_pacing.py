"""The pacer: user and server rates, token estimates, pauses on 429s and spent budgets, concurrency."""

from __future__ import annotations

import json

import pytest

from embtaskgen.errors import ConfigError
from embtaskgen.execute.pacing import BURST_SECONDS, CALM_SECONDS, FIRST_CALL_TOKENS, PROBE, Pacer
from embtaskgen.lm.rate_signals import RateSignal


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _started_within(pacer: Pacer, clock: Clock, seconds: float) -> int:
    """Calls the pacer admits over ``seconds`` when asked as soon as it allows."""
    end, started = clock.now + seconds, 0
    while clock.now < end and started < 100_000:
        wait = pacer.admit()
        if wait == 0:
            started += 1
        else:
            clock.now += wait
    return started


def _body(chars: int, max_tokens: int) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": "x" * chars}], "max_tokens": max_tokens}).encode()


def test_no_limits_admits_at_once_and_keeps_every_worker():
    pacer = Pacer(16, clock=Clock())
    assert all(pacer.admit() == 0 for _ in range(1000))
    assert pacer.in_flight_cap == 16


def test_user_rpm_paces_to_the_rate_with_a_small_burst():
    clock = Clock()
    pacer = Pacer(64, max_rpm=600, clock=clock)
    started = _started_within(pacer, clock, 60.0)
    assert 600 <= started <= 600 + 600 / 60 * BURST_SECONDS + 1


def test_user_tpm_paces_by_the_tokens_of_the_requests_sent():
    clock = Clock()
    pacer = Pacer(64, max_tpm=60_000, clock=clock)
    assert pacer.call_tokens() == FIRST_CALL_TOKENS
    pacer.sent(_body(2000, 500))  # 2000 / 4 + 500 = 1000 tokens
    pacer.sent(_body(800, 300))  # 500 tokens
    assert pacer.call_tokens() == 750
    started = _started_within(pacer, clock, 60.0)
    assert 80 <= started <= 82  # 60,000 / 750 a minute


def test_the_lower_of_the_user_and_server_limit_wins():
    clock = Clock()
    pacer = Pacer(64, max_rpm=6000, clock=clock)
    pacer.answered(RateSignal(200, limit_requests=120))
    assert _started_within(pacer, clock, 30.0) <= 61
    assert pacer.status()["pace"].endswith("of 120")


def test_server_headers_alone_set_the_rate():
    clock = Clock()
    pacer = Pacer(64, clock=clock)
    assert _started_within(pacer, clock, 1.0) == 100_000  # nothing known: no pacing
    pacer.answered(RateSignal(200, limit_requests=60, limit_tokens=1_000_000))
    clock.now += 100
    assert _started_within(pacer, clock, 10.0) <= 11


def test_a_429_pauses_for_retry_after_and_halves_the_calls_in_flight_once_per_storm():
    clock = Clock()
    pacer = Pacer(64, clock=clock)
    pacer.answered(RateSignal(429, retry_after=3.0))
    assert pacer.admit() == pytest.approx(3.0)
    assert pacer.in_flight_cap == 32
    for _ in range(20):  # the rest of the same wave
        pacer.answered(RateSignal(429, retry_after=3.0))
    assert pacer.in_flight_cap == 32
    assert pacer.rate_limited == 21
    clock.now += 3.0
    assert pacer.admit() == 0
    pacer.answered(RateSignal(429))  # a new storm; no Retry-After: 1 s
    assert pacer.in_flight_cap == 16
    assert pacer.admit() == pytest.approx(1.0)
    assert pacer.status()["429s"] == "22" and pacer.status()["in_flight"] == "<=16"


def test_calls_in_flight_grow_back_once_the_storm_has_passed():
    clock = Clock()
    pacer = Pacer(64, clock=clock)
    pacer.answered(RateSignal(429, retry_after=1.0))
    pacer.answered(RateSignal(200))
    assert pacer.in_flight_cap == 32  # too soon
    clock.now += CALM_SECONDS
    for _ in range(100):
        pacer.answered(RateSignal(200))
    assert pacer.in_flight_cap == 64


def test_a_rate_limit_error_without_a_transport_also_pauses():
    clock = Clock()
    pacer = Pacer(8, clock=clock)
    pacer.rate_limited_error(2.0)
    assert pacer.admit() == pytest.approx(2.0) and pacer.in_flight_cap == 4


def test_probe_holds_the_first_calls_until_an_answer_says_the_limits():
    pacer = Pacer(256, probe=PROBE, clock=Clock())
    assert pacer.in_flight_cap == PROBE
    pacer.answered(RateSignal(200, limit_requests=600))
    assert pacer.in_flight_cap == 256
    assert Pacer(4, probe=PROBE).in_flight_cap == 4


def test_a_spent_budget_pauses_until_a_calls_worth_is_back():
    clock = Clock()
    pacer = Pacer(8, clock=clock)
    pacer.answered(RateSignal(200, limit_requests=60, remaining_requests=0, reset_requests=30.0))
    assert pacer.admit() == pytest.approx(1.0)  # one request's worth at 60 a minute, not the whole reset
    clock.now += 5
    pacer.sent(_body(400, 0))  # 100 tokens a call
    pacer.answered(RateSignal(200, limit_tokens=6000, remaining_tokens=40, reset_tokens=9.0))
    assert pacer.admit() == pytest.approx(0.6)  # 60 tokens missing at 100 a second


def test_status_shows_the_pace_of_the_last_seconds():
    clock = Clock()
    pacer = Pacer(8, max_rpm=120, clock=clock)
    _started_within(pacer, clock, 10.0)
    assert pacer.status() == {"pace": "120/min of 120"}


@pytest.mark.parametrize("value", [0, -5, float("inf"), float("nan"), True, "600"])
def test_bad_limits_are_refused_with_the_valid_choice(value):
    with pytest.raises(ConfigError, match="max_rpm must be a number > 0"):
        Pacer(4, max_rpm=value)


def test_bad_workers_are_refused():
    with pytest.raises(ConfigError, match="workers must be an integer >= 1"):
        Pacer(0)


def test_a_call_that_sends_two_requests_is_charged_two():
    """A call whose answer the adapter re-asks for (or DSPy retries) sends more than one request."""
    clock = Clock()
    pacer = Pacer(64, max_rpm=600, clock=clock)
    end, started = clock.now + 60, 0
    while clock.now < end:
        wait = pacer.admit()
        if wait:
            clock.now += wait
            continue
        started += 1
        pacer.sent(_body(400, 0))
        pacer.sent(_body(400, 0))
        pacer.finished()
    assert pacer.call_requests() == 2.0 and pacer.call_tokens() == 200.0
    assert 300 <= started <= 305  # 600 requests a minute, two per call
