"""A run's tally: tokens and cost per model, priced without making the recorder wait."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from embtaskgen.lm.pricing import price_of
from embtaskgen.runs.summary import Tally

_USAGE = {"openai/gpt-4o-mini": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}}


def test_recording_a_call_never_waits_for_its_models_price(monkeypatch):
    pending: Future = Future()
    asked: list[str] = []

    def price_soon(model):
        asked.append(model)
        return pending

    monkeypatch.setattr("embtaskgen.runs.summary.price_soon", price_soon)
    tally = Tally()
    tally.add_usage(_USAGE)
    tally.add_usage(_USAGE)
    assert asked[:1] == ["openai/gpt-4o-mini"]
    assert tally.usage() == {"prompt_tokens": 2000, "completion_tokens": 200, "total_tokens": 2200}
    assert tally.cost() is None  # the bar shows no cost while the price is being looked up
    pending.set_result(price_of("openai/gpt-4o-mini"))
    assert tally.cost() == pytest.approx(0.00042)
    assert tally.cost(wait=True) == pytest.approx(0.00042)


def test_the_summary_waits_for_a_price_still_being_looked_up(monkeypatch):
    import threading

    pending: Future = Future()
    monkeypatch.setattr("embtaskgen.runs.summary.price_soon", lambda model: pending)
    tally = Tally()
    tally.add_usage(_USAGE)
    threading.Timer(0.2, pending.set_result, [price_of("openai/gpt-4o-mini")]).start()
    assert tally.cost(wait=True) == pytest.approx(0.00021)


def test_a_batch_run_is_priced_at_the_batch_price():
    online, batch = Tally(), Tally(batch=True)
    for tally in (online, batch):
        tally.add_usage(_USAGE)
    assert batch.cost(wait=True) == pytest.approx(online.cost(wait=True) / 2)


def test_models_without_a_price_add_tokens_and_no_cost():
    tally = Tally()
    tally.add_usage({"openai/stub": {"prompt_tokens": 5, "completion_tokens": 5}, "local/x": {"prompt_tokens": 1}})
    assert tally.cost(wait=True) is None
    tally.add_usage(_USAGE)
    assert tally.cost(wait=True) == pytest.approx(0.00021)
    assert tally.largest_prompt == 1000
